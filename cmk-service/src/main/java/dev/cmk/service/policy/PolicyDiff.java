package dev.cmk.service.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Compares a key policy as the provider stores it with the template, statement by statement, and
 * names what is missing, what differs and what is extra. Statements are matched by {@code Sid};
 * within one, the order of actions and the one-value-or-list forms do not matter (AWS stores both
 * ways).
 *
 * @param missing template statements the key policy lacks (by Sid)
 * @param differing template statements present under the same Sid but with other content
 * @param extra statements of the key policy that are not in the template (Sid, or {@code #n})
 */
public record PolicyDiff(List<String> missing, List<String> differing, List<String> extra) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public PolicyDiff {
    missing = List.copyOf(missing);
    differing = List.copyOf(differing);
    extra = List.copyOf(extra);
  }

  public boolean matches() {
    return missing.isEmpty() && differing.isEmpty() && extra.isEmpty();
  }

  /**
   * @param actual the key policy document as JSON text
   * @param template the expected document
   * @throws IllegalArgumentException when {@code actual} is not a JSON policy document
   */
  public static PolicyDiff of(String actual, Map<String, Object> template) {
    JsonNode have;
    try {
      have = JSON.readTree(actual);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the key policy is not JSON", e);
    }
    List<JsonNode> haveStatements = statements(have);
    List<JsonNode> wantStatements = statements(JSON.valueToTree(template));
    List<String> missing = new ArrayList<>();
    List<String> differing = new ArrayList<>();
    List<Boolean> used = new ArrayList<>();
    haveStatements.forEach(s -> used.add(false));
    for (JsonNode want : wantStatements) {
      String sid = want.path("Sid").asText();
      int same = indexOf(haveStatements, canonical(want));
      if (same >= 0) {
        used.set(same, true);
        continue;
      }
      int bySid = indexOfSid(haveStatements, sid);
      if (bySid >= 0) {
        used.set(bySid, true);
        differing.add(sid);
      } else {
        missing.add(sid);
      }
    }
    List<String> extra = new ArrayList<>();
    for (int i = 0; i < haveStatements.size(); i++) {
      if (!used.get(i)) {
        String sid = haveStatements.get(i).path("Sid").asText("");
        extra.add(sid.isEmpty() ? "#" + (i + 1) : sid);
      }
    }
    return new PolicyDiff(missing, differing, extra);
  }

  private static List<JsonNode> statements(JsonNode doc) {
    JsonNode s = doc.path("Statement");
    List<JsonNode> out = new ArrayList<>();
    if (s.isArray()) {
      s.forEach(out::add);
    } else if (s.isObject()) {
      out.add(s);
    }
    return out;
  }

  private static int indexOf(List<JsonNode> statements, JsonNode canonical) {
    for (int i = 0; i < statements.size(); i++) {
      if (canonical(statements.get(i)).equals(canonical)) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOfSid(List<JsonNode> statements, String sid) {
    for (int i = 0; i < statements.size(); i++) {
      if (statements.get(i).path("Sid").asText("").equals(sid)) {
        return i;
      }
    }
    return -1;
  }

  /** Every string-or-list becomes a sorted list, recursively; object keys compare as a set. */
  static JsonNode canonical(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      TreeSet<String> names = new TreeSet<>();
      n.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        o.set(name, canonical(n.get(name)));
      }
      return o;
    }
    if (n.isArray() || n.isTextual()) {
      TreeSet<String> values = new TreeSet<>();
      if (n.isTextual()) {
        values.add(n.asText());
      } else {
        for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
          JsonNode e = it.next();
          values.add(e.isValueNode() ? e.asText() : canonical(e).toString());
        }
      }
      ArrayNode a = JsonNodeFactory.instance.arrayNode();
      values.forEach(a::add);
      return a;
    }
    return n;
  }
}

package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Test-only evaluator of the subset of the AWS IAM policy language CMK's key-policy templates use
 * (no maintained Java library evaluates IAM policies offline): {@code Allow}/{@code Deny}, {@code
 * Principal} ({@code *} or {@code {"AWS": arn|[arn…]}}, an account's {@code :root} matching that
 * account's principals), {@code Action} with {@code *}/{@code ?} wildcards, {@code Resource "*"},
 * and {@code Condition} operators {@code StringEquals}, {@code StringNotEquals}, {@code
 * StringLike}, {@code Bool}, each optionally with {@code ForAllValues:} / {@code ForAnyValue:}.
 *
 * <p>Semantics as AWS documents them: an explicit Deny wins over any Allow; without a matching
 * Allow the request is implicitly denied; within a Condition block every operator and every key
 * must hold (AND), the values listed for one key are alternatives (OR); a single-valued operator on
 * a key the request lacks is false; {@code ForAllValues} holds when every request value matches
 * (and when the key is absent), {@code ForAnyValue} when at least one does. An element this
 * evaluator does not know fails the evaluation loudly rather than being ignored.
 */
final class IamPolicyEvaluator {
  enum Decision {
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY
  }

  /**
   * One request: who, what, and its condition keys (each with one or more values, e.g. {@code
   * kms:EncryptionContext:account} or the multi-valued {@code kms:GrantOperations}).
   */
  record Request(String principalArn, String action, Map<String, List<String>> keys) {}

  /** The decision and the statement that made it (empty for an implicit deny). */
  record Result(Decision decision, String sid) {}

  private IamPolicyEvaluator() {}

  static Result evaluate(JsonNode policy, Request r) {
    Result allow = null;
    for (JsonNode s : statements(policy)) {
      checkKnown(s);
      if (!principalMatches(s.get("Principal"), r.principalArn())
          || !actionMatches(s.get("Action"), r.action())
          || !resourceMatches(s.get("Resource"))
          || !conditionsHold(s.get("Condition"), r.keys())) {
        continue;
      }
      String sid = s.path("Sid").asText("");
      String effect = s.get("Effect").asText();
      if (effect.equals("Deny")) {
        return new Result(Decision.EXPLICIT_DENY, sid);
      }
      if (effect.equals("Allow") && allow == null) {
        allow = new Result(Decision.ALLOW, sid);
      }
    }
    return allow != null ? allow : new Result(Decision.IMPLICIT_DENY, "");
  }

  private static List<JsonNode> statements(JsonNode policy) {
    JsonNode s = policy.get("Statement");
    List<JsonNode> out = new ArrayList<>();
    if (s.isArray()) {
      s.forEach(out::add);
    } else {
      out.add(s);
    }
    return out;
  }

  private static void checkKnown(JsonNode s) {
    for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!List.of("Sid", "Effect", "Principal", "Action", "Resource", "Condition").contains(f)) {
        throw new IllegalArgumentException("statement element not supported here: " + f);
      }
    }
  }

  private static List<String> values(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (n.isArray()) {
      n.forEach(v -> out.add(v.asText()));
    } else {
      out.add(n.asText());
    }
    return out;
  }

  private static boolean principalMatches(JsonNode principal, String caller) {
    if (principal == null) {
      throw new IllegalArgumentException("a key policy statement needs a Principal");
    }
    if (principal.isTextual()) {
      return principal.asText().equals("*");
    }
    for (Iterator<String> it = principal.fieldNames(); it.hasNext(); ) {
      String kind = it.next();
      if (!kind.equals("AWS")) {
        throw new IllegalArgumentException("principal kind not supported here: " + kind);
      }
    }
    for (String p : values(principal.get("AWS"))) {
      if (p.equals("*") || p.equals(caller)) {
        return true;
      }
      if (p.endsWith(":root") && account(p).equals(account(caller))) {
        return true;
      }
    }
    return false;
  }

  private static String account(String arn) {
    String[] parts = arn.split(":");
    return parts.length > 4 ? parts[4] : "";
  }

  private static boolean actionMatches(JsonNode action, String wanted) {
    for (String a : values(action)) {
      if (glob(a, true).matcher(wanted).matches()) {
        return true;
      }
    }
    return false;
  }

  private static boolean resourceMatches(JsonNode resource) {
    List<String> r = values(resource);
    if (!r.equals(List.of("*"))) {
      throw new IllegalArgumentException("only Resource \"*\" is supported in a key policy: " + r);
    }
    return true;
  }

  private static boolean conditionsHold(JsonNode condition, Map<String, List<String>> keys) {
    if (condition == null) {
      return true;
    }
    for (Map.Entry<String, JsonNode> op : condition.properties()) {
      for (Map.Entry<String, JsonNode> k : op.getValue().properties()) {
        List<String> have = keys.get(k.getKey());
        if (!holds(op.getKey(), have, values(k.getValue()))) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean holds(String operator, List<String> have, List<String> want) {
    int colon = operator.indexOf(':');
    String qualifier = colon > 0 ? operator.substring(0, colon) : "";
    String op = colon > 0 ? operator.substring(colon + 1) : operator;
    switch (qualifier) {
      case "ForAllValues":
        return have == null || have.stream().allMatch(v -> matchesAny(op, v, want));
      case "ForAnyValue":
        return have != null && have.stream().anyMatch(v -> matchesAny(op, v, want));
      case "":
        if (have == null || have.size() != 1) {
          return op.equals("StringNotEquals") && have == null;
        }
        return op.equals("StringNotEquals")
            ? want.stream().noneMatch(w -> w.equals(have.get(0)))
            : matchesAny(op, have.get(0), want);
      default:
        throw new IllegalArgumentException("condition qualifier not supported: " + qualifier);
    }
  }

  private static boolean matchesAny(String op, String value, List<String> want) {
    return switch (op) {
      case "StringEquals" -> want.contains(value);
      case "StringLike" -> want.stream().anyMatch(w -> glob(w, false).matcher(value).matches());
      case "Bool" ->
          want.stream()
              .anyMatch(w -> w.toLowerCase(Locale.ROOT).equals(value.toLowerCase(Locale.ROOT)));
      case "StringNotEquals" -> !want.contains(value);
      default -> throw new IllegalArgumentException("condition operator not supported: " + op);
    };
  }

  /** IAM wildcards: {@code *} any run, {@code ?} one character; actions compare without case. */
  private static Pattern glob(String s, boolean ignoreCase) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '*' -> b.append(".*");
        case '?' -> b.append('.');
        default -> b.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(b.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
  }
}

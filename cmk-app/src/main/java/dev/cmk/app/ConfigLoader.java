package dev.cmk.app;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.NullMarked;

/**
 * Builds the {@link CmkConfig}: defaults, then an optional YAML file, then environment variables.
 * Every leaf has an environment name made of {@code CMK_} and its path in upper snake case: {@code
 * server.port} is {@code CMK_SERVER_PORT}, {@code kekCache.maxUses} is {@code
 * CMK_KEK_CACHE_MAX_USES}. Unknown keys in the file are errors that name the key.
 */
@NullMarked
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private ConfigLoader() {}

  public static CmkConfig load(Optional<Path> file, Map<String, String> env) {
    ObjectNode tree = YAML.valueToTree(CmkConfig.defaults());
    if (file.isPresent()) {
      try {
        JsonNode fromFile = YAML.readTree(Files.readString(file.get()));
        if (fromFile != null && fromFile.isObject()) {
          merge(tree, (ObjectNode) fromFile, "");
        }
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read configuration file " + file.get() + ": " + e.getMessage(), e);
      }
    }
    applyEnv(tree, "CMK", env);
    try {
      return YAML.treeToValue(tree, CmkConfig.class);
    } catch (IOException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw new IllegalArgumentException(
          root instanceof IllegalArgumentException
              ? root.getMessage()
              : "invalid configuration: " + key(e) + e.getMessage(),
          e);
    }
  }

  /** The dotted key a value could not be read for ({@code audit.archiveInterval: }), if known. */
  private static String key(IOException e) {
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder k = new StringBuilder();
      for (JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) {
          k.append(k.length() == 0 ? "" : ".").append(r.getFieldName());
        }
      }
      return k.length() == 0 ? "" : k + ": ";
    }
    return "";
  }

  private static void merge(ObjectNode into, ObjectNode from, String path) {
    for (Map.Entry<String, JsonNode> e : from.properties()) {
      String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      JsonNode existing = into.get(e.getKey());
      if (existing == null) {
        throw new IllegalArgumentException("invalid configuration: unknown key '" + key + "'");
      }
      if (existing.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) existing, (ObjectNode) e.getValue(), key);
      } else {
        into.set(e.getKey(), e.getValue());
      }
    }
  }

  private static void applyEnv(ObjectNode node, String prefix, Map<String, String> env) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String name = prefix + "_" + snake(e.getKey());
      if (e.getValue().isObject()) {
        applyEnv((ObjectNode) e.getValue(), name, env);
      } else if (env.containsKey(name)) {
        node.set(e.getKey(), TextNode.valueOf(env.get(name)));
      }
    }
  }

  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }
}

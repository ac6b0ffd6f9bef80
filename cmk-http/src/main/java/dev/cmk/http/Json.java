package dev.cmk.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import io.javalin.http.Context;
import java.util.Locale;
import java.util.Map;

/**
 * The API's one JSON mapper and the one way handlers read a JSON body, so every JSON route gets the
 * same rules: a JSON media type (else 415), a JSON object (not {@code null}, an array or a scalar),
 * no {@code null} members, no coercion between types ({@code {"enabled":0}} is not a boolean), and
 * error messages that name the field, never an internal class.
 */
public final class Json {
  public static final ObjectMapper MAPPER = strict();

  private Json() {}

  private static ObjectMapper strict() {
    ObjectMapper m =
        JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build()
            .registerModule(new JavaTimeModule())
            .registerModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .setDefaultPropertyInclusion(
                JsonInclude.Value.construct(
                    JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS));
    // A JSON number or boolean is not a string, and a string or number is not a boolean.
    for (LogicalType t : new LogicalType[] {LogicalType.Textual, LogicalType.Boolean}) {
      m.coercionConfigFor(t)
          .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }
    m.coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float}) {
      m.coercionConfigFor(t)
          .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }
    m.coercionConfigFor(LogicalType.Integer)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    return m;
  }

  /** Parses a JSON object body into {@code type}; every failure is the client's (4xx). */
  public static <T> T body(Context ctx, Class<T> type) {
    JsonNode tree = tree(ctx);
    if (!tree.isObject()) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "the body must be a JSON object, not " + kind(tree));
    }
    return convert(tree, type);
  }

  /**
   * Reads the body as JSON of any shape (a route that takes a list checks the shape itself): checks
   * the media type, rejects an empty body, malformed JSON and {@code null} members.
   */
  public static JsonNode tree(Context ctx) {
    requireJson(ctx);
    String text = ctx.body();
    if (text.isBlank()) {
      throw new CmkException(ErrorCode.EMPTY_BODY, "a JSON body is required");
    }
    JsonNode tree;
    try {
      tree = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "malformed JSON body: " + Echo.cut(e.getOriginalMessage()));
    }
    if (tree == null || tree.isMissingNode()) {
      throw new CmkException(ErrorCode.EMPTY_BODY, "a JSON body is required");
    }
    rejectNulls(tree, "");
    java.util.List<String> longStrings = new java.util.ArrayList<>();
    tree.forEach(n -> collectLong(n, longStrings));
    if (tree.isTextual()) {
      collectLong(tree, longStrings);
    }
    ctx.attribute(ECHOES, longStrings);
    return tree;
  }

  /** Binds a parsed tree to {@code type}, with messages that name the field. */
  public static <T> T convert(JsonNode tree, Class<T> type) {
    try {
      return MAPPER.treeToValue(tree, type);
    } catch (JsonProcessingException e) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, describe(e));
    } catch (IllegalArgumentException e) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "the body does not fit this route");
    }
  }

  /**
   * 415 unless the request says it is JSON ({@code application/json} or {@code …+json}); a request
   * without a Content-Type is read as JSON (curl's and older clients' default).
   */
  static void requireJson(Context ctx) {
    String type = ctx.header("Content-Type");
    if (type == null || type.isBlank()) {
      return;
    }
    String media = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!media.equals("application/json") && !media.endsWith("+json")) {
      throw new CmkException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          "this route takes application/json, not " + Echo.cut(media));
    }
  }

  /** Request attribute: the body's long string values, which error messages must not echo whole. */
  static final String ECHOES = "cmk.bodyEchoes";

  private static void collectLong(JsonNode n, java.util.List<String> out) {
    if (n.isTextual() && n.textValue().length() > Echo.MAX) {
      out.add(n.textValue());
    } else if (n.isContainerNode()) {
      n.forEach(c -> collectLong(c, out));
    }
  }

  private static void rejectNulls(JsonNode node, String at) {
    if (node.isNull()) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          at.isEmpty()
              ? "the body must be a JSON object, not null"
              : "field " + at + " must not be null (leave it out instead)");
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> f : node.properties()) {
        rejectNulls(f.getValue(), (at.isEmpty() ? "" : at + ".") + Echo.cut(f.getKey()));
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        rejectNulls(node.get(i), (at.isEmpty() ? "item " : at) + "[" + i + "]");
      }
    }
  }

  private static String kind(JsonNode n) {
    return n.isNull() ? "null" : n.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  /** A Jackson failure in the client's words: which field, what is wrong; no class names. */
  static String describe(JsonProcessingException e) {
    String field = e instanceof JsonMappingException m ? path(m) : "";
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown field \"" + Echo.cut(u.getPropertyName()) + "\"";
    }
    String where = field.isEmpty() ? "the body" : "field \"" + field + "\"";
    if (e instanceof InvalidFormatException f) {
      Class<?> t = f.getTargetType();
      return t != null && t.isEnum()
          ? where + " must be one of " + java.util.Arrays.toString(t.getEnumConstants())
          : where + " has an invalid value (expected " + typeName(t) + ")";
    }
    if (e instanceof MismatchedInputException m) {
      return where + " has the wrong type (expected " + typeName(m.getTargetType()) + ")";
    }
    return where + " is invalid";
  }

  private static String path(JsonMappingException m) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : m.getPath()) {
      if (r.getFieldName() != null) {
        b.append(b.length() == 0 ? "" : ".").append(Echo.cut(r.getFieldName()));
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String typeName(Class<?> t) {
    if (t == null) {
      return "another type";
    }
    if (t == Boolean.class || t == boolean.class) {
      return "true or false";
    }
    if (CharSequence.class.isAssignableFrom(t) || t.isEnum()) {
      return "a string";
    }
    if (Number.class.isAssignableFrom(t) || t.isPrimitive()) {
      return "a number";
    }
    if (java.util.Collection.class.isAssignableFrom(t) || t.isArray()) {
      return "a list";
    }
    if (java.time.temporal.Temporal.class.isAssignableFrom(t)) {
      return "an ISO-8601 time";
    }
    return "an object";
  }

  /** The JSON text of {@code value}. */
  public static String text(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize response", e);
    }
  }

  public static void write(Context ctx, int status, Object value) {
    try {
      ctx.status(status).contentType("application/json").result(MAPPER.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize response", e);
    }
  }
}

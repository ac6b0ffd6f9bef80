package dev.cmk.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import io.javalin.http.Context;

/** The API's one JSON mapper and the two ways handlers use it. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .registerModule(new Jdk8Module())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .setDefaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS));

  private Json() {}

  /** Parses the request body; a malformed body is the client's mistake (400 invalid_request). */
  public static <T> T body(Context ctx, Class<T> type) {
    String text = ctx.body();
    if (text.isBlank()) {
      throw new CmkException(ErrorCode.EMPTY_BODY, "a JSON body is required");
    }
    try {
      return MAPPER.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "malformed JSON body: " + e.getOriginalMessage());
    }
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

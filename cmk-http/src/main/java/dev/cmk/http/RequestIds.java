package dev.cmk.http;

import io.javalin.http.Context;
import java.util.UUID;
import java.util.regex.Pattern;

/** A request id on every request: the caller's {@code X-Request-Id} if sane, else a new one. */
final class RequestIds {
  static final String HEADER = "X-Request-Id";
  private static final String ATTR = "cmk.requestId";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private RequestIds() {}

  static void assign(Context ctx) {
    String given = ctx.header(HEADER);
    String id =
        given != null && SANE.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.attribute(ATTR, id);
    ctx.header(HEADER, id);
  }

  static String of(Context ctx) {
    String id = ctx.attribute(ATTR);
    return id == null ? "" : id;
  }
}

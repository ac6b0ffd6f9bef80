package dev.cmk.http;

import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The headers every answer carries, whoever writes it (a route, the error mapper, Jetty's own error
 * page for a bad request line): no cache may keep an API answer (it may carry key material or
 * content), no browser may sniff it into something else, frame it or send it as a referrer.
 */
final class SecurityHeaders {
  static final Map<String, String> API =
      Map.of(
          "X-Content-Type-Options", "nosniff",
          "Cache-Control", "no-store",
          "Referrer-Policy", "no-referrer",
          "X-Frame-Options", "DENY");

  private SecurityHeaders() {}

  /** The headers of an answer to {@code path}: the console's own for its files, else the API's. */
  static void apply(String path, BiConsumer<String, String> put) {
    (path != null && path.startsWith(Console.PATH) ? Console.HEADERS : API).forEach(put);
  }
}

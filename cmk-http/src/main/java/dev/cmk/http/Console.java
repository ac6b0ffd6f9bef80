package dev.cmk.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.staticfiles.Location;
import java.util.Map;

/**
 * The web console: static HTML, ES modules and CSS served at {@value #PATH}/ from the classpath. It
 * calls the /v1 API with the token the admin pastes, so it adds no privilege of its own.
 *
 * <p><b>Security:</b> every console file is served with a Content-Security-Policy that allows
 * scripts, styles and connections from this origin only (no inline script or style, no framing),
 * {@code nosniff} and {@code no-referrer}. The scripts render API data as text, never as HTML.
 */
final class Console {
  static final String PATH = "/console";

  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
          + " frame-ancestors 'none'";

  static final Map<String, String> HEADERS =
      Map.of(
          "Content-Security-Policy", CSP,
          "X-Content-Type-Options", "nosniff",
          "Referrer-Policy", "no-referrer",
          "X-Frame-Options", "DENY",
          "Cross-Origin-Opener-Policy", "same-origin",
          "Cache-Control", "no-cache");

  private Console() {}

  static void serve(JavalinConfig c) {
    c.staticFiles.add(
        f -> {
          f.hostedPath = PATH;
          f.directory = "/dev/cmk/http/console";
          f.location = Location.CLASSPATH;
          f.headers = HEADERS;
        });
  }
}

package dev.cmk.service.events;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 POST to exactly the address the SSRF check resolved and approved (no second DNS
 * lookup a rebinding name could answer differently). For https the TLS session is still made to the
 * URL's host name: SNI carries it and the certificate is verified against it. Redirects are never
 * followed (the status is returned as is); the answer's body is not read.
 */
final class PinnedPost {
  private static final int MAX_LINE = 8192;
  private static final int MAX_HEADERS = 200;

  /** Opens the TCP connection (a seam for tests, which record where a connection would go). */
  @FunctionalInterface
  interface Dialer {
    Socket connect(InetSocketAddress to, int timeoutMillis) throws IOException;

    Dialer PLAIN =
        (to, timeout) -> {
          Socket s = new Socket();
          try {
            s.connect(to, timeout);
          } catch (IOException e) {
            s.close();
            throw e;
          }
          return s;
        };
  }

  private PinnedPost() {}

  /** The URL, and the one checked address its connection must go to. */
  record Target(URI uri, InetAddress address) {
    int port() {
      int p = uri.getPort();
      return p != -1 ? p : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** The host as TLS and the Host header want it (an IPv6 literal without its brackets). */
    String host() {
      String h = uri.getHost();
      return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }
  }

  /** POSTs {@code body} and returns the answer's status code. */
  static int post(
      Target t, Map<String, String> headers, byte[] body, Duration timeout, Dialer dialer)
      throws IOException {
    return post(
        t, headers, body, timeout, dialer, (SSLSocketFactory) SSLSocketFactory.getDefault());
  }

  /** {@link #post} with these TLS settings (the JDK's default trust in production). */
  static int post(
      Target t,
      Map<String, String> headers,
      byte[] body,
      Duration timeout,
      Dialer dialer,
      SSLSocketFactory tls)
      throws IOException {
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    try (Socket raw = dialer.connect(new InetSocketAddress(t.address(), t.port()), millis)) {
      raw.setSoTimeout(millis);
      Socket s = raw;
      if ("https".equalsIgnoreCase(t.uri().getScheme())) {
        SSLSocket ssl = (SSLSocket) tls.createSocket(raw, t.host(), t.port(), true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the URL's host
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        s = ssl;
      }
      OutputStream out = s.getOutputStream();
      out.write(head(t, headers, body.length).getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return status(new BufferedInputStream(s.getInputStream()));
    }
  }

  static String head(Target t, Map<String, String> headers, int length) {
    URI u = t.uri();
    String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
    if (u.getRawQuery() != null) {
      path += "?" + u.getRawQuery();
    }
    String host = u.getHost() + (u.getPort() == -1 ? "" : ":" + u.getPort());
    StringBuilder b = new StringBuilder(512);
    b.append("POST ").append(path).append(" HTTP/1.1\r\n");
    b.append("Host: ").append(host).append("\r\n");
    headers.forEach(
        (k, v) -> {
          if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("header " + k + " has a line break");
          }
          b.append(k).append(": ").append(v).append("\r\n");
        });
    b.append("Content-Length: ").append(length).append("\r\n");
    b.append("Connection: close\r\n\r\n");
    return b.toString();
  }

  /** The final status code: interim 1xx answers are skipped. */
  static int status(InputStream in) throws IOException {
    while (true) {
      String line = line(in);
      String[] parts = line.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.x answer");
      }
      int code;
      try {
        code = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IOException("bad HTTP status line", e);
      }
      if (code < 100 || code > 599) {
        throw new IOException("bad HTTP status " + code);
      }
      if (code >= 200) {
        return code;
      }
      for (int i = 0; !line(in).isEmpty(); i++) { // an interim answer's headers
        if (i > MAX_HEADERS) {
          throw new IOException("too many header lines");
        }
      }
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (b.size() >= MAX_LINE) {
        throw new IOException("answer line too long");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    if (c == -1 && b.size() == 0) {
      throw new IOException("connection closed before an answer");
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}

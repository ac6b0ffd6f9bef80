package dev.cmk.provider.testkit.kms;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Just enough HTTP/1.1 on a raw socket for {@link KmsFaultProxy}: it must own the socket to refuse,
 * reset or hold a connection, which no HTTP server library lets a handler do.
 */
final class HttpWire {
  private static final int MAX_LINE = 16 * 1024;
  private static final int MAX_BODY = 8 * 1024 * 1024;

  private HttpWire() {}

  /** One request; header names in lower case. */
  record Request(String method, String path, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  /** Reads one request, or returns null when the peer closed the connection between requests. */
  static @Nullable Request read(InputStream in) throws IOException {
    String start = line(in);
    if (start == null) {
      return null;
    }
    String[] parts = start.split(" ", 3);
    if (parts.length < 3) {
      throw new IOException("bad request line");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.put(
            h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
    }
    byte[] body;
    if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
      body = chunked(in);
    } else {
      int n = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      if (n < 0 || n > MAX_BODY) {
        throw new IOException("body too large");
      }
      body = in.readNBytes(n);
      if (body.length != n) {
        throw new EOFException("body cut short");
      }
    }
    return new Request(parts[0], parts[1], headers, body);
  }

  static void write(OutputStream out, int status, String contentType, byte[] body)
      throws IOException {
    String head =
        "HTTP/1.1 "
            + status
            + " "
            + reason(status)
            + "\r\nContent-Type: "
            + contentType
            + "\r\nContent-Length: "
            + body.length
            + "\r\nx-amzn-RequestId: proxy-"
            + System.nanoTime()
            + "\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  private static byte[] chunked(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      if (size == null) {
        throw new EOFException("chunked body cut short");
      }
      int semi = size.indexOf(';');
      int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      if (n == 0) {
        for (String t = line(in); t != null && !t.isEmpty(); t = line(in)) {
          // trailers are ignored
        }
        return out.toByteArray();
      }
      if (out.size() + n > MAX_BODY) {
        throw new IOException("body too large");
      }
      out.write(in.readNBytes(n));
      line(in);
    }
  }

  private static @Nullable String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        byte[] raw = b.toByteArray();
        int len = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        return new String(raw, 0, len, StandardCharsets.ISO_8859_1);
      }
      if (b.size() >= MAX_LINE) {
        throw new IOException("line too long");
      }
      b.write(c);
    }
    if (b.size() == 0) {
      return null;
    }
    throw new EOFException("connection closed mid-line");
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }
}

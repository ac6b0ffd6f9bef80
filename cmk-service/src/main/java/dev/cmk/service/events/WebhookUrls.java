package dev.cmk.service.events;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Texts;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The SSRF guard of webhook targets, at creation and before every delivery: the host is resolved
 * once per check, and a delivery connects to exactly the address its check approved.
 */
final class WebhookUrls {
  /** Looks up a host's addresses: the JDK's resolver, or a scripted one in tests. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final boolean allowHttpLoopback;
  private final Resolver resolver;

  /**
   * @param allowHttpLoopback admits {@code http://127.0.0.1} targets (tests only)
   */
  WebhookUrls(boolean allowHttpLoopback, Resolver resolver) {
    this.allowHttpLoopback = allowHttpLoopback;
    this.resolver = resolver;
  }

  /**
   * https only (http to a loopback address when {@code allowHttpLoopback}), no user info, and every
   * address the host resolves to must be public: not loopback, private (RFC 1918, fc00::/7),
   * link-local, carrier-grade NAT, multicast or unspecified.
   */
  URI checkUrl(String url) {
    return check(url).uri();
  }

  /** {@link #checkUrl}, and the checked address a delivery connects to (the first one). */
  PinnedPost.Target check(String url) {
    URI uri;
    try {
      uri = URI.create(url == null ? "" : url.trim());
    } catch (IllegalArgumentException e) {
      throw badUrl("url is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (host == null || uri.getRawUserInfo() != null || url.length() > 2000) {
      throw badUrl("url must be an absolute https URL with a host and no user info");
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw badUrl("url host '" + Texts.abbreviate(host, 100) + "' does not resolve");
    }
    boolean loopbackTest =
        allowHttpLoopback && Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress);
    if (!scheme.equals("https") && !(scheme.equals("http") && loopbackTest)) {
      throw badUrl("url must be https");
    }
    if (!loopbackTest) {
      for (InetAddress a : addresses) {
        if (!isPublic(a)) {
          throw badUrl(
              "url host '"
                  + Texts.abbreviate(host, 100)
                  + "' resolves to a private, loopback or link-local address");
        }
      }
    }
    if (addresses.length == 0) {
      throw badUrl("url host '" + Texts.abbreviate(host, 100) + "' does not resolve");
    }
    return new PinnedPost.Target(uri, addresses[0]);
  }

  static boolean isPublic(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isAnyLocalAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (b.length == 4) {
      int b0 = b[0] & 0xff;
      int b1 = b[1] & 0xff;
      return !(b0 == 0
          || (b0 == 100 && b1 >= 64 && b1 < 128)
          || (b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0)
          || (b0 == 198 && (b1 == 18 || b1 == 19))
          || b0 >= 240);
    }
    return (b[0] & 0xfe) != 0xfc; // fc00::/7 unique local
  }

  private static CmkException badUrl(String message) {
    return new CmkException(ErrorCode.INVALID_WEBHOOK_URL, message);
  }
}

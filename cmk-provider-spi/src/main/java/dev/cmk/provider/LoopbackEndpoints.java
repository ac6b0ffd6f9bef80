package dev.cmk.provider;

/**
 * Whether key ids may name endpoints on this machine (127.0.0.1 / localhost), which only the
 * protocol stubs of tests need.
 *
 * <p><b>Security:</b> off unless the JVM runs with {@code
 * -Dcmk.providers.allowLoopbackEndpoints=true} (the build sets it for tests only). Otherwise an
 * account admin could point a key id at a service on the node itself and have the platform send it
 * signed requests or bearer tokens.
 */
public final class LoopbackEndpoints {
  public static final String PROPERTY = "cmk.providers.allowLoopbackEndpoints";

  private LoopbackEndpoints() {}

  public static boolean allowed() {
    return Boolean.getBoolean(PROPERTY);
  }

  public static boolean isLoopback(String host) {
    return host.equals("127.0.0.1") || host.equalsIgnoreCase("localhost");
  }
}

package dev.cmk.provider;

/**
 * Whether a host names this machine (127.0.0.1 / localhost). Key ids and sign-in hosts that do are
 * refused unless the provider's configuration allows loopback endpoints, which only the protocol
 * stubs of tests need.
 *
 * <p><b>Security:</b> the allowance is a provider configuration value ({@code
 * allowLoopbackEndpoints}, false by default), never read from the environment by provider code.
 * Otherwise an account admin could point a key id at a service on the node itself and have the
 * platform send it signed requests or bearer tokens.
 */
public final class LoopbackEndpoints {
  private LoopbackEndpoints() {}

  public static boolean isLoopback(String host) {
    return host.equals("127.0.0.1") || host.equalsIgnoreCase("localhost");
  }
}

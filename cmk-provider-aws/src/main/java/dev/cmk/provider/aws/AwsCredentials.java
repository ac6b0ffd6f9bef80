package dev.cmk.provider.aws;

/**
 * Where the AWS provider gets the platform principal's credentials. Kept free of SDK types so that
 * the configuration tree does not depend on the SDK.
 *
 * <p><b>Security:</b> prefer {@link DefaultChain} (instance role, IRSA, environment); {@link
 * StaticKeys} exists for tests and emulators and never prints its secret.
 */
public sealed interface AwsCredentials {

  /** The SDK's default chain: environment, system properties, profile, container, instance role. */
  record DefaultChain() implements AwsCredentials {}

  /** A named profile from the shared AWS config files. */
  record Profile(String name) implements AwsCredentials {}

  /** Fixed keys, for emulators and tests. */
  record StaticKeys(String accessKeyId, String secretAccessKey) implements AwsCredentials {
    @Override
    public String toString() {
      return "StaticKeys[accessKeyId=" + accessKeyId + ", secretAccessKey=redacted]";
    }
  }

  static AwsCredentials defaultChain() {
    return new DefaultChain();
  }
}

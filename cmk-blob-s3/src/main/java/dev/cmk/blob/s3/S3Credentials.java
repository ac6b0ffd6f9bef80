package dev.cmk.blob.s3;

/**
 * Where the S3 store gets the node's credentials; free of SDK types so that the configuration tree
 * does not depend on the SDK.
 *
 * <p><b>Security:</b> prefer {@link DefaultChain} (instance role, IRSA, environment); {@link
 * StaticKeys} exists for emulators and tests and never prints its secret.
 */
public sealed interface S3Credentials {

  /** The SDK's default chain: environment, system properties, profile, container, instance role. */
  record DefaultChain() implements S3Credentials {}

  /** A named profile from the shared AWS config files. */
  record Profile(String name) implements S3Credentials {}

  /** Fixed keys, for emulators and tests. */
  record StaticKeys(String accessKeyId, String secretAccessKey) implements S3Credentials {
    @Override
    public String toString() {
      return "StaticKeys[accessKeyId=" + accessKeyId + ", secretAccessKey=redacted]";
    }
  }
}

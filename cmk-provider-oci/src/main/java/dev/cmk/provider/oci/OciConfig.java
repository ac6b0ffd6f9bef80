package dev.cmk.provider.oci;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the platform authenticates to OCI: an API signing key of an IAM user (the platform principal
 * the customer's IAM policy names).
 *
 * <p><b>Security:</b> the record holds the path of the private key PEM, never the key itself; the
 * file is read when a client is first built. The fingerprint and OCIDs are not secret.
 *
 * @param tenancyOcid the platform's tenancy, {@code ocid1.tenancy.oc1..…}
 * @param userOcid the platform principal, {@code ocid1.user.oc1..…}
 * @param fingerprint the API key's fingerprint, {@code aa:bb:…} (16 hex pairs)
 * @param privateKeyPem path of the unencrypted PKCS#8 or PKCS#1 PEM of the API key
 * @param connectTimeout TCP connect timeout of each call
 * @param readTimeout read timeout of each call
 * @param allowLoopbackEndpoints whether key ids may name endpoints on this machine (tests only)
 */
public record OciConfig(
    String tenancyOcid,
    String userOcid,
    String fingerprint,
    Path privateKeyPem,
    Duration connectTimeout,
    Duration readTimeout,
    boolean allowLoopbackEndpoints) {
  private static final Pattern FINGERPRINT = Pattern.compile("([0-9a-f]{2}:){15}[0-9a-f]{2}");

  public OciConfig {
    require(tenancyOcid, "ocid1.tenancy.", "oci.tenancyOcid");
    require(userOcid, "ocid1.user.", "oci.userOcid");
    if (!FINGERPRINT.matcher(fingerprint).matches()) {
      throw new IllegalArgumentException(
          "oci.fingerprint must be 16 lower-case hex pairs separated by ':'");
    }
    Objects.requireNonNull(privateKeyPem, "oci.privateKeyPem must be set");
    requirePositive(connectTimeout, "oci.connectTimeout");
    requirePositive(readTimeout, "oci.readTimeout");
  }

  /** Without loopback endpoints (the production form). */
  public OciConfig(
      String tenancyOcid,
      String userOcid,
      String fingerprint,
      Path privateKeyPem,
      Duration connectTimeout,
      Duration readTimeout) {
    this(tenancyOcid, userOcid, fingerprint, privateKeyPem, connectTimeout, readTimeout, false);
  }

  /**
   * This configuration with key-id endpoints on this machine (127.0.0.1, localhost) allowed: only
   * for the protocol stubs of tests.
   */
  public OciConfig withLoopbackEndpoints() {
    return new OciConfig(
        tenancyOcid, userOcid, fingerprint, privateKeyPem, connectTimeout, readTimeout, true);
  }

  /** With 5 s connect and 10 s read timeouts. */
  public static OciConfig of(
      String tenancyOcid, String userOcid, String fingerprint, Path privateKeyPem) {
    return new OciConfig(
        tenancyOcid,
        userOcid,
        fingerprint,
        privateKeyPem,
        Duration.ofSeconds(5),
        Duration.ofSeconds(10));
  }

  private static void require(String value, String prefix, String name) {
    if (value == null || !value.startsWith(prefix)) {
      throw new IllegalArgumentException(name + " must be an OCID starting with " + prefix);
    }
  }

  private static void requirePositive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration");
    }
  }
}

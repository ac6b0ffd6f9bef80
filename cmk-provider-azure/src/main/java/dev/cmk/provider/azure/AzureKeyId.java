package dev.cmk.provider.azure;

import dev.cmk.provider.KeyIdFormatException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Azure Key Vault or Managed HSM key identifier: {@code
 * https://{vault}.vault.azure.net/keys/{name}[/{version}]} or {@code
 * https://{hsm}.managedhsm.azure.net/keys/{name}[/{version}]} (and the sovereign-cloud domains).
 * Without a version, wraps use the key's current version; the version used is kept in the wrapped
 * form, so unwrap keeps working after the customer rotates the key.
 *
 * <p><b>Security:</b> only {@code https}; loopback hosts are accepted only for local test stubs
 * ({@link AzureConfig#allowLoopbackEndpoints()}), and only for them is the SDK's check that the
 * bearer challenge names a Key Vault resource turned off.
 */
record AzureKeyId(URI vault, String name, Optional<String> version, Kind kind) {
  enum Kind {
    VAULT,
    MANAGED_HSM,
    LOOPBACK
  }

  static final String EXPECTED =
      "https://{vault}.vault.azure.net/keys/{name}[/{version}] or"
          + " https://{hsm}.managedhsm.azure.net/keys/{name}[/{version}]";
  private static final Pattern VAULT_HOST =
      Pattern.compile(
          "[a-z0-9-]{3,24}\\.vault\\.(azure\\.net|azure\\.cn|usgovcloudapi\\.net|microsoftazure\\.de)");
  private static final Pattern HSM_HOST =
      Pattern.compile(
          "[a-z0-9-]{3,24}\\.managedhsm\\.(azure\\.net|azure\\.cn|usgovcloudapi\\.net)");
  private static final Pattern PATH =
      Pattern.compile("/keys/([0-9A-Za-z-]{1,127})(?:/([0-9a-fA-F]{32}))?/?");

  /** Parses and checks an identifier; hosts on this machine are refused. */
  static AzureKeyId parse(String id) {
    return parse(id, false);
  }

  /**
   * Parses and checks an identifier.
   *
   * @param allowLoopback whether the host may be this machine (test stubs only)
   */
  static AzureKeyId parse(String id, boolean allowLoopback) {
    URI uri;
    try {
      uri = new URI(id.strip());
    } catch (URISyntaxException e) {
      throw new KeyIdFormatException("'" + id + "' is not a URL", EXPECTED);
    }
    if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new KeyIdFormatException("'" + id + "' is not an https URL", EXPECTED);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getUserInfo() != null) {
      throw new KeyIdFormatException("a key identifier has no query, fragment or user", EXPECTED);
    }
    Kind kind = kind(uri.getHost().toLowerCase(Locale.ROOT), id, allowLoopback);
    Matcher m = PATH.matcher(uri.getPath() == null ? "" : uri.getPath());
    if (!m.matches()) {
      throw new KeyIdFormatException(
          "the path of '"
              + id
              + "' is not /keys/{name}[/{version}] (name: 1-127 of 0-9 a-z A-Z -; version: 32 hex)",
          EXPECTED);
    }
    URI vault = URI.create("https://" + uri.getRawAuthority());
    return new AzureKeyId(vault, m.group(1), Optional.ofNullable(m.group(2)), kind);
  }

  private static Kind kind(String host, String id, boolean allowLoopback) {
    if (VAULT_HOST.matcher(host).matches()) {
      return Kind.VAULT;
    }
    if (HSM_HOST.matcher(host).matches()) {
      return Kind.MANAGED_HSM;
    }
    if (dev.cmk.provider.LoopbackEndpoints.isLoopback(host)) {
      if (allowLoopback) {
        return Kind.LOOPBACK;
      }
      throw new KeyIdFormatException(
          "'" + id + "' names this machine; key vaults are remote", EXPECTED);
    }
    throw new KeyIdFormatException(
        "'" + host + "' in '" + id + "' is not a Key Vault or Managed HSM host", EXPECTED);
  }

  /** The identifier of {@code version} of this key. */
  String withVersion(String v) {
    return vault + "/keys/" + name + "/" + v;
  }

  /** The identifier as configured (with or without version). */
  String identifier() {
    return vault + "/keys/" + name + version.map(v -> "/" + v).orElse("");
  }
}

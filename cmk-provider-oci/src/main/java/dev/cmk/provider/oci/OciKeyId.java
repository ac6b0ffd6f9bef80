package dev.cmk.provider.oci;

import dev.cmk.provider.KeyIdFormatException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OCI Vault key as CMK names it: the key's OCID plus the vault's crypto endpoint, and the
 * management endpoint when it cannot be derived.
 *
 * <p>Single-string form: {@code <key OCID>;crypto=<crypto endpoint>[;management=<management
 * endpoint>]}, e.g. {@code
 * ocid1.key.oc1.iad.bbpr5gw2aaeuk.abuwcljtmfbqnx…;crypto=https://bbpr5gw2aaeuk-crypto.kms.us-ashburn-1.oraclecloud.com}.
 * OCI names a vault's endpoints {@code <vault>-crypto.kms.<region>.<realm domain>} and {@code
 * <vault>-management.kms…}, so the management endpoint is derived from the crypto endpoint when
 * omitted. The region is read from the endpoint host, else from the OCID.
 *
 * <p><b>Security:</b> endpoints must be {@code https}; plain {@code http} is accepted only for
 * loopback hosts, which are accepted only for local test stubs ({@link
 * OciConfig#allowLoopbackEndpoints()}), so signed requests never cross a network in clear.
 */
public record OciKeyId(
    String keyOcid, URI cryptoEndpoint, URI managementEndpoint, Optional<String> region) {
  static final String EXPECTED =
      "'<key OCID>;crypto=https://<vault>-crypto.kms.<region>.oraclecloud.com"
          + "[;management=https://<vault>-management.kms.<region>.oraclecloud.com]'";
  private static final Pattern OCID =
      Pattern.compile("ocid1\\.key\\.([a-z0-9-]+)\\.([a-z0-9-]*)\\.([a-z0-9-]+\\.)*[a-z0-9]+");
  private static final Pattern HOST =
      Pattern.compile("([a-z0-9-]+)-(crypto|management)\\.kms\\.([a-z0-9-]+)\\.[a-z0-9.-]+");

  /** Parses and checks the single-string form; endpoints on this machine are refused. */
  public static OciKeyId parse(String id) {
    return parse(id, false);
  }

  /**
   * Parses and checks the single-string form.
   *
   * @param allowLoopback whether endpoints may name this machine (test stubs only)
   */
  public static OciKeyId parse(String id, boolean allowLoopback) {
    String[] parts = id.strip().split(";");
    String ocid = parts[0];
    Matcher m = OCID.matcher(ocid);
    if (!m.matches()) {
      throw new KeyIdFormatException(
          "'" + ocid + "' is not the OCID of an OCI Vault key", EXPECTED);
    }
    URI crypto = null;
    URI management = null;
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i];
      if (p.startsWith("crypto=")) {
        crypto = endpoint(p.substring("crypto=".length()), "crypto", allowLoopback);
      } else if (p.startsWith("management=")) {
        management = endpoint(p.substring("management=".length()), "management", allowLoopback);
      } else {
        throw new KeyIdFormatException("unknown part '" + p + "' in OCI key id", EXPECTED);
      }
    }
    if (crypto == null) {
      throw new KeyIdFormatException("the OCI key id has no crypto endpoint", EXPECTED);
    }
    if (management == null) {
      management = deriveManagement(crypto);
    }
    return new OciKeyId(ocid, crypto, management, region(crypto, m.group(2)));
  }

  /** The single-string form; {@code parse(format())} gives this id back. */
  public String format() {
    return keyOcid + ";crypto=" + cryptoEndpoint + ";management=" + managementEndpoint;
  }

  private static URI endpoint(String value, String which, boolean allowLoopback) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new KeyIdFormatException("the " + which + " endpoint is not a URL", EXPECTED);
    }
    if (uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty())) {
      throw new KeyIdFormatException(
          "the " + which + " endpoint must be scheme://host[:port] without a path", EXPECTED);
    }
    boolean loopback = dev.cmk.provider.LoopbackEndpoints.isLoopback(uri.getHost());
    if (loopback && !allowLoopback) {
      throw new KeyIdFormatException(
          "the " + which + " endpoint names this machine; OCI vault endpoints are remote",
          EXPECTED);
    }
    if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && loopback)) {
      throw new KeyIdFormatException("the " + which + " endpoint must use https", EXPECTED);
    }
    return uri;
  }

  private static URI deriveManagement(URI crypto) {
    Matcher h = HOST.matcher(crypto.getHost().toLowerCase(Locale.ROOT));
    if (!h.matches() || !h.group(2).equals("crypto")) {
      throw new KeyIdFormatException(
          "the management endpoint cannot be derived from " + crypto + "; add ;management=…",
          EXPECTED);
    }
    return URI.create(crypto.toString().replaceFirst("-crypto\\.kms\\.", "-management.kms."));
  }

  private static Optional<String> region(URI crypto, String ocidRegion) {
    Matcher h = HOST.matcher(crypto.getHost().toLowerCase(Locale.ROOT));
    if (h.matches()) {
      return Optional.of(h.group(3));
    }
    return ocidRegion.isEmpty() ? Optional.empty() : Optional.of(ocidRegion);
  }
}

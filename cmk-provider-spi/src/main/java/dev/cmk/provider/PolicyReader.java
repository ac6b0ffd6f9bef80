package dev.cmk.provider;

/**
 * Optional capability of a {@link KeyProvider}: reading a key's access policy, so validation can
 * compare the policies of a multi-region key's replicas with the primary's. Reach it through {@link
 * KeyProvider#capability(Class)}.
 */
public interface PolicyReader {
  /**
   * The key's policy document as the provider stores it (AWS: the JSON key policy named {@code
   * default}).
   *
   * @throws ProviderException classified like every provider call
   */
  String keyPolicy(KeyRef key);
}

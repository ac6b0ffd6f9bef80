package dev.cmk.service.policy;

import java.util.Map;

/**
 * The platform's identities at each provider, as the operator configured them: what an account's
 * admin must let use their key.
 */
public record PlatformPrincipals(
    String awsPlatformPrincipalArn,
    String awsSearchPrincipalArn,
    String azureTenantId,
    String azurePlatformPrincipalId,
    String azureSearchPrincipalId,
    String ociPlatformTenancyOcid,
    String ociPlatformGroupOcid,
    String ociSearchGroupOcid) {

  /** The platform's principal per provider kind, for the key-policy check. */
  public Map<String, String> platformPrincipals() {
    return Map.of(
        "aws",
        awsPlatformPrincipalArn,
        "azure",
        azurePlatformPrincipalId,
        "oci",
        ociPlatformGroupOcid);
  }

  /** The search service's principal per provider kind, for the search grant check. */
  public Map<String, String> searchPrincipals() {
    return Map.of(
        "aws", awsSearchPrincipalArn, "azure", azureSearchPrincipalId, "oci", ociSearchGroupOcid);
  }
}

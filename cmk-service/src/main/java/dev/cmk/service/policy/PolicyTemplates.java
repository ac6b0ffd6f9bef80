package dev.cmk.service.policy;

import dev.cmk.provider.EncryptionContext;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.Account;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one place the access policies an account's admin pastes at their provider are made: an AWS
 * key policy, OCI IAM policy statements, or an Azure role assignment / access policy. PKCS#11 and
 * the local provider have no policy language; their templates are notes only.
 *
 * <p><b>What each principal calls (AWS).</b> The statements grant exactly the KMS actions CMK's
 * code calls on a customer key, and no more ({@code KeyPolicyFlowsIT} records every call of every
 * flow against moto and evaluates it against this template, both ways):
 *
 * <ul>
 *   <li>platform, with the context condition: {@link #AWS_PLATFORM_CRYPTO} (validation round trips,
 *       KEKs for writes and reads, probes, recovery and backfill wraps, rotation's ReEncrypt);
 *   <li>platform, no encryption context exists: {@link #AWS_PLATFORM_READ} (validation's
 *       DescribeKey, the key_policy check's GetKeyPolicy);
 *   <li>platform, with search on: {@link #AWS_PLATFORM_CREATE_GRANT} only for the search principal,
 *       only with this account's context as the grant's constraint and only the search operations;
 *       {@link #AWS_PLATFORM_GRANT_ADMIN} to find and revoke its grants (search off, key replaced);
 *   <li>search principal: no statement. It uses the key only through the grant the platform makes
 *       ({@link #AWS_SEARCH_GRANT_OPERATIONS}, constrained to the account's context), so revoking
 *       the grant (turning search off) cuts it off.
 * </ul>
 *
 * <p><b>Binding to the account.</b> The platform principal is the same for every account, so every
 * cryptographic statement carries {@code kms:EncryptionContext:account = <accountId>}: a key with
 * this policy refuses the platform when it acts for any other account (confused deputy). Validation
 * proves it (the {@code account_binding} check). Azure Key Vault and OCI Vault policies cannot
 * condition on the wrap's context; there the binding is CMK's own registration check (one account
 * per active key) and a key scoped to this account alone.
 */
public final class PolicyTemplates {
  /** The providers with a template. */
  public static final List<String> PROVIDERS = List.of("aws", "azure", "oci", "pkcs11", "local");

  /** Platform principal, every call carrying the account's encryption context. */
  public static final List<String> AWS_PLATFORM_CRYPTO =
      List.of(
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:GenerateDataKey",
          "kms:ReEncryptFrom",
          "kms:ReEncryptTo");

  /** Platform principal, calls that carry no encryption context. */
  public static final List<String> AWS_PLATFORM_READ =
      List.of("kms:DescribeKey", "kms:GetKeyPolicy");

  /** Platform principal with search on: makes the search principal's grant. */
  public static final List<String> AWS_PLATFORM_CREATE_GRANT = List.of("kms:CreateGrant");

  /** Platform principal with search on: finds and revokes the grants it made. */
  public static final List<String> AWS_PLATFORM_GRANT_ADMIN =
      List.of("kms:ListGrants", "kms:RevokeGrant");

  /** The operations of the search principal's grant (the provider's grant operation names). */
  public static final List<String> AWS_SEARCH_GRANT_OPERATIONS =
      List.of(
          "GenerateDataKey", "Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "DescribeKey");

  /** Provider kinds whose key policy can condition on the encryption context. */
  public static final List<String> CONTEXT_BOUND_PROVIDERS = List.of("aws");

  static final String SID_ADMIN = "EnableCustomerAccountAdministration";
  static final String SID_CRYPTO = "AllowCmkPlatformCryptographyForThisAccountOnly";
  static final String SID_READ = "AllowCmkPlatformDescribeKeyAndReadPolicy";
  static final String SID_CREATE_GRANT = "AllowCmkPlatformSearchGrantForThisAccountOnly";
  static final String SID_GRANT_ADMIN = "AllowCmkPlatformListAndRevokeGrants";

  private static final Pattern AWS_ACCOUNT = Pattern.compile("\\d{12}");
  private static final Pattern AWS_KEY_ARN =
      Pattern.compile("arn:aws[a-z-]*:kms:[a-z0-9-]+:(\\d{12}):key/.+");
  static final String AWS_ACCOUNT_PLACEHOLDER = "YOUR_AWS_ACCOUNT_ID";
  static final String AZURE_ROLE = "Key Vault Crypto Service Encryption User";
  static final String AZURE_ROLE_ID = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

  private final PlatformPrincipals principals;
  private final String platformName;

  public PolicyTemplates(PlatformPrincipals principals, String platformName) {
    this.principals = principals;
    this.platformName = platformName;
  }

  /**
   * What the admin asked for.
   *
   * @param awsAccountId the customer's AWS account id (12 digits); when empty it is read from the
   *     registered key's ARN, else a placeholder is printed
   * @param keyId the registered key id, when there is one (names the key in Azure/OCI scopes)
   */
  public record Request(
      String provider,
      boolean search,
      boolean multiRegion,
      Optional<String> awsAccountId,
      Optional<String> keyId) {}

  /**
   * A template: the document or statements to paste, and notes on where and what else to do.
   *
   * @param document the policy document (AWS key policy; Azure role assignment and access policy)
   * @param statements policy statements (OCI), empty for the others
   */
  public record Template(
      String provider,
      String accountId,
      Map<String, Object> document,
      List<String> statements,
      List<String> notes) {}

  public Template forAccount(Account account, Request r) {
    return switch (r.provider() == null ? "" : r.provider()) {
      case "aws" -> aws(account, r);
      case "azure" -> azure(account, r);
      case "oci" -> oci(account, r);
      case "pkcs11" -> pkcs11(account);
      case "local" -> local(account);
      default ->
          throw new CmkException(
              ErrorCode.INVALID_REQUEST,
              "provider must be one of " + PROVIDERS + ", not '" + r.provider() + "'");
    };
  }

  /**
   * The AWS key policy the account's registered key should carry now (its search option, its
   * replicas), for the key_policy check; empty for providers without a JSON key policy.
   */
  public Optional<Map<String, Object>> expectedKeyPolicy(
      Account account, String provider, String keyId, boolean multiRegion) {
    if (!"aws".equals(provider)) {
      return Optional.empty();
    }
    Request r =
        new Request(
            provider,
            account.searchEncryption(),
            multiRegion,
            Optional.empty(),
            Optional.of(keyId));
    return Optional.of(aws(account, r).document());
  }

  /** Whether the provider's key policies can refuse a call made with another account's context. */
  public static boolean contextBound(String provider) {
    return CONTEXT_BOUND_PROVIDERS.contains(provider);
  }

  /** The encryption context every grant for the search principal is constrained to. */
  public static Map<String, String> searchGrantConstraint(String accountId) {
    return Map.of(EncryptionContext.ACCOUNT, accountId);
  }

  private Template aws(Account account, Request r) {
    String customer = customerAwsAccount(r);
    String platform = principals.awsPlatformPrincipalArn();
    List<Object> statements = new ArrayList<>();
    statements.add(
        statement(SID_ADMIN, "arn:aws:iam::" + customer + ":root", List.of("kms:*"), null));
    statements.add(statement(SID_CRYPTO, platform, AWS_PLATFORM_CRYPTO, contextCondition(account)));
    statements.add(statement(SID_READ, platform, AWS_PLATFORM_READ, null));
    if (r.search()) {
      Map<String, Object> equals = new LinkedHashMap<>();
      equals.put("kms:GranteePrincipal", principals.awsSearchPrincipalArn());
      equals.put("kms:EncryptionContext:" + EncryptionContext.ACCOUNT, account.id());
      Map<String, Object> grantCondition = new LinkedHashMap<>();
      grantCondition.put("StringEquals", equals);
      grantCondition.put(
          "ForAllValues:StringEquals", Map.of("kms:GrantOperations", AWS_SEARCH_GRANT_OPERATIONS));
      statements.add(
          statement(SID_CREATE_GRANT, platform, AWS_PLATFORM_CREATE_GRANT, grantCondition));
      statements.add(statement(SID_GRANT_ADMIN, platform, AWS_PLATFORM_GRANT_ADMIN, null));
    }
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("Version", "2012-10-17");
    policy.put("Id", "cmk-" + account.id());
    policy.put("Statement", statements);
    List<String> notes = new ArrayList<>();
    notes.add(
        "Set this as the key policy of your KMS key in "
            + account.region()
            + " (the account's data residency): aws kms put-key-policy --policy-name default"
            + " --key-id <key-arn> --policy file://policy.json");
    if (customer.equals(AWS_ACCOUNT_PLACEHOLDER)) {
      notes.add(
          "Replace "
              + AWS_ACCOUNT_PLACEHOLDER
              + " with your 12-digit AWS account id (or pass ?awsAccountId=)");
    }
    notes.add(
        "Every cryptographic statement requires kms:EncryptionContext:account = "
            + account.id()
            + ": the platform principal serves every CMK account, so this condition is what"
            + " stops it from using your key for another account. Keep it.");
    if (r.multiRegion()) {
      notes.add(
          "Multi-region key: key policies are not replicated. Apply this same policy to every"
              + " replica key in its own region, then validate again (the replica_policy check"
              + " compares them).");
    }
    if (r.search()) {
      notes.add(
          "Search encryption: the search service ("
              + principals.awsSearchPrincipalArn()
              + ") gets no statement of its own. The platform gives it a grant on this key,"
              + " constrained to this account's encryption context; turning search off revokes"
              + " the grant, which cuts the search service off. Then remove the statements "
              + SID_CREATE_GRANT
              + " and "
              + SID_GRANT_ADMIN
              + ".");
    } else {
      notes.add(
          "Search encryption is off: if your policy still has the statements "
              + SID_CREATE_GRANT
              + " and "
              + SID_GRANT_ADMIN
              + ", remove them.");
    }
    return new Template("aws", account.id(), policy, List.of(), notes);
  }

  private String customerAwsAccount(Request r) {
    if (r.awsAccountId().isPresent()) {
      String id = r.awsAccountId().get();
      if (!AWS_ACCOUNT.matcher(id).matches()) {
        throw new CmkException(
            ErrorCode.INVALID_REQUEST, "awsAccountId must be 12 digits, not '" + id + "'");
      }
      return id;
    }
    return r.keyId()
        .map(AWS_KEY_ARN::matcher)
        .filter(java.util.regex.Matcher::matches)
        .map(m -> m.group(1))
        .orElse(AWS_ACCOUNT_PLACEHOLDER);
  }

  private static Map<String, Object> statement(
      String sid, String principal, List<String> actions, @Nullable Map<String, Object> condition) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("Sid", sid);
    s.put("Effect", "Allow");
    s.put("Principal", Map.of("AWS", principal));
    s.put("Action", actions);
    s.put("Resource", "*");
    if (condition != null) {
      s.put("Condition", condition);
    }
    return s;
  }

  private Map<String, Object> contextCondition(Account account) {
    Map<String, Object> equals = new LinkedHashMap<>();
    equals.put("kms:EncryptionContext:" + EncryptionContext.ACCOUNT, account.id());
    equals.put("kms:EncryptionContext:" + EncryptionContext.PLATFORM, platformName);
    return Map.of("StringEquals", equals);
  }

  private Template azure(Account account, Request r) {
    String scope =
        r.keyId()
            .orElse(
                "/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/"
                    + "Microsoft.KeyVault/vaults/<vault-name>/keys/<key-name>");
    List<Object> assignments = new ArrayList<>();
    List<Object> accessPolicies = new ArrayList<>();
    assignments.add(azureAssignment(principals.azurePlatformPrincipalId(), scope));
    accessPolicies.add(azureAccessPolicy(principals.azurePlatformPrincipalId()));
    if (r.search()) {
      assignments.add(azureAssignment(principals.azureSearchPrincipalId(), scope));
      accessPolicies.add(azureAccessPolicy(principals.azureSearchPrincipalId()));
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("roleAssignments", assignments);
    doc.put("accessPolicies", accessPolicies);
    List<String> notes = new ArrayList<>();
    notes.add(
        "Vaults using Azure RBAC: create the role assignments (az role assignment create --role \""
            + AZURE_ROLE
            + "\" --assignee-object-id <principalId> --assignee-principal-type ServicePrincipal"
            + " --scope <scope>). Vaults using access policies: add the access policies instead"
            + " (az keyvault set-policy --key-permissions get wrapKey unwrapKey).");
    notes.add(
        "Use an RSA key (RSA-OAEP-256 wrapping) in a vault in the Azure region matching the"
            + " account's data residency ("
            + account.region()
            + ").");
    notes.add(
        "Scope the assignment to this one key, not the vault: Key Vault's access control cannot"
            + " condition on the account a wrap is for, so a key used by "
            + account.id()
            + " must serve no other CMK account (CMK refuses to register a key that is active"
            + " for another account).");
    if (r.search()) {
      notes.add(
          "Search encryption: Key Vault has no grants; the search service's assignment is its"
              + " access. When you turn search off, delete the assignment and access policy for "
              + principals.azureSearchPrincipalId()
              + ".");
    }
    return new Template("azure", account.id(), doc, List.of(), notes);
  }

  private static Map<String, Object> azureAssignment(String principalId, String scope) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("roleDefinitionName", AZURE_ROLE);
    a.put("roleDefinitionId", AZURE_ROLE_ID);
    a.put("principalId", principalId);
    a.put("principalType", "ServicePrincipal");
    a.put("scope", scope);
    return a;
  }

  private Map<String, Object> azureAccessPolicy(String objectId) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("tenantId", principals.azureTenantId());
    p.put("objectId", objectId);
    p.put("permissions", Map.of("keys", List.of("get", "wrapKey", "unwrapKey")));
    return p;
  }

  private Template oci(Account account, Request r) {
    String where =
        r.keyId()
            .map(k -> " where target.key.id = '" + k + "'")
            .orElse(" where target.key.id = '<key-ocid>'");
    List<String> s = new ArrayList<>();
    s.add("Define tenancy cmk-platform as " + principals.ociPlatformTenancyOcid());
    s.add("Define group cmk-platform-nodes as " + principals.ociPlatformGroupOcid());
    s.add(
        "Admit group cmk-platform-nodes of tenancy cmk-platform to use keys in compartment"
            + " <compartment-name>"
            + where);
    if (r.search()) {
      s.add("Define group cmk-search as " + principals.ociSearchGroupOcid());
      s.add(
          "Admit group cmk-search of tenancy cmk-platform to use keys in compartment"
              + " <compartment-name>"
              + where);
    }
    List<String> notes =
        new ArrayList<>(
            List.of(
                "Add these statements to a policy in your tenancy's root compartment; replace"
                    + " <compartment-name> with the vault's compartment.",
                "Use an AES key in a vault in the region of the account's data residency ("
                    + account.region()
                    + "); the platform sends the associated data {account: "
                    + account.id()
                    + "} on every call.",
                "OCI policies cannot condition on the associated data: keep the where clause on"
                    + " this one key, which must serve no other CMK account (CMK refuses to register"
                    + " a key that is active for another account)."));
    if (r.search()) {
      notes.add(
          "Search encryption: OCI has no grants; the cmk-search statement is the search"
              + " service's access. When you turn search off, remove the two cmk-search lines.");
    }
    return new Template("oci", account.id(), Map.of(), s, notes);
  }

  private static Template pkcs11(Account account) {
    return new Template(
        "pkcs11",
        account.id(),
        Map.of(),
        List.of(),
        List.of(
            "An HSM has no key policy: access is the token's PIN, which the operator configures"
                + " (providers.pkcs11). Give this account its own key label; CMK refuses to"
                + " register a label that is active for another account.",
            "The key must be an AES key allowed to encrypt and decrypt (CKA_ENCRYPT, CKA_DECRYPT)"
                + " in the configured token; the account and purpose are bound as GCM AAD."));
  }

  private static Template local(Account account) {
    return new Template(
        "local",
        account.id(),
        Map.of(),
        List.of(),
        List.of(
            "Development only: local keys live in the node's keystore file and have no policy."
                + " Create one with `cmk dev-key create NAME` (refused unless the local provider"
                + " is enabled), then register NAME as the keyId.",
            "Never use the local provider for real content: anyone with the keystore file and"
                + " its password holds the key."));
  }
}

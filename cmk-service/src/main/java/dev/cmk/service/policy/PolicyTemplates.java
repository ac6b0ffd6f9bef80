package dev.cmk.service.policy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.Account;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The exact access policy an account's admin pastes at their provider so the platform (and, with
 * search encryption, the search service) can use their key: an AWS key policy, OCI IAM policy
 * statements, or an Azure role assignment / access policy.
 *
 * <p>Cryptographic permissions carry a condition on the encryption context's {@code account} entry,
 * which the platform sets on every call: the platform can use the key only for this account's data.
 * DescribeKey and the grant-management calls carry no encryption context, so they sit in separate
 * statements without that condition (with it they would always be denied).
 */
public final class PolicyTemplates {
  /** The providers with a template. */
  public static final List<String> PROVIDERS = List.of("aws", "azure", "oci");

  private static final Pattern AWS_ACCOUNT = Pattern.compile("\\d{12}");
  private static final Pattern AWS_KEY_ARN =
      Pattern.compile("arn:aws[a-z-]*:kms:[a-z0-9-]+:(\\d{12}):key/.+");
  static final String AWS_ACCOUNT_PLACEHOLDER = "YOUR_AWS_ACCOUNT_ID";
  static final String AZURE_ROLE = "Key Vault Crypto Service Encryption User";
  static final String AZURE_ROLE_ID = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

  private final PlatformPrincipals principals;

  public PolicyTemplates(PlatformPrincipals principals) {
    this.principals = principals;
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
      default ->
          throw new CmkException(
              ErrorCode.INVALID_REQUEST,
              "provider must be one of " + PROVIDERS + ", not '" + r.provider() + "'");
    };
  }

  private Template aws(Account account, Request r) {
    String customer = customerAwsAccount(r);
    List<Object> statements = new ArrayList<>();
    statements.add(
        statement(
            "EnableCustomerAccountAdministration",
            "arn:aws:iam::" + customer + ":root",
            List.of("kms:*"),
            null));
    statements.add(
        statement(
            "AllowCmkPlatformCryptography",
            principals.awsPlatformPrincipalArn(),
            List.of("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"),
            accountCondition(account)));
    statements.add(
        statement(
            "AllowCmkPlatformDescribeKey",
            principals.awsPlatformPrincipalArn(),
            List.of("kms:DescribeKey"),
            null));
    if (r.search()) {
      statements.add(
          statement(
              "AllowCmkSearchCryptography",
              principals.awsSearchPrincipalArn(),
              List.of("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"),
              accountCondition(account)));
      statements.add(
          statement(
              "AllowCmkSearchGrants",
              principals.awsSearchPrincipalArn(),
              List.of("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant", "kms:DescribeKey"),
              null));
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
    if (r.multiRegion()) {
      notes.add(
          "Multi-region key: key policies are not replicated. Apply this same policy to every"
              + " replica key in its own region, then validate again (the replica_policy check"
              + " compares them).");
    }
    if (r.search()) {
      notes.add(
          "Search encryption: the search service's statements let it create its own grant,"
              + " constrained to this account's encryption context.");
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
      String sid, String principal, List<String> actions, Map<String, Object> condition) {
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

  private static Map<String, Object> accountCondition(Account account) {
    return Map.of("StringEquals", Map.of("kms:EncryptionContext:account", account.id()));
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
        List.of(
            "Add these statements to a policy in your tenancy's root compartment; replace"
                + " <compartment-name> with the vault's compartment.",
            "Use an AES key in a vault in the region of the account's data residency ("
                + account.region()
                + "); the platform sends the associated data {account: "
                + account.id()
                + "} on every call.");
    return new Template("oci", account.id(), Map.of(), s, notes);
  }
}

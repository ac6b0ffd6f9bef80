package dev.cmk.provider.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The key policy an account admin pastes into their KMS key so that CMK can use it, printed by the
 * policy-template endpoint.
 *
 * <ul>
 *   <li>the customer account's root keeps full control (KMS's default statement, so the admin
 *       cannot lock themselves out);
 *   <li>the platform principal may Encrypt, Decrypt, ReEncrypt* and GenerateDataKey* only with an
 *       encryption context naming this platform, and DescribeKey (which carries no context);
 *   <li>with search on: the platform principal may create grants for the search principal only, and
 *       list and revoke grants. The search principal gets no statement of its own: it works through
 *       the grant, so revoking the grant (or disabling the key) stops search.
 * </ul>
 *
 * <p><b>Security:</b> the principals come from operator configuration and are checked to be IAM
 * ARNs, so nothing an account admin types ends up in the policy.
 */
public final class AwsKeyPolicy {
  private static final Pattern IAM_ARN =
      Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:[A-Za-z0-9+=,.@_/-]+");
  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
  private static final Pattern PLATFORM = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private AwsKeyPolicy() {}

  /**
   * The policy document as JSON.
   *
   * @param keyAccountId the customer's AWS account that owns the key
   * @param platformName the value CMK puts under {@code platform} in every encryption context
   */
  public static String template(
      String keyAccountId,
      String platformPrincipalArn,
      Optional<String> searchPrincipalArn,
      String platformName) {
    require(ACCOUNT, keyAccountId, "key account id (12 digits)");
    require(IAM_ARN, platformPrincipalArn, "platform principal IAM ARN");
    searchPrincipalArn.ifPresent(s -> require(IAM_ARN, s, "search principal IAM ARN"));
    require(PLATFORM, platformName, "platform name");
    String partition = platformPrincipalArn.split(":")[1];
    List<String> statements = new ArrayList<>();
    statements.add(
        statement(
            "EnableIamPolicies",
            "arn:" + partition + ":iam::" + keyAccountId + ":root",
            List.of("kms:*"),
            ""));
    statements.add(
        statement(
            "CmkPlatformUsesKeyForThisPlatformOnly",
            platformPrincipalArn,
            List.of("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"),
            condition("kms:EncryptionContext:platform", platformName)));
    statements.add(
        statement("CmkPlatformDescribesKey", platformPrincipalArn, List.of("kms:DescribeKey"), ""));
    searchPrincipalArn.ifPresent(
        search -> {
          statements.add(
              statement(
                  "CmkPlatformGrantsSearchOnly",
                  platformPrincipalArn,
                  List.of("kms:CreateGrant"),
                  condition("kms:GranteePrincipal", search)));
          statements.add(
              statement(
                  "CmkPlatformListsAndRevokesGrants",
                  platformPrincipalArn,
                  List.of("kms:ListGrants", "kms:RevokeGrant"),
                  ""));
        });
    return "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n"
        + String.join(",\n", statements)
        + "\n  ]\n}\n";
  }

  private static String statement(
      String sid, String principal, List<String> actions, String condition) {
    String acts = String.join(", ", actions.stream().map(a -> "\"" + a + "\"").toList());
    return "    {\n"
        + "      \"Sid\": \""
        + sid
        + "\",\n"
        + "      \"Effect\": \"Allow\",\n"
        + "      \"Principal\": {\"AWS\": \""
        + principal
        + "\"},\n"
        + "      \"Action\": ["
        + acts
        + "],\n"
        + "      \"Resource\": \"*\""
        + condition
        + "\n    }";
  }

  private static String condition(String key, String value) {
    return ",\n      \"Condition\": {\"StringEquals\": {\"" + key + "\": \"" + value + "\"}}";
  }

  private static void require(Pattern p, String value, String what) {
    if (!p.matcher(value).matches()) {
      throw new IllegalArgumentException("'" + value + "' is not a valid " + what);
    }
  }
}

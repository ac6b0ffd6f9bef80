package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.IamPolicyEvaluator.Decision;
import dev.cmk.app.IamPolicyEvaluator.Request;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test-only IAM evaluator on the documented rules it implements. */
class IamPolicyEvaluatorTest {
  static final String ROLE = "arn:aws:iam::111122223333:role/cmk-platform";

  static JsonNode policy(String statements) throws Exception {
    return TestNode.JSON.readTree(
        "{\"Version\":\"2012-10-17\",\"Statement\":[" + statements + "]}");
  }

  static Decision eval(
      JsonNode p, String principal, String action, Map<String, List<String>> keys) {
    return IamPolicyEvaluator.evaluate(p, new Request(principal, action, keys)).decision();
  }

  @Test
  void allowNeedsPrincipalActionAndEveryCondition() throws Exception {
    JsonNode p =
        policy(
            "{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                + ROLE
                + "\"},\"Action\":[\"kms:GenerateDataKey*\",\"kms:Decrypt\"],\"Resource\":\"*\","
                + "\"Condition\":{\"StringEquals\":{\"kms:EncryptionContext:account\":\"acct_a\","
                + "\"kms:EncryptionContext:platform\":[\"cmk\",\"other\"]}}}");
    var ok =
        Map.of(
            "kms:EncryptionContext:account", List.of("acct_a"),
            "kms:EncryptionContext:platform", List.of("cmk"));
    assertThat(eval(p, ROLE, "kms:GenerateDataKey", ok)).isEqualTo(Decision.ALLOW);
    assertThat(eval(p, ROLE, "kms:generatedatakeywithoutplaintext", ok)).isEqualTo(Decision.ALLOW);
    assertThat(eval(p, ROLE, "kms:Encrypt", ok)).isEqualTo(Decision.IMPLICIT_DENY);
    assertThat(eval(p, "arn:aws:iam::111122223333:role/other", "kms:Decrypt", ok))
        .isEqualTo(Decision.IMPLICIT_DENY);
    assertThat(
            eval(
                p,
                ROLE,
                "kms:Decrypt",
                Map.of(
                    "kms:EncryptionContext:account", List.of("acct_b"),
                    "kms:EncryptionContext:platform", List.of("cmk"))))
        .isEqualTo(Decision.IMPLICIT_DENY);
    // a missing key fails a single-valued condition
    assertThat(
            eval(p, ROLE, "kms:Decrypt", Map.of("kms:EncryptionContext:platform", List.of("cmk"))))
        .isEqualTo(Decision.IMPLICIT_DENY);
  }

  @Test
  void anExplicitDenyWinsAndStringLikeMatchesWildcards() throws Exception {
    JsonNode p =
        policy(
            "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"kms:*\",\"Resource\":\"*\"},"
                + "{\"Sid\":\"D\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\","
                + "\"Resource\":\"*\",\"Condition\":{\"StringLike\":{\"kms:EncryptionContext:service\":\"00?1\"}}}");
    assertThat(
            eval(p, ROLE, "kms:Decrypt", Map.of("kms:EncryptionContext:service", List.of("0001"))))
        .isEqualTo(Decision.EXPLICIT_DENY);
    assertThat(
            eval(p, ROLE, "kms:Decrypt", Map.of("kms:EncryptionContext:service", List.of("0012"))))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void forAllValuesAndForAnyValueOnMultiValuedKeys() throws Exception {
    JsonNode p =
        policy(
            "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                + ROLE
                + "\"},\"Action\":\"kms:CreateGrant\",\"Resource\":\"*\",\"Condition\":{"
                + "\"ForAllValues:StringEquals\":{\"kms:GrantOperations\":[\"Decrypt\",\"Encrypt\"]},"
                + "\"ForAnyValue:StringEquals\":{\"kms:GrantOperations\":\"Decrypt\"},"
                + "\"Bool\":{\"kms:GrantIsForAWSResource\":\"false\"}}}");
    assertThat(
            eval(
                p,
                ROLE,
                "kms:CreateGrant",
                Map.of(
                    "kms:GrantOperations", List.of("Decrypt", "Encrypt"),
                    "kms:GrantIsForAWSResource", List.of("false"))))
        .isEqualTo(Decision.ALLOW);
    assertThat(
            eval(
                p,
                ROLE,
                "kms:CreateGrant",
                Map.of(
                    "kms:GrantOperations", List.of("Decrypt", "CreateGrant"),
                    "kms:GrantIsForAWSResource", List.of("false"))))
        .isEqualTo(Decision.IMPLICIT_DENY);
    assertThat(
            eval(
                p,
                ROLE,
                "kms:CreateGrant",
                Map.of(
                    "kms:GrantOperations", List.of("Encrypt"),
                    "kms:GrantIsForAWSResource", List.of("false"))))
        .isEqualTo(Decision.IMPLICIT_DENY);
  }

  @Test
  void theRootPrincipalMeansItsOwnAccountOnly() throws Exception {
    JsonNode p =
        policy(
            "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:root\"},"
                + "\"Action\":\"kms:*\",\"Resource\":\"*\"}");
    assertThat(eval(p, "arn:aws:iam::444455556666:role/admin", "kms:Decrypt", Map.of()))
        .isEqualTo(Decision.ALLOW);
    assertThat(eval(p, ROLE, "kms:Decrypt", Map.of())).isEqualTo(Decision.IMPLICIT_DENY);
  }

  @Test
  void unknownElementsFailLoudly() throws Exception {
    JsonNode p =
        policy(
            "{\"Effect\":\"Allow\",\"NotPrincipal\":{\"AWS\":\"x\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}");
    assertThatThrownBy(() -> eval(p, ROLE, "kms:Decrypt", Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

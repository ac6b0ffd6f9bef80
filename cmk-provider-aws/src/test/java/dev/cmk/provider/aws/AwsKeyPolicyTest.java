package dev.cmk.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AwsKeyPolicyTest {
  private static final String PLATFORM = "arn:aws:iam::999988887777:role/cmk-platform";
  private static final String SEARCH = "arn:aws:iam::999988887777:role/cmk-search";

  private static JsonNode statement(JsonNode policy, String sid) {
    for (JsonNode s : policy.get("Statement")) {
      if (s.get("Sid").asText().equals(sid)) {
        return s;
      }
    }
    throw new AssertionError("no statement " + sid);
  }

  @Test
  void platformUseIsBoundToThePlatformsEncryptionContext() throws Exception {
    JsonNode p =
        new ObjectMapper()
            .readTree(AwsKeyPolicy.template("111122223333", PLATFORM, Optional.empty(), "cmk"));

    assertThat(p.get("Statement")).hasSize(3);
    assertThat(statement(p, "EnableIamPolicies").at("/Principal/AWS").asText())
        .isEqualTo("arn:aws:iam::111122223333:root");
    JsonNode use = statement(p, "CmkPlatformUsesKeyForThisPlatformOnly");
    assertThat(use.at("/Principal/AWS").asText()).isEqualTo(PLATFORM);
    assertThat(use.get("Action").toString()).contains("kms:Decrypt", "kms:GenerateDataKey*");
    assertThat(use.at("/Condition/StringEquals/kms:EncryptionContext:platform").asText())
        .isEqualTo("cmk");
  }

  @Test
  void searchAddsGrantStatementsForThePlatformOnly() throws Exception {
    JsonNode p =
        new ObjectMapper()
            .readTree(AwsKeyPolicy.template("111122223333", PLATFORM, Optional.of(SEARCH), "cmk"));

    JsonNode grant = statement(p, "CmkPlatformGrantsSearchOnly");
    assertThat(grant.at("/Condition/StringEquals/kms:GranteePrincipal").asText()).isEqualTo(SEARCH);
    assertThat(p.toString()).doesNotContain("\"AWS\":\"" + SEARCH + "\"");
  }

  @Test
  void refusesPrincipalsThatAreNotIamArns() {
    assertThatThrownBy(
            () -> AwsKeyPolicy.template("111122223333", "\"}]}", Optional.empty(), "cmk"))
        .hasMessageContaining("platform principal IAM ARN");
  }
}

package dev.cmk.service.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The key_policy comparison: by Sid, order and one-value-or-list forms ignored. */
class PolicyDiffTest {
  static final Map<String, Object> TEMPLATE =
      Map.of(
          "Version",
          "2012-10-17",
          "Statement",
          List.of(
              Map.of(
                  "Sid", "A",
                  "Effect", "Allow",
                  "Principal", Map.of("AWS", "arn:aws:iam::1:role/p"),
                  "Action", List.of("kms:Encrypt", "kms:Decrypt"),
                  "Resource", "*"),
              Map.of(
                  "Sid", "B",
                  "Effect", "Allow",
                  "Principal", Map.of("AWS", "arn:aws:iam::1:role/p"),
                  "Action", List.of("kms:DescribeKey"),
                  "Resource", "*")));

  @Test
  void theSamePolicyInAnotherFormMatches() {
    String stored =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"B\",\"Effect\":\"Allow\","
            + "\"Principal\":{\"AWS\":[\"arn:aws:iam::1:role/p\"]},\"Action\":\"kms:DescribeKey\","
            + "\"Resource\":\"*\"},{\"Resource\":\"*\",\"Sid\":\"A\",\"Effect\":\"Allow\","
            + "\"Principal\":{\"AWS\":\"arn:aws:iam::1:role/p\"},"
            + "\"Action\":[\"kms:Decrypt\",\"kms:Encrypt\"]}]}";
    assertThat(PolicyDiff.of(stored, TEMPLATE).matches()).isTrue();
  }

  @Test
  void namesMissingDifferingAndExtraStatements() {
    String stored =
        "{\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
            + "\"arn:aws:iam::1:role/p\"},\"Action\":\"kms:*\",\"Resource\":\"*\"},"
            + "{\"Sid\":\"Old\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"x\"},"
            + "\"Action\":\"kms:CreateGrant\",\"Resource\":\"*\"},"
            + "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}";
    PolicyDiff d = PolicyDiff.of(stored, TEMPLATE);
    assertThat(d.missing()).containsExactly("B");
    assertThat(d.differing()).containsExactly("A");
    assertThat(d.extra()).containsExactly("Old", "#3");
  }
}

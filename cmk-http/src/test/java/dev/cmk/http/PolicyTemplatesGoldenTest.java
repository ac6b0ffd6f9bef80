package dev.cmk.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.account.Account;
import dev.cmk.service.policy.PlatformPrincipals;
import dev.cmk.service.policy.PolicyTemplates;
import dev.cmk.service.policy.PolicyTemplates.Request;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The key-policy templates as the API serves them, compared byte for byte with reviewed golden
 * files. A golden file is changed only on purpose, never to make this test pass: admins paste these
 * documents into their key policies.
 */
class PolicyTemplatesGoldenTest {
  static final Account ACCOUNT =
      new Account(
          "acct_0123456789abcdef01234567",
          "Acme",
          "eu-west-1",
          false,
          false,
          Instant.parse("2026-11-29T10:00:00Z"));
  static final PolicyTemplates TEMPLATES =
      new PolicyTemplates(
          new PlatformPrincipals(
              "arn:aws:iam::111122223333:role/cmk-platform",
              "arn:aws:iam::111122223333:role/cmk-search",
              "00000000-0000-0000-0000-000000000000",
              "11111111-1111-1111-1111-111111111111",
              "22222222-2222-2222-2222-222222222222",
              "ocid1.tenancy.oc1..aaaaaaaacmkplatform",
              "ocid1.group.oc1..aaaaaaaacmkplatform",
              "ocid1.group.oc1..aaaaaaaacmksearch"),
          "cmk");

  static Stream<Arguments> cases() {
    String arn = "arn:aws:kms:eu-west-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    return Stream.of(
        Arguments.of(
            "aws.json",
            new Request("aws", false, false, Optional.of("444455556666"), Optional.empty())),
        Arguments.of(
            "aws-search-multi-region.json",
            new Request("aws", true, true, Optional.empty(), Optional.of(arn))),
        Arguments.of(
            "aws-placeholder.json",
            new Request("aws", false, false, Optional.empty(), Optional.empty())),
        Arguments.of(
            "azure-search.json",
            new Request("azure", true, false, Optional.empty(), Optional.empty())),
        Arguments.of(
            "pkcs11.json", new Request("pkcs11", false, false, Optional.empty(), Optional.empty())),
        Arguments.of(
            "local.json", new Request("local", false, false, Optional.empty(), Optional.empty())),
        Arguments.of(
            "oci.json",
            new Request(
                "oci",
                false,
                false,
                Optional.empty(),
                Optional.of("ocid1.key.oc1.eu-frankfurt-1.aaaaaaaakey"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void templateMatchesGoldenFile(String golden, Request request) throws Exception {
    String actual =
        Json.MAPPER
                .writerWithDefaultPrettyPrinter()
                .writeValueAsString(TEMPLATES.forAccount(ACCOUNT, request))
            + "\n";
    String update = System.getProperty("golden.write");
    if (update != null) {
      Files.writeString(Path.of(update).resolve(golden), actual);
    }
    try (InputStream in = getClass().getResourceAsStream("/golden/key-policy/" + golden)) {
      assertThat(in).as("golden file " + golden).isNotNull();
      assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @ParameterizedTest
  @MethodSource("badRequests")
  void badRequestsAreClientErrors(Request r) {
    assertThatThrownBy(() -> TEMPLATES.forAccount(ACCOUNT, r)).isInstanceOf(CmkException.class);
  }

  static Stream<Request> badRequests() {
    return Stream.of(
        new Request("gcp", false, false, Optional.empty(), Optional.empty()),
        new Request("aws", false, false, Optional.of("12345"), Optional.empty()));
  }
}

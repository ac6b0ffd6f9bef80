package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.IamPolicyEvaluator.Decision;
import dev.cmk.app.PolicyEnforcingKmsProxy.Call;
import dev.cmk.app.TestNode.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;

/**
 * The served AWS key-policy template against every KMS call CMK makes, recorded from a run: a full
 * node calls moto_server through {@link PolicyEnforcingKmsProxy}, which evaluates each call (as the
 * platform principal) against the template set on the key and refuses what it does not allow, the
 * way AWS KMS would. Flows: onboarding with search on (validation, the search grant), writes and
 * reads, an outage with fallback on and the recovery that follows, rotation to a second key
 * (ReEncrypt), the confused-deputy checks, search off, validation after search off. Then, both
 * ways: every call of every flow is allowed except validation's deliberate call with another
 * account's context (which must be refused), and every action the template grants the platform was
 * used. The search principal has no key-policy access of its own: its only access is the grant,
 * constrained to the account's context, and gone after search off.
 */
class KeyPolicyFlowsIT {
  static final String PLATFORM = "arn:aws:iam::111122223333:role/cmk-platform";
  static final String SEARCH = "arn:aws:iam::111122223333:role/cmk-search";
  static final String MOTO_ACCOUNT = "123456789012";

  @TempDir Path dir;

  @Test
  void theTemplateAllowsExactlyTheCallsOfEveryFlowAndBindsTheKeyToTheAccount() throws Exception {
    try (Moto moto = Moto.start();
        KmsClient kms = moto.kms("us-east-1");
        PolicyEnforcingKmsProxy proxy = new PolicyEnforcingKmsProxy(moto.endpoint(), PLATFORM);
        TestNode n = new TestNode(Moto.nodeConfig(dir, 1 << 20, proxy.endpoint()))) {
      String k1 = kms.createKey(CreateKeyRequest.builder().build()).keyMetadata().arn();
      String k2 = kms.createKey(CreateKeyRequest.builder().build()).keyMetadata().arn();
      String acct =
          n.send(
                  n.operator,
                  "POST",
                  "/v1/accounts",
                  "{\"name\":\"Acme\",\"searchEncryption\":true}")
              .json()
              .get("id")
              .asText();
      String admin = n.adminToken(acct);
      String a = "/v1/accounts/" + acct;
      JsonNode template =
          n.send(admin, "GET", a + "/key-policy?provider=aws&awsAccountId=" + MOTO_ACCOUNT, null)
              .json()
              .get("document");
      for (String k : List.of(k1, k2)) {
        kms.putKeyPolicy(r -> r.keyId(k).policyName("default").policy(template.toString()));
        proxy.setPolicy(k, template);
      }

      proxy.flow("onboarding");
      Res reg = n.send(admin, "PUT", a + "/key", "{\"provider\":\"aws\",\"keyId\":\"" + k1 + "\"}");
      assertThat(reg.status()).as(reg.body()).isEqualTo(201);
      assertThat(check(reg.json(), "account_binding").get("outcome").asText()).isEqualTo("PASS");
      assertThat(check(reg.json(), "key_policy").get("outcome").asText()).isEqualTo("PASS");
      assertThat(check(reg.json(), "search_grant").get("outcome").asText()).isEqualTo("PASS");

      proxy.flow("write/read");
      String service = n.serviceToken(acct, List.of("mail"));
      n.send(admin, "PUT", a + "/users/alice/license", "{\"cmkLicensed\":true}");
      Res put =
          n.send(service, "PUT", a + "/content/mail/m1", Map.of("X-CMK-User", "alice"), "hello");
      assertThat(put.status()).as(put.body()).isIn(200, 201);
      assertThat(n.node.keys.activeKey(acct)).isPresent();
      // a cold cache, so the read makes its own Decrypt
      n.node.keks.purgeAccount(acct);
      Res read = n.send(service, "GET", a + "/content/mail/m1", null);
      assertThat(read.status()).as(read.body()).isEqualTo(200);
      assertThat(read.body()).isEqualTo("hello");

      proxy.flow("recovery");
      Res fallbackOn = n.send(admin, "PUT", a + "/fallback", "{\"enabled\":true}");
      assertThat(fallbackOn.status()).as(fallbackOn.body()).isEqualTo(200);
      proxy.unavailable(true);
      n.node.keks.purgeAccount(acct);
      Res during =
          n.send(service, "PUT", a + "/content/mail/m2", Map.of("X-CMK-User", "alice"), "outage");
      assertThat(during.status()).as(during.body()).isIn(200, 201);
      assertThat(during.json().get("protection").asText()).isEqualTo("FALLBACK");
      proxy.unavailable(false);
      n.node.availability.probe(n.node.keys.activeKey(acct).orElseThrow());
      awaitRecovery(n, admin, a + "/jobs");
      n.node.keks.purgeAccount(acct);
      assertThat(n.send(service, "GET", a + "/content/mail/m2", null).body()).isEqualTo("outage");

      proxy.flow("confused deputy");
      String other =
          n.send(n.operator, "POST", "/v1/accounts", "{\"name\":\"Other\"}")
              .json()
              .get("id")
              .asText();
      Res stolen =
          n.send(
              n.adminToken(other),
              "PUT",
              "/v1/accounts/" + other + "/key",
              "{\"provider\":\"aws\",\"keyId\":\"" + k1 + "\"}");
      assertThat(stolen.status()).isEqualTo(409);
      assertThat(stolen.code()).isEqualTo("key_registered_elsewhere");
      assertThat(stolen.body()).doesNotContain(acct).doesNotContain("Acme");

      proxy.flow("rotation");
      Res rot =
          n.send(admin, "POST", a + "/rotate", "{\"provider\":\"aws\",\"keyId\":\"" + k2 + "\"}");
      assertThat(rot.status()).as(rot.body()).isEqualTo(202);
      String job = rot.json().get("id").asText();
      awaitJob(n, admin, a + "/jobs/" + job);
      n.node.keks.purgeAccount(acct);
      assertThat(n.send(service, "GET", a + "/content/mail/m1", null).body()).isEqualTo("hello");

      proxy.flow("search off");
      Res off = n.send(admin, "PUT", a + "/search-encryption", "{\"enabled\":false}");
      assertThat(off.status()).as(off.body()).isEqualTo(200);
      assertThat(kms.listGrants(r -> r.keyId(k1)).grants()).isEmpty();
      assertThat(kms.listGrants(r -> r.keyId(k2)).grants()).isEmpty();

      proxy.flow("validation after search off");
      String k2Id = n.node.keys.activeKey(acct).orElseThrow().id();
      Res again = n.send(admin, "POST", a + "/keys/" + k2Id + "/validate", null);
      JsonNode policyCheck = check(again.json(), "key_policy");
      assertThat(policyCheck.get("outcome").asText()).isEqualTo("FAIL");
      assertThat(policyCheck.get("evidence").asText())
          .contains("extra statements")
          .contains("AllowCmkPlatformSearchGrantForThisAccountOnly")
          .contains("AllowCmkPlatformListAndRevokeGrants");

      List<Call> calls = new ArrayList<>(proxy.calls);
      report(calls);
      assertThat(proxy.unevaluated).isEmpty();

      // 1. every call is allowed, except the binding probe, which the template refuses
      for (Call c : calls) {
        boolean probe =
            c.keys()
                .getOrDefault("kms:EncryptionContext:account", List.of())
                .contains("cmk-binding-check-not-this-account");
        assertThat(c.result().decision())
            .as(c.flow() + " " + c.action() + " " + c.keys())
            .isEqualTo(probe ? Decision.IMPLICIT_DENY : Decision.ALLOW);
      }
      assertThat(calls).anyMatch(c -> !c.allowed());

      // 2. the template grants the platform nothing the flows did not use
      TreeSet<String> granted = new TreeSet<>();
      for (JsonNode s : template.get("Statement")) {
        if (s.at("/Principal/AWS").asText().equals(PLATFORM)) {
          s.get("Action").forEach(x -> granted.add(x.asText()));
        }
      }
      TreeSet<String> used =
          calls.stream()
              .filter(Call::allowed)
              .map(Call::action)
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(used).isEqualTo(granted);

      // 3. the search principal: no key-policy access of its own, only the grant
      List<Call> grants = calls.stream().filter(c -> c.action().equals("kms:CreateGrant")).toList();
      assertThat(grants).isNotEmpty();
      for (Call g : grants) {
        assertThat(g.keys().get("kms:GranteePrincipal")).containsExactly(SEARCH);
        assertThat(g.keys().get("kms:EncryptionContext:account")).containsExactly(acct);
      }
      for (String action : List.of("kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt")) {
        var direct =
            IamPolicyEvaluator.evaluate(
                template,
                new IamPolicyEvaluator.Request(
                    SEARCH, action, Map.of("kms:EncryptionContext:account", List.of(acct))));
        assertThat(direct.decision()).as("search role " + action).isEqualTo(Decision.IMPLICIT_DENY);
      }
    }
  }

  private static JsonNode check(JsonNode registration, String name) {
    for (JsonNode c : registration.get("validation").get("checks")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no check " + name + " in " + registration);
  }

  private static void awaitJob(TestNode n, String admin, String path) {
    JsonNode last =
        await("job " + path + " ends")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> n.send(admin, "GET", path, null).json(),
                j -> !j.get("status").asText().equals("RUNNING"));
    assertThat(last.get("status").asText()).as(last.toString()).isEqualTo("SUCCEEDED");
  }

  private static void awaitRecovery(TestNode n, String admin, String path) {
    await("a finished recovery job")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              Res r = n.send(admin, "GET", path, null);
              JsonNode jobs = r.json().isArray() ? r.json() : r.json().path("jobs");
              for (JsonNode j : jobs) {
                if (j.path("kind").asText().equals("RECOVERY")
                    && j.path("status").asText().equals("SUCCEEDED")) {
                  return true;
                }
              }
              return false;
            });
  }

  /** What an admin would read: per flow, each principal's action and the policy's decision. */
  private static void report(List<Call> calls) throws Exception {
    Map<String, Map<String, Integer>> byFlow = new TreeMap<>();
    List<String> flows = new ArrayList<>();
    for (Call c : calls) {
      if (!flows.contains(c.flow())) {
        flows.add(c.flow());
      }
      String line =
          c.action()
              + " -> "
              + c.result().decision()
              + (c.result().sid().isEmpty() ? "" : " (" + c.result().sid() + ")")
              + (c.allowed()
                  ? ""
                  : " context account=" + c.keys().get("kms:EncryptionContext:account"));
      byFlow.computeIfAbsent(c.flow(), f -> new TreeMap<>()).merge(line, 1, Integer::sum);
    }
    StringBuilder out =
        new StringBuilder("AWS key-policy template evaluation, principal " + PLATFORM + "\n");
    for (String f : flows) {
      out.append(f).append(":\n");
      byFlow
          .get(f)
          .forEach(
              (l, count) -> out.append("  ").append(count).append(" x ").append(l).append('\n'));
    }
    Path file = Path.of("target", "key-policy-flows.txt");
    Files.createDirectories(file.getParent());
    Files.writeString(file, out);
    System.out.print(out);
  }
}

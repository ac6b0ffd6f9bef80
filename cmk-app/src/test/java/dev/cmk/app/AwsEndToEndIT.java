package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.account.Account;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.CountingKeyProvider;
import dev.cmk.service.kek.Protection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;

/** A full node with the AWS KMS provider against moto_server: register, write, read. */
class AwsEndToEndIT {
  @TempDir Path dir;

  @Test
  void customerKeyInAwsProtectsLicensedContent() throws Exception {
    try (Moto moto = Moto.start();
        var kms = moto.kms("us-east-1");
        CmkNode node = new CmkNode(moto.nodeConfig(dir, 1 << 20), Clock.systemUTC()).start()) {
      String arn =
          kms.createKey(CreateKeyRequest.builder().description("acme cmk").build())
              .keyMetadata()
              .arn();
      Account acct = node.accounts.create("Acme", "us-east-1");
      var reg = node.keys.register(acct, "aws", arn, List.of());
      assertThat(reg.report().passed()).isTrue();
      // moto enforces no key policy: the key answers for another account's context, so the
      // binding check warns (advisory FAIL) and the key_policy check names what is missing
      var binding =
          reg.report().checks().stream()
              .filter(c -> c.name().equals("account_binding"))
              .findFirst()
              .orElseThrow();
      assertThat(binding.outcome().name()).isEqualTo("FAIL");
      assertThat(binding.required()).isFalse();
      assertThat(binding.evidence()).contains("not bound to this account");
      assertThat(
              reg.report().checks().stream()
                  .filter(c -> c.name().equals("key_policy"))
                  .findFirst()
                  .orElseThrow()
                  .evidence())
          .contains("missing statements")
          .contains("AllowCmkPlatformCryptographyForThisAccountOnly");
      node.accounts.setLicense(acct.id(), "alice", true);

      double before = CountingKeyProvider.total(node.metrics(), "aws");
      StoredObject o = null;
      for (int i = 0; i < 500; i++) {
        o =
            node.content.put(
                acct.id(),
                "mail",
                "alice",
                Optional.empty(),
                ("m" + i).getBytes(StandardCharsets.UTF_8));
      }
      assertThat(o.protection()).isEqualTo(Protection.CMK);
      assertThat(CountingKeyProvider.total(node.metrics(), "aws") - before).isEqualTo(1);
      assertThat(
              new String(
                  node.content.get(acct.id(), "mail", o.objectId()).plaintext(),
                  StandardCharsets.UTF_8))
          .isEqualTo("m499");
    }
  }

  @Test
  void keyInAnotherRegionThanTheAccountsResidencyFailsValidation() throws Exception {
    try (Moto moto = Moto.start();
        var kms = moto.kms("eu-west-1");
        CmkNode node = new CmkNode(moto.nodeConfig(dir, 1 << 20), Clock.systemUTC()).start()) {
      String arn = kms.createKey(CreateKeyRequest.builder().build()).keyMetadata().arn();
      Account acct = node.accounts.create("Acme", "us-east-1");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> node.keys.register(acct, "aws", arn, List.of()))
          .isInstanceOfSatisfying(
              dev.cmk.service.CmkException.class,
              e ->
                  assertThat(e.details().get("report").toString())
                      .contains("region")
                      .contains("FAIL"));
    }
  }
}

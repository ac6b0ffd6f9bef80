package dev.cmk.service.availability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.EncryptionContext;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.FallbackMode;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.Protection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Granular revocation: a key-policy Deny on one service id or one period of the encryption context
 * (emulated in process by the provider refusing calls whose context matches) refuses exactly that
 * slice; the key stays available and every other KEK keeps working, cached or not.
 */
class SliceRefusalTest {
  static final String MAIL = "0014";
  static final String CHAT = "0012";
  static final String DAY1 = "20261129";

  @TempDir Path dir;
  ServiceFixture f;
  Account acct;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    assertThat(f.keys.register(acct, "remote", "customer", List.of()).report().passed()).isTrue();
    f.accounts.setLicense(acct.id(), "alice", true);
    f.availability.probeRound(ServiceFixture.PROBE_INTERVAL);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private StoredObject put(String type, String id) {
    return f.content.put(acct.id(), type, "alice", Optional.of(id), id.getBytes());
  }

  @Test
  void newKeksCarryTheServiceAndPeriodInTheirEncryptionContext() {
    StoredObject o = put("mail", "m1");
    var kek = f.keks.find(o.kekId()).orElseThrow();
    assertThat(f.keks.contextOf(kek).asMap())
        .containsEntry(EncryptionContext.SERVICE, MAIL)
        .containsEntry(EncryptionContext.PERIOD, DAY1)
        .containsEntry(EncryptionContext.ACCOUNT, acct.id())
        .containsEntry(EncryptionContext.PURPOSE, "kek");
  }

  @Test
  void aDenyOnOneServiceRefusesOnlyThatServiceAndTheKeyStaysAvailable() {
    put("mail", "m1");
    put("chat-message", "c1");
    f.remote.denyContext(Map.of(EncryptionContext.SERVICE, MAIL));
    f.clock.advance(Duration.ofMinutes(6)); // cached KEKs expired: reads go to the key

    assertThatThrownBy(() -> f.content.get(acct.id(), "mail", "m1"))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED);
              assertThat(e.details()).containsEntry("reason", "access_denied");
            });
    assertThat(f.content.get(acct.id(), "chat-message", "c1").plaintext())
        .isEqualTo("c1".getBytes());

    // the key is not unavailable: one slice is refused, and says which
    KeyStatus st = f.availability.status(acct.id()).orElseThrow();
    assertThat(st.state()).isEqualTo(KeyState.AVAILABLE);
    var report = f.revocation.keyStatus(acct.id());
    assertThat(report.refusedSlices())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.serviceId()).isEqualTo(MAIL);
              assertThat(r.period()).isEqualTo(DAY1);
              assertThat(r.reason()).isEqualTo("access_denied");
            });
    assertThat(f.availability.events(acct.id(), 10))
        .anyMatch(e -> e.kind().equals("slice_refused"));

    // the other KEKs were not purged: a chat read costs no further provider call
    double calls = f.providerCalls("remote");
    assertThat(f.content.get(acct.id(), "chat-message", "c1").plaintext())
        .isEqualTo("c1".getBytes());
    assertThat(
            f.content
                .put(acct.id(), "chat-message", "alice", Optional.of("c2"), new byte[] {1})
                .protection())
        .isEqualTo(Protection.CMK);
    assertThat(f.providerCalls("remote")).isEqualTo(calls);

    // new mail writes are refused with fallback off, nothing stored
    assertThatThrownBy(() -> put("mail", "m2"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED));
    assertThat(f.objects.find(acct.id(), "m2")).isEmpty();

    // with fallback on (any reason) they go under the backup key; OUTAGES_ONLY refuses them
    f.revocation.setFallback(
        Caller.system("t"), acct.id(), true, Optional.of(FallbackMode.ANY_REASON));
    assertThat(put("mail", "m3").protection()).isEqualTo(Protection.FALLBACK);
    f.revocation.setFallback(
        Caller.system("t"), acct.id(), true, Optional.of(FallbackMode.OUTAGES_ONLY));
    assertThatThrownBy(() -> put("mail", "m4"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED));

    // the customer removes the Deny: the probe re-checks the slice and forgets it
    f.remote.allowAllContexts();
    f.availability.probeRound(ServiceFixture.PROBE_INTERVAL);
    assertThat(f.revocation.keyStatus(acct.id()).refusedSlices()).isEmpty();
    assertThat(f.availability.events(acct.id(), 10))
        .anyMatch(e -> e.kind().equals("slice_restored"));
    assertThat(f.content.get(acct.id(), "mail", "m1").plaintext()).isEqualTo("m1".getBytes());
  }

  @Test
  void aDenyOnAPeriodRefusesThatDaysKeksOnlyAndNewDaysWork() {
    put("mail", "m1");
    put("chat-message", "c1");
    f.remote.denyContext(Map.of(EncryptionContext.PERIOD, DAY1));
    f.clock.advance(Duration.ofDays(1)); // day 2; every cached KEK expired

    for (String[] o : new String[][] {{"mail", "m1"}, {"chat-message", "c1"}}) {
      assertThatThrownBy(() -> f.content.get(acct.id(), o[0], o[1]))
          .isInstanceOfSatisfying(
              CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED));
    }
    StoredObject day2 = put("mail", "m2");
    assertThat(day2.protection()).isEqualTo(Protection.CMK);
    assertThat(f.content.get(acct.id(), "mail", "m2").plaintext()).isEqualTo("m2".getBytes());
    assertThat(f.availability.status(acct.id()).orElseThrow().state())
        .isEqualTo(KeyState.AVAILABLE);
    assertThat(f.revocation.keyStatus(acct.id()).refusedSlices())
        .extracting(r -> r.serviceId() + "/" + r.period())
        .containsExactlyInAnyOrder(MAIL + "/" + DAY1, CHAT + "/" + DAY1);
  }

  @Test
  void aKeyRefusedAsAWholeStillTurnsUnavailable() {
    put("mail", "m1");
    f.remote.denyContext(Map.of(EncryptionContext.ACCOUNT, acct.id())); // every call of the account
    f.clock.advance(Duration.ofMinutes(6));
    assertThatThrownBy(() -> f.content.get(acct.id(), "mail", "m1"))
        .isInstanceOf(CmkException.class);
    KeyStatus st = f.availability.status(acct.id()).orElseThrow();
    assertThat(st.state()).isEqualTo(KeyState.UNAVAILABLE);
    assertThat(st.cause()).isEqualTo(Cause.REFUSED);
    assertThat(f.revocation.keyStatus(acct.id()).refusedSlices()).isEmpty();
  }
}

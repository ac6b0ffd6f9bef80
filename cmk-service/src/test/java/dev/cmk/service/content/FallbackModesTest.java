package dev.cmk.service.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.FallbackMode;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.audit.JdbcAuditLog;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.reprotect.Job;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fallback "for any reason" (the seed) and the stricter OUTAGES_ONLY mode, against both causes: an
 * outage (the key cannot be reached) and a refusal (the customer disabled the key).
 */
class FallbackModesTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    assertThat(f.keys.register(acct, "remote", "customer", List.of()).report().passed()).isTrue();
    f.accounts.setLicense(acct.id(), "alice", true);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private void fallback(boolean on, FallbackMode mode) {
    f.revocation.setFallback(Caller.system("test"), acct.id(), on, Optional.of(mode));
  }

  private StoredObject put(String id) {
    return f.content.put(acct.id(), "mail", "alice", Optional.of(id), new byte[] {4, 2});
  }

  @Test
  void anyReasonIsTheDefaultMode() {
    assertThat(f.accounts.require(acct.id()).fallbackMode()).isEqualTo(FallbackMode.ANY_REASON);
    f.revocation.setFallback(acct.id(), true);
    assertThat(f.accounts.require(acct.id()).fallbackMode()).isEqualTo(FallbackMode.ANY_REASON);
  }

  @Test
  void anyReasonFallsBackOnAnOutageAndSaysWhy() {
    fallback(true, FallbackMode.ANY_REASON);
    f.remote.setMode(Mode.DOWN);
    StoredObject o = put("m1");
    assertThat(o.protection()).isEqualTo(Protection.FALLBACK);
    FallbackWrites.Entry why = f.content.fallbackCause(acct.id(), "m1").orElseThrow();
    assertThat(why.cause()).isEqualTo("UNREACHABLE");
    assertThat(why.reason()).isEqualTo("network");
    assertThat(why.mode()).isEqualTo(FallbackMode.ANY_REASON);
    assertThat(f.content.get(acct.id(), "mail", "m1").plaintext()).containsExactly(4, 2);
  }

  @Test
  void anyReasonFallsBackOnADisabledKeyAndRecoveryReprotectsItWhenTheKeyIsBack() {
    fallback(true, FallbackMode.ANY_REASON);
    f.remote.setMode(Mode.DISABLED);
    StoredObject o = put("m1");
    assertThat(o.protection()).isEqualTo(Protection.FALLBACK);
    FallbackWrites.Entry why = f.content.fallbackCause(acct.id(), "m1").orElseThrow();
    assertThat(why.cause()).isEqualTo("REFUSED");
    assertThat(why.reason()).isEqualTo("disabled");
    assertThat(why.providerCode()).isEqualTo("DisabledException");
    assertThat(f.availability.events(acct.id(), 5))
        .anySatisfy(
            e -> {
              assertThat(e.kind()).isEqualTo("writes_fallback");
              assertThat(e.detail()).contains("refuses (disabled)").contains("ANY_REASON");
            });
    assertThat(f.audit.page(acct.id(), JdbcAuditLog.Filter.all(), 100))
        .anySatisfy(
            r ->
                assertThat(r.details())
                    .containsEntry("fallbackCause", "REFUSED")
                    .containsEntry("fallbackReason", "disabled")
                    .containsEntry("fallbackMode", "ANY_REASON"));

    // the customer enables the key again: the probe sees it and recovery moves the write
    f.remote.setMode(Mode.UP);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    Job job = f.jobStore.running(acct.id()).orElseThrow();
    assertThat(job.kind()).isEqualTo(Job.Kind.RECOVERY);
    f.jobs.runUntilIdle(100);
    assertThat(f.objects.find(acct.id(), "m1").orElseThrow().protection())
        .isEqualTo(Protection.CMK);
    assertThat(f.content.get(acct.id(), "mail", "m1").plaintext()).containsExactly(4, 2);
  }

  @Test
  void outagesOnlyFallsBackOnAnOutage() {
    fallback(true, FallbackMode.OUTAGES_ONLY);
    f.remote.setMode(Mode.THROTTLED);
    StoredObject o = put("m1");
    assertThat(o.protection()).isEqualTo(Protection.FALLBACK);
    FallbackWrites.Entry why = f.content.fallbackCause(acct.id(), "m1").orElseThrow();
    assertThat(why.cause()).isEqualTo("UNREACHABLE");
    assertThat(why.reason()).isEqualTo("throttled");
    assertThat(why.mode()).isEqualTo(FallbackMode.OUTAGES_ONLY);
  }

  @Test
  void outagesOnlyRefusesAWriteUnderADisabledKeyAndStoresNothing() {
    fallback(true, FallbackMode.OUTAGES_ONLY);
    f.remote.setMode(Mode.DISABLED);
    assertThatThrownBy(() -> put("m1"))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED);
              assertThat(e.details()).containsEntry("reason", "disabled");
              assertThat(e.getMessage()).contains("OUTAGES_ONLY");
            });
    assertThat(f.objects.find(acct.id(), "m1")).isEmpty();
    assertThat(f.content.fallbackCause(acct.id(), "m1")).isEmpty();
    assertThat(f.availability.events(acct.id(), 5))
        .anySatisfy(
            e -> {
              assertThat(e.kind()).isEqualTo("writes_refused");
              assertThat(e.detail()).contains("OUTAGES_ONLY");
            });
  }

  @Test
  void withFallbackOffBothCausesAreRefused() {
    fallback(false, FallbackMode.ANY_REASON);
    f.remote.setMode(Mode.DISABLED);
    assertThatThrownBy(() -> put("m1"))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED);
              assertThat(e.getMessage()).contains("fallback is off");
            });
    f.remote.setMode(Mode.DOWN);
    assertThatThrownBy(() -> put("m2"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE));
    assertThat(f.objects.find(acct.id(), "m1")).isEmpty();
    assertThat(f.objects.find(acct.id(), "m2")).isEmpty();
  }

  @Test
  void readsOfCustomerKeyContentUnderARefusedKeyStayRefusedInAnyReasonMode() {
    fallback(true, FallbackMode.ANY_REASON);
    put("before");
    f.remote.setMode(Mode.DISABLED);
    f.clock.advance(Duration.ofMinutes(6)); // the cached KEK expired
    assertThat(put("during").protection()).isEqualTo(Protection.FALLBACK);
    assertThatThrownBy(() -> f.content.get(acct.id(), "mail", "before"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED));
  }

  @Test
  void thePolicyNeverFallsBackOnABadCiphertextAndFollowsTheModeOtherwise() {
    var bad = new BadCiphertextException(FailureReason.INVALID_CIPHERTEXT, "Invalid", "tampered");
    var disabled = new KeyRefusedException(FailureReason.DISABLED, "DisabledException", "off");
    var denied = new KeyRefusedException(FailureReason.ACCESS_DENIED, "AccessDenied", "no");
    var down = new KeyUnavailableException(FailureReason.NETWORK, "Connect", "down");
    for (FallbackMode m : FallbackMode.values()) {
      assertThat(FallbackPolicy.decide(bad, true, m).fallback()).isFalse();
      assertThat(FallbackPolicy.decide(down, true, m).fallback()).isTrue();
      assertThat(FallbackPolicy.decide(down, false, m).fallback()).isFalse();
      assertThat(FallbackPolicy.decide(disabled, false, m).fallback()).isFalse();
    }
    assertThat(FallbackPolicy.decide(disabled, true, FallbackMode.ANY_REASON).fallback()).isTrue();
    assertThat(FallbackPolicy.decide(denied, true, FallbackMode.ANY_REASON).fallback()).isTrue();
    assertThat(FallbackPolicy.decide(disabled, true, FallbackMode.OUTAGES_ONLY).fallback())
        .isFalse();
    assertThat(FallbackPolicy.decide(denied, true, FallbackMode.OUTAGES_ONLY).fallback()).isFalse();
  }
}

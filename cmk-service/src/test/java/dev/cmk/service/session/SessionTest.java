package dev.cmk.service.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.kek.Protection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live sessions and the operator option that drops them when the key goes away. */
class SessionTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    f.keys.register(acct, "remote", "customer", List.of());
    f.accounts.setLicense(acct.id(), "alice", true);
    f.scheduler.tick();
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private List<LiveSession> openThree() {
    List<LiveSession> s = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      s.add(f.sessions.open(acct.id(), "alice").session());
    }
    return s;
  }

  private LiveSession now(LiveSession s) {
    return f.sessions.get(acct.id(), s.id());
  }

  @Test
  void sessionKeysComeFromTheLiveCallKekAndDifferPerSession() {
    SessionService.Opened a = f.sessions.open(acct.id(), "alice");
    SessionService.Opened b = f.sessions.open(acct.id(), "alice");
    assertThat(a.sessionKey()).hasSize(32).isNotEqualTo(b.sessionKey());
    assertThat(a.session().protection()).isEqualTo(Protection.CMK);
    assertThat(a.session().kekId()).isEqualTo(b.session().kekId());
    assertThat(f.keks.find(a.session().kekId()).orElseThrow().serviceId()).isEqualTo("0018");
    assertThat(a.toString()).doesNotContain(java.util.Arrays.toString(a.sessionKey()));

    LiveSession ended = f.sessions.end(acct.id(), a.session().id());
    assertThat(ended.status()).isEqualTo(LiveSession.Status.ENDED);
    assertThat(ended.endReason()).isEqualTo("ended by the caller");
    assertThatThrownBy(() -> f.sessions.get(acct.id(), "sess_nope"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND));
  }

  @Test
  void withDropCallsEveryLiveSessionEndsWithinOneProbeIntervalWithTheReason() {
    f.sessions.setDropCalls(acct.id(), true);
    List<LiveSession> calls = openThree();
    f.remote.setMode(Mode.DOWN);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    for (LiveSession s : calls) {
      LiveSession n = now(s);
      assertThat(n.status()).isEqualTo(LiveSession.Status.ENDED);
      assertThat(n.endReason()).isEqualTo("key_unavailable: unreachable (network)");
      assertThat(n.endedAt()).contains(f.clock.instant());
    }
    assertThatThrownBy(() -> f.sessions.open(acct.id(), "alice"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE));
  }

  @Test
  void aKeyDisabledMidCallEndsTheCallsAsRefused() {
    f.sessions.setDropCalls(acct.id(), true);
    List<LiveSession> calls = openThree();
    f.remote.setMode(Mode.DISABLED);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThat(calls)
        .allSatisfy(s -> assertThat(now(s).endReason()).contains("refused (disabled)"));
  }

  @Test
  void withoutTheOptionCallsGoOn() {
    List<LiveSession> calls = openThree();
    f.remote.setMode(Mode.DOWN);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThat(calls)
        .allSatisfy(s -> assertThat(now(s).status()).isEqualTo(LiveSession.Status.ACTIVE));
  }

  @Test
  void aRefusedKeyRefusesNewSessionsWith409KeyRefusedAsForContent() {
    f.sessions.setDropCalls(acct.id(), true);
    f.remote.setMode(Mode.DISABLED);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThatThrownBy(() -> f.sessions.open(acct.id(), "alice"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED));
  }

  @Test
  void dropCallsEndsOnlyTheSessionsUnderTheUnavailableKey() {
    f.sessions.setDropCalls(acct.id(), true);
    LiveSession licensed = f.sessions.open(acct.id(), "alice").session();
    LiveSession unlicensed = f.sessions.open(acct.id(), "bob").session();
    assertThat(unlicensed.protection()).isEqualTo(Protection.PLATFORM);
    f.remote.setMode(Mode.DOWN);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThat(now(licensed).status()).isEqualTo(LiveSession.Status.ENDED);
    assertThat(now(unlicensed).status()).isEqualTo(LiveSession.Status.ACTIVE);
  }
}

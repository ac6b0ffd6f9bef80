package dev.cmk.service.kek;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.store.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KekCacheTest {
  @TempDir Path dir;

  @Test
  void tenThousandWritesCostAtMostTwoProviderCallsAndOneMoreAfterTheTtl() {
    try (ServiceFixture f =
        new ServiceFixture(
            dir,
            Database.embedded(dir),
            new KekCacheConfig(1000, Duration.ofMinutes(5), 1_000_000))) {
      Account acct = f.accounts.create("Acme", null);
      f.keys.register(acct, "local", "customer", List.of());
      f.accounts.setLicense(acct.id(), "alice", true);
      double before = f.providerCalls();

      StoredObject last = null;
      for (int i = 0; i < 10_000; i++) {
        last =
            f.content.put(
                acct.id(), "chat-message", "alice", Optional.empty(), new byte[] {1, 2, 3});
      }
      assertThat(last.protection()).isEqualTo(Protection.CMK);
      double afterWrites = f.providerCalls() - before;
      assertThat(afterWrites).isLessThanOrEqualTo(2);

      f.clock.advance(Duration.ofMinutes(5).plusSeconds(1));
      f.content.put(acct.id(), "chat-message", "alice", Optional.empty(), new byte[] {4});
      assertThat(f.providerCalls() - before).isEqualTo(afterWrites + 1);

      // and the object written before the TTL is still readable from the re-fetched KEK
      assertThat(f.content.get(acct.id(), "chat-message", last.objectId()).plaintext())
          .containsExactly(1, 2, 3);
      assertThat(f.providerCalls() - before).isEqualTo(afterWrites + 1);
    }
  }

  @Test
  void maxUsesForcesARefetchAndPurgeDropsTheAccountsKeks() {
    try (ServiceFixture f =
        new ServiceFixture(
            dir, Database.embedded(dir), new KekCacheConfig(1000, Duration.ofHours(1), 10))) {
      Account acct = f.accounts.create("Acme", null);
      f.keys.register(acct, "local", "customer", List.of());
      f.accounts.setLicense(acct.id(), "alice", true);
      f.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[] {1});
      double base = f.providerCalls();
      for (int i = 0; i < 25; i++) {
        f.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[] {1});
      }
      // 26 uses with max 10 per fetch: fetched at use 1 (create), 11, 21 → two unwraps here
      assertThat(f.providerCalls() - base).isEqualTo(2);

      assertThat(f.keks.cachedCount()).isGreaterThan(0);
      f.keks.purgeAccount(acct.id());
      assertThat(f.keks.cachedCount()).isZero();
    }
  }

  @Test
  void newPeriodMakesANewKek() {
    try (ServiceFixture f = ServiceFixture.h2(dir)) {
      Account acct = f.accounts.create("Acme", null);
      f.keys.register(acct, "local", "customer", List.of());
      f.accounts.setLicense(acct.id(), "alice", true);
      StoredObject a = f.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[] {1});
      f.clock.advance(Duration.ofDays(1));
      StoredObject b = f.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[] {2});
      assertThat(a.kekId()).isNotEqualTo(b.kekId());
    }
  }
}

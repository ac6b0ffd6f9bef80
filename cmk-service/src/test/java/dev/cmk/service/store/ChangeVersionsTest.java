package dev.cmk.service.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cmk.service.auth.JdbcTokenStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cached lookups follow the change versions: a change on this node is seen at once, a change on
 * another node (another pool on the same database) within the staleness bound, never later. Time is
 * a fake clock: no sleeping.
 */
class ChangeVersionsTest {
  @TempDir Path dir;
  Database db;
  final AtomicLong nanos = new AtomicLong();
  ChangeVersions here;
  ChangeVersions there;

  @BeforeEach
  void open() {
    db = Database.open(Database.embedded(dir));
    here = new ChangeVersions(db.jdbi(), Duration.ofSeconds(1), nanos::get);
    there = new ChangeVersions(db.jdbi(), Duration.ofSeconds(1), nanos::get);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aChangeElsewhereIsSeenWithinTheBoundAndALocalOneAtOnce() {
    AtomicInteger loads = new AtomicInteger();
    VersionedCache<String, Optional<String>> cache =
        new VersionedCache<>(here, ChangeVersions.Kind.TOKENS, 100);
    assertThat(cache.get("k", k -> Optional.of("v" + loads.incrementAndGet()))).contains("v1");
    assertThat(cache.get("k", k -> Optional.of("v" + loads.incrementAndGet()))).contains("v1");

    // another node revokes: this node keeps the entry until the bound has passed
    db.jdbi().useHandle(h -> there.changed(h, ChangeVersions.Kind.TOKENS));
    nanos.addAndGet(Duration.ofMillis(999).toNanos());
    assertThat(cache.get("k", k -> Optional.of("v" + loads.incrementAndGet()))).contains("v1");
    nanos.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(cache.get("k", k -> Optional.of("v" + loads.incrementAndGet()))).contains("v2");

    // another kind's change leaves this cache alone
    db.jdbi().useHandle(h -> there.changed(h, ChangeVersions.Kind.CATALOG));
    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(cache.get("k", k -> Optional.of("v" + loads.incrementAndGet()))).contains("v2");

    // a change made on this node is seen at once
    db.jdbi().useHandle(h -> here.changed(h, ChangeVersions.Kind.TOKENS));
    assertThat(cache.get("k", k -> Optional.of("v" + loads.incrementAndGet()))).contains("v3");
  }

  @Test
  void aRevokedTokenStopsAuthenticatingOnTheOtherNodeWithinTheBound() throws InterruptedException {
    Database nodeB = Database.open(Database.embedded(dir));
    try {
      JdbcTokenStore a = new JdbcTokenStore(db);
      JdbcTokenStore b = new JdbcTokenStore(nodeB);
      var token =
          new dev.cmk.service.auth.ApiToken(
              "tok_1",
              dev.cmk.service.auth.Role.OPERATOR,
              Optional.empty(),
              java.util.Set.of(),
              "ops",
              java.time.Instant.parse("2026-01-01T00:00:00Z"),
              Optional.empty());
      a.insert(token, "hash-1");
      assertThat(b.findByHash("hash-1")).map(s -> s.token().active()).contains(true);
      a.revoke("tok_1", java.time.Instant.parse("2026-01-02T00:00:00Z"));
      assertThat(a.findByHash("hash-1")).map(s -> s.token().active()).contains(false);
      // node B reads the versions at most once per bound (real time here: up to one second)
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(10))
          .untilAsserted(
              () ->
                  assertThat(b.findByHash("hash-1")).map(s -> s.token().active()).contains(false));
    } finally {
      nodeB.close();
    }
  }
}

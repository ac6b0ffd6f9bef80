package dev.cmk.service.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.User;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.Kek;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.CustomerKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What every metadata database must do; runs on embedded H2 and on PostgreSQL. */
public abstract class StoreContract {
  protected abstract Database db();

  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  private Account newAccount() {
    Account a =
        new Account(
            "acct_" + UUID.randomUUID().toString().substring(0, 8),
            "Acme",
            "eu-west-1",
            false,
            false,
            now);
    new JdbcAccountStore(db()).insert(a);
    return a;
  }

  @Test
  void probeLeaseHasOneHolderEvenUnderConcurrentClaims() throws Exception {
    JdbcAvailabilityStore s = new JdbcAvailabilityStore(db());
    Account a = newAccount();
    Instant until = now.plusSeconds(45);
    int nodes = 6;
    var pool = java.util.concurrent.Executors.newFixedThreadPool(nodes);
    try {
      var start = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<Boolean>> claims = new java.util.ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        String node = "node-" + i;
        claims.add(
            pool.submit(
                () -> {
                  start.await();
                  return s.claimProbe(a.id(), node, now, until);
                }));
      }
      start.countDown();
      int holders = 0;
      for (var c : claims) {
        holders += c.get(30, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(holders).as("exactly one node holds a fresh lease").isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(s.claimProbe(a.id(), "late", until.minusMillis(1), until.plusSeconds(45))).isFalse();
    assertThat(s.claimProbe(a.id(), "late", until, until.plusSeconds(45))).isTrue();
  }

  @Test
  void accountsRoundTripAndUpdate() {
    JdbcAccountStore s = new JdbcAccountStore(db());
    Account a = newAccount();
    assertThat(s.find(a.id())).contains(a);
    Account changed = new Account(a.id(), "Acme 2", "eu-west-1", true, true, now);
    s.update(changed);
    assertThat(s.find(a.id())).contains(changed);
    assertThat(s.list()).contains(changed);
    assertThat(s.find("acct_none")).isEmpty();
  }

  @Test
  void usersUpsert() {
    JdbcAccountStore s = new JdbcAccountStore(db());
    Account a = newAccount();
    s.upsertUser(new User(a.id(), "alice@example.com", true, now));
    s.upsertUser(new User(a.id(), "alice@example.com", false, now.plusSeconds(1)));
    assertThat(s.findUser(a.id(), "alice@example.com").orElseThrow().cmkLicensed()).isFalse();
  }

  @Test
  void catalogIsSeededWithStableServiceIds() {
    List<AssetType> types = new JdbcCatalog(db()).list();
    assertThat(types)
        .extracting(AssetType::serviceId)
        .contains("0001", "0002", "0003", "0004", "0006", "0009", "0010", "0011");
    assertThat(new JdbcCatalog(db()).find("meeting-recording").orElseThrow().organizerDecides())
        .isTrue();
  }

  @Test
  void customerKeysKeepReplicasAndStatus() {
    JdbcCustomerKeyStore s = new JdbcCustomerKeyStore(db());
    Account a = newAccount();
    CustomerKey k =
        new CustomerKey(
            "key_" + UUID.randomUUID(),
            a.id(),
            new KeyRef(
                "aws",
                "arn:aws:kms:eu-west-1:1:key/mrk-1",
                List.of("arn:aws:kms:eu-central-1:1:key/mrk-1")),
            CustomerKey.Status.ACTIVE,
            now,
            now);
    s.insert(k);
    assertThat(s.findActive(a.id())).contains(k);
    s.update(k.withStatus(CustomerKey.Status.RETIRED, now.plusSeconds(5)));
    assertThat(s.findActive(a.id())).isEmpty();
    assertThat(s.listForAccount(a.id())).hasSize(1);
  }

  @Test
  void kekScopeIsUniqueAndTheFirstWriterWins() {
    JdbcKekStore s = new JdbcKekStore(db());
    Account a = newAccount();
    KeyRef root = KeyRef.of("local", "customer");
    Kek first =
        new Kek(
            "kek_a" + UUID.randomUUID(),
            a.id(),
            "0001",
            "20261129",
            Protection.CMK,
            root,
            new byte[] {1, 2},
            now);
    Kek second =
        new Kek(
            "kek_b" + UUID.randomUUID(),
            a.id(),
            "0001",
            "20261129",
            Protection.CMK,
            root,
            new byte[] {3},
            now);
    assertThat(s.insertIfAbsent(first).id()).isEqualTo(first.id());
    assertThat(s.insertIfAbsent(second).id()).isEqualTo(first.id());
    assertThat(s.find(first.id()).orElseThrow().wrapped()).containsExactly(1, 2);
    assertThat(s.findByScope(first.scope()).orElseThrow().id()).isEqualTo(first.id());
  }

  @Test
  void objectsAreUniquePerAccount() {
    JdbcKekStore ks = new JdbcKekStore(db());
    JdbcObjectStore os = new JdbcObjectStore(db());
    Account a = newAccount();
    Kek k =
        ks.insertIfAbsent(
            new Kek(
                "kek_" + UUID.randomUUID(),
                a.id(),
                "0014",
                "20261129",
                Protection.PLATFORM,
                KeyRef.of("local", "platform"),
                new byte[] {1},
                now));
    StoredObject o =
        new StoredObject(a.id(), "o1", "mail", "alice", k.id(), Protection.PLATFORM, 3, now);
    assertThat(os.insert(o)).isTrue();
    assertThat(os.insert(o)).isFalse();
    assertThat(os.find(a.id(), "o1")).contains(o);
    assertThat(os.countByKek(k.id())).isEqualTo(1);
  }
}

package dev.cmk.service.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.account.Account;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.account.User;
import dev.cmk.service.auth.ApiToken;
import dev.cmk.service.auth.JdbcTokenStore;
import dev.cmk.service.auth.Role;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.JdbcCatalog;
import dev.cmk.service.idempotency.JdbcIdempotencyStore;
import dev.cmk.service.key.JdbcSearchGrantStore;
import dev.cmk.service.key.SearchGrant;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The admin plane's stores (tokens, idempotency, catalog, options); runs on H2 and PostgreSQL. */
public abstract class AdminStoreContract {
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
            now,
            true);
    new JdbcAccountStore(db()).insert(a);
    return a;
  }

  @Test
  void tokensAreFoundByHashAndRevoked() {
    JdbcTokenStore s = new JdbcTokenStore(db());
    Account a = newAccount();
    ApiToken t =
        new ApiToken(
            "tok_1",
            Role.SERVICE,
            Optional.of(a.id()),
            Set.of("chat", "mail"),
            "svc",
            now,
            Optional.empty());
    s.insert(t, "a".repeat(64));
    assertThat(s.findByHash("a".repeat(64)).orElseThrow().token()).isEqualTo(t);
    assertThat(s.findByHash("b".repeat(64))).isEmpty();
    assertThat(s.hasActiveOperator()).isFalse();
    s.insert(
        new ApiToken("tok_2", Role.OPERATOR, Optional.empty(), Set.of(), "", now, Optional.empty()),
        "c".repeat(64));
    assertThat(s.hasActiveOperator()).isTrue();
    assertThat(s.revoke("tok_2", now)).isTrue();
    assertThat(s.revoke("tok_2", now)).isFalse();
    assertThat(s.hasActiveOperator()).isFalse();
    assertThat(s.find("tok_2").orElseThrow().revokedAt()).contains(now);
    assertThat(s.list()).hasSize(2);

    assertThat(s.lastUsed()).isEmpty();
    s.touch("tok_1", now.plusSeconds(60));
    s.touch("tok_1", now.plusSeconds(30)); // an older touch (another node) never moves it back
    assertThat(s.lastUsed()).containsExactly(java.util.Map.entry("tok_1", now.plusSeconds(60)));
  }

  @Test
  void idempotencyKeysAreClaimedOnce() {
    JdbcIdempotencyStore s = new JdbcIdempotencyStore(db());
    assertThat(s.claim("tok_1", "k", "h1", now)).isTrue();
    assertThat(s.claim("tok_1", "k", "h2", now)).isFalse();
    assertThat(s.claim("tok_2", "k", "h1", now)).isTrue();
    s.complete("tok_1", "k", 201, "{\"id\":1}");
    assertThat(s.find("tok_1", "k").orElseThrow().response()).isEqualTo("{\"id\":1}");
    s.release("tok_2", "k");
    assertThat(s.find("tok_2", "k")).isEmpty();
  }

  @Test
  void catalogRejectsDuplicatesAndOptionsRoundTrip() {
    JdbcCatalog c = new JdbcCatalog(db());
    AssetType t = new AssetType("x-note", "0999", "notes", "Notes", true, false);
    assertThat(c.insert(t)).isTrue();
    assertThat(c.insert(t)).isFalse();
    assertThat(c.insert(new AssetType("y-note", "0999", "notes", "Notes", true, false))).isFalse();
    assertThat(c.find("x-note")).contains(t);

    JdbcAccountStore s = new JdbcAccountStore(db());
    Account a = newAccount();
    assertThat(s.find(a.id()).orElseThrow().searchEncryption()).isTrue();
    s.update(a.withSearchEncryption(false).withDropCalls(true));
    assertThat(s.find(a.id()).orElseThrow().searchEncryption()).isFalse();
    s.upsertUser(new User(a.id(), "b@example.com", true, now));
    s.upsertUser(new User(a.id(), "a@example.com", false, now));
    assertThat(s.listUsers(a.id()))
        .extracting(User::userId)
        .containsExactly("a@example.com", "b@example.com");
  }

  @Test
  void searchGrantsAreStoredOncePerKeyMarkedAndDeleted() {
    JdbcSearchGrantStore s = new JdbcSearchGrantStore(db());
    Account a = newAccount();
    SearchGrant primary =
        new SearchGrant(
            "sgr_1",
            a.id(),
            "key_1",
            "aws",
            "arn:aws:kms:eu-west-1:111122223333:key/mrk-1",
            "eu-west-1",
            false,
            "cmk-search-" + a.id() + "-key_1",
            "g".repeat(64),
            SearchGrant.Status.ACTIVE,
            "",
            now,
            now);
    SearchGrant replica =
        new SearchGrant(
            "sgr_2",
            a.id(),
            "key_1",
            "aws",
            "arn:aws:kms:eu-central-1:111122223333:key/mrk-1",
            "eu-central-1",
            true,
            primary.grantName(),
            "h".repeat(64),
            SearchGrant.Status.ACTIVE,
            "",
            now,
            now);
    assertThat(s.insert(primary)).isTrue();
    assertThat(s.insert(replica)).isTrue();
    // the same registration and key again (another node, a retry): not stored twice
    assertThat(
            s.insert(
                new SearchGrant(
                    "sgr_3",
                    a.id(),
                    "key_1",
                    "aws",
                    primary.keyId(),
                    "eu-west-1",
                    false,
                    primary.grantName(),
                    "x",
                    SearchGrant.Status.ACTIVE,
                    "",
                    now,
                    now)))
        .isFalse();
    assertThat(s.listForAccount(a.id())).containsExactly(primary, replica);
    assertThat(s.accountsWithGrants()).contains(a.id());

    SearchGrant pending =
        replica.pendingRevoke("NETWORK (SdkClientException): down", now.plusSeconds(1));
    s.update(pending);
    assertThat(s.listForAccount(a.id())).containsExactly(primary, pending);
    s.delete("sgr_2");
    s.delete("sgr_1");
    assertThat(s.listForAccount(a.id())).isEmpty();
    assertThat(s.accountsWithGrants()).doesNotContain(a.id());
    assertThat(s.wrapsKeks(a.id(), "aws", primary.keyId())).isFalse();
  }
}

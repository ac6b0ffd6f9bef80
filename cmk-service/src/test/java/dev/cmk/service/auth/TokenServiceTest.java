package dev.cmk.service.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.testkit.MutableClock;
import dev.cmk.service.CmkException;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.catalog.JdbcCatalog;
import dev.cmk.service.store.Database;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenServiceTest {
  @TempDir Path dir;
  Database db;
  TokenService tokens;
  Account account;
  MutableClock clock;

  @BeforeEach
  void setUp() {
    db = Database.open(Database.embedded(dir));
    SecureRandom random = new SecureRandom();
    clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
    var audit = new dev.cmk.service.audit.JdbcAuditLog(db, clock);
    AccountService accounts = new AccountService(new JdbcAccountStore(db), audit, clock, random);
    tokens =
        new TokenService(
            new JdbcTokenStore(db), accounts, new JdbcCatalog(db), audit, clock, random);
    account = accounts.create("Acme", null);
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  @Test
  void secretsAreRandomShownOnceAndOnlyTheirHashIsStored() {
    IssuedToken t =
        tokens.create(
            new TokenService.Spec(Role.ADMIN, Optional.of(account.id()), Set.of(), "sec"));
    assertThat(t.secret()).startsWith("cmk_").hasSizeGreaterThan(40);
    assertThat(t.toString()).doesNotContain(t.secret());
    assertThat(tokens.authenticate(t.secret())).contains(t.token());
    assertThat(tokens.authenticate(t.secret() + "x")).isEmpty();
    assertThat(tokens.authenticate("")).isEmpty();
    String stored =
        db.jdbi()
            .withHandle(
                h -> h.createQuery("select token_hash from api_tokens").mapTo(String.class).one());
    assertThat(stored).isEqualTo(TokenService.hash(t.secret())).doesNotContain(t.secret());
    tokens.revoke(t.token().id());
    assertThat(tokens.authenticate(t.secret())).isEmpty();
    assertThat(tokens.revoke(t.token().id()).revokedAt()).isPresent();
  }

  @Test
  void lastUseIsRecordedAtMostOnceAMinuteAndNeverForARefusedSecret() {
    IssuedToken t =
        tokens.create(
            new TokenService.Spec(Role.ADMIN, Optional.of(account.id()), Set.of(), "used"));
    assertThat(tokens.lastUsed()).doesNotContainKey(t.token().id());
    Instant first = clock.instant();
    tokens.authenticate(t.secret());
    assertThat(tokens.lastUsed()).containsEntry(t.token().id(), first);
    clock.advance(java.time.Duration.ofSeconds(30));
    tokens.authenticate(t.secret()); // within the minute: no write
    assertThat(tokens.lastUsed()).containsEntry(t.token().id(), first);
    clock.advance(java.time.Duration.ofSeconds(31));
    tokens.authenticate(t.secret());
    assertThat(tokens.lastUsed()).containsEntry(t.token().id(), clock.instant());
    tokens.revoke(t.token().id());
    Instant before = clock.instant();
    clock.advance(java.time.Duration.ofMinutes(5));
    assertThat(tokens.authenticate(t.secret())).isEmpty();
    assertThat(tokens.lastUsed()).containsEntry(t.token().id(), before);
  }

  @Test
  void rolesTakeTheRightScope() {
    assertThatThrownBy(
            () -> tokens.create(new TokenService.Spec(Role.ADMIN, Optional.empty(), Set.of(), "")))
        .isInstanceOf(CmkException.class);
    assertThatThrownBy(
            () ->
                tokens.create(
                    new TokenService.Spec(Role.ADMIN, Optional.of("acct_nope"), Set.of(), "")))
        .isInstanceOf(CmkException.class);
    assertThatThrownBy(
            () ->
                tokens.create(
                    new TokenService.Spec(Role.OPERATOR, Optional.of(account.id()), Set.of(), "")))
        .isInstanceOf(CmkException.class);
    ApiToken all =
        tokens
            .create(new TokenService.Spec(Role.SERVICE, Optional.empty(), Set.of("chat"), ""))
            .token();
    assertThat(all.coversAccount(account.id())).isTrue();
    assertThat(all.coversAccount("acct_other")).isTrue();
  }

  @Test
  void bootstrapOperatorOnlyWhenNoneExists() {
    assertThatThrownBy(() -> tokens.bootstrapOperator("short")).isInstanceOf(CmkException.class);
    String secret = "a-long-operator-secret-from-the-environment";
    assertThat(tokens.hasOperator()).isFalse();
    assertThat(tokens.bootstrapOperator(secret)).isTrue();
    assertThat(tokens.authenticate(secret).orElseThrow().role()).isEqualTo(Role.OPERATOR);
    assertThat(tokens.bootstrapOperator(secret)).isFalse();
    assertThat(tokens.list()).hasSize(1);
  }
}

package dev.cmk.service.search;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.kek.Kek;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.search.SearchIndexService.Hit;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The encrypted search index on H2 (DESIGN.md flow 8). */
class SearchIndexServiceTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    assertThat(f.keys.register(acct, "remote", "customer", List.of()).report().passed()).isTrue();
    acct = f.accounts.setSearchEncryption(acct.id(), true);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private SearchIndexService.Change index(String doc, String service, String... terms) {
    return f.search.index(acct.id(), doc, service, List.of(terms));
  }

  private List<String> query(String... terms) {
    return query(acct, terms);
  }

  private List<String> query(Account a, String... terms) {
    return f.search.query(a.id(), List.of(terms)).hits().stream().map(Hit::documentId).toList();
  }

  @Test
  void indexQueryAndRemoveRoundTripUnderTheCustomersKey() {
    SearchIndexService.Change c = index("d1", "chat", "Hello", "World");
    index("d2", "mail", "hello", "there");
    assertThat(c.protection()).isEqualTo(Protection.CMK);
    assertThat(c.existed()).isFalse();
    Kek kek = f.keks.find(c.kekId()).orElseThrow();
    assertThat(kek.serviceId()).isEqualTo("0017");
    assertThat(kek.root().toString()).isEqualTo("remote:customer");

    assertThat(f.search.query(acct.id(), List.of("HELLO")).hits())
        .containsExactly(new Hit("d1", "chat"), new Hit("d2", "mail"));
    assertThat(query("hello", "world")).containsExactly("d1");
    assertThat(query("world", "there")).isEmpty();
    assertThat(query("nowhere")).isEmpty();

    assertThat(f.search.remove(acct.id(), "d1").existed()).isTrue();
    assertThat(f.search.remove(acct.id(), "d1").existed()).isFalse();
    assertThat(query("hello")).containsExactly("d2");
    assertThat(query("world")).isEmpty();

    // re-indexing replaces the document's terms
    assertThat(index("d2", "mail", "other").existed()).isTrue();
    assertThat(query("hello")).isEmpty();
    assertThat(query("other")).containsExactly("d2");
  }

  @Test
  void termsAreNormalizedNfkcLowerCaseAndTrimmed() {
    // surrounding white space is trimmed (U+3000 too); a control character (a tab) is refused, as
    // the OpenAPI pattern says (SearchTermsTest)
    index("d1", "docs", "  ＨＥＬＬＯ\u3000", "Straße", "ﬁle");
    assertThat(query("hello")).containsExactly("d1");
    assertThat(query("STRASSE")).isEmpty(); // exact match after normalization, no case folding
    assertThat(query("straße")).containsExactly("d1");
    assertThat(query("file")).containsExactly("d1");
  }

  @Test
  void storedRowsHoldNoPlaintextTermOrDocumentId() throws Exception {
    index("secret-doc-4711", "chat", "confidentialword", "Überraschung");
    index("other-doc-0815", "mail", "confidentialword");
    f.search.remove(acct.id(), "other-doc-0815");
    index("other-doc-0815", "mail", "anotherword");
    String dump = dumpTables("search_indexes", "search_postings", "search_documents");
    assertThat(dump).isNotEmpty();
    for (String secret :
        List.of(
            "secret-doc-4711",
            "other-doc-0815",
            "confidentialword",
            "anotherword",
            "überraschung",
            "berraschung")) {
      assertThat(dump).doesNotContainIgnoringCase(secret);
    }
  }

  @Test
  void theSameTermHashesDifferentlyInTwoAccounts() throws Exception {
    Account other = f.accounts.create("Other", null);
    index("d1", "chat", "samewords");
    f.search.index(other.id(), "d1", "chat", List.of("samewords"));
    Set<String> mine = termHashes(acct);
    Set<String> theirs = termHashes(other);
    assertThat(mine).hasSize(1);
    assertThat(theirs).hasSize(1);
    assertThat(mine).doesNotContainAnyElementsOf(theirs);
    assertThat(query(other, "samewords")).containsExactly("d1");
  }

  @Test
  void aPostingListSwappedBetweenTwoTermsFailsToDecrypt() throws Exception {
    index("d1", "chat", "alpha");
    index("d2", "chat", "beta");
    List<String> hashes = new ArrayList<>(termHashes(acct));
    try (Connection c = f.db.dataSource().getConnection()) {
      byte[] first = envelope(c, acct, hashes.get(0));
      byte[] second = envelope(c, acct, hashes.get(1));
      setEnvelope(c, acct, hashes.get(0), second);
      setEnvelope(c, acct, hashes.get(1), first);
    }
    assertCode(() -> query("alpha"), ErrorCode.DECRYPTION_FAILED);
    assertCode(() -> query("beta"), ErrorCode.DECRYPTION_FAILED);
    // a write to a tampered term is refused rather than overwriting it
    assertCode(() -> index("d3", "chat", "alpha"), ErrorCode.DECRYPTION_FAILED);
  }

  @Test
  void aPostingListMovedToAnotherAccountFailsToDecrypt() throws Exception {
    Account other = f.accounts.create("Other", null);
    index("d1", "chat", "alpha");
    f.search.index(other.id(), "d9", "chat", List.of("alpha"));
    String mine = termHashes(acct).iterator().next();
    String theirs = termHashes(other).iterator().next();
    try (Connection c = f.db.dataSource().getConnection()) {
      // the whole row, with its KEK and index ids, moved to the other account's term
      try (PreparedStatement st =
          c.prepareStatement(
              "update search_postings set envelope = (select envelope from search_postings where"
                  + " account_id = ? and term_hash = ?) where account_id = ? and term_hash = ?")) {
        st.setString(1, acct.id());
        st.setString(2, mine);
        st.setString(3, other.id());
        st.setString(4, theirs);
        assertThat(st.executeUpdate()).isEqualTo(1);
      }
    }
    assertCode(() -> query(other, "alpha"), ErrorCode.DECRYPTION_FAILED);
    assertThat(query("alpha")).containsExactly("d1");
  }

  @Test
  void revokingTheKeyStopsSearchAndIndexing() throws Exception {
    index("d1", "chat", "alpha");
    assertThat(query("alpha")).containsExactly("d1");
    String before = dumpTables("search_postings", "search_documents");

    f.remote.setMode(Mode.DISABLED);
    f.revocation.revoke(acct.id());

    for (Executable call :
        List.<Executable>of(
            () -> query("alpha"),
            () -> index("d2", "chat", "beta"),
            () -> f.search.remove(acct.id(), "d1"))) {
      assertThatThrownBy(call::execute)
          .isInstanceOfSatisfying(
              CmkException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.KEY_REVOKED);
                // the account id is random hex and may itself contain "d1"
                assertThat(e.getMessage().replace(acct.id(), "acct"))
                    .doesNotContain("alpha")
                    .doesNotContain("d1");
              });
    }
    assertThat(dumpTables("search_postings", "search_documents")).isEqualTo(before);

    // the customer enables the key again and the admin lifts the revocation: search works again
    f.remote.setMode(Mode.UP);
    f.revocation.lift(dev.cmk.service.audit.Caller.system("test"), acct.id());
    assertThat(query("alpha")).containsExactly("d1");
  }

  @Test
  void anUnavailableKeyRefusesWritesWithKeyUnavailableWhenFallbackIsOff() throws Exception {
    index("d1", "chat", "alpha");
    f.remote.setDown(true);
    // while the KEK is cached, search goes on, as content reads do
    assertThat(query("alpha")).containsExactly("d1");
    f.clock.advance(Duration.ofMinutes(6)); // the cached KEK expired
    String before = dumpTables("search_postings", "search_documents");
    assertThatThrownBy(() -> index("d2", "chat", "beta"))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
              assertThat(e.details()).containsEntry("reason", "network");
              assertThat(e.getMessage()).contains("nothing was changed");
            });
    assertCode(() -> query("alpha"), ErrorCode.KEY_UNAVAILABLE);
    assertThat(dumpTables("search_postings", "search_documents")).isEqualTo(before);
  }

  @Test
  void withFallbackOnTheIndexStillNeverUsesTheBackupKey() throws Exception {
    acct = f.setOptions(acct, true, false).withSearchEncryption(true);
    f.accountStore.update(acct);
    index("d1", "chat", "alpha");
    f.remote.setDown(true);
    f.clock.advance(Duration.ofMinutes(6));
    String before = dumpTables("search_postings", "search_documents", "search_indexes");
    assertThatThrownBy(() -> index("d2", "chat", "beta"))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
              assertThat(e.getMessage()).contains("never falls back to the backup key");
            });
    assertThat(dumpTables("search_postings", "search_documents", "search_indexes"))
        .isEqualTo(before);
    try (Connection c = f.db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select count(*) from keks where service_id = '0017' and protection = 'FALLBACK'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
    // a new account without an index cannot start one either
    f.remote.setDown(false);
  }

  @Test
  void withoutSearchEncryptionThePlatformKeyProtectsTheIndexAndTurningItOnStartsANewOne() {
    Account plain = f.accounts.create("Plain", null);
    f.keys.register(plain, "remote", "customer2", List.of());
    SearchIndexService.Change c = f.search.index(plain.id(), "d1", "chat", List.of("alpha"));
    assertThat(c.protection()).isEqualTo(Protection.PLATFORM);
    assertThat(f.keks.find(c.kekId()).orElseThrow().root().toString()).isEqualTo("local:platform");
    assertThat(query(plain, "alpha")).containsExactly("d1");

    f.accounts.setSearchEncryption(plain.id(), true);
    assertThat(query(plain, "alpha")).as("the platform-key index is not served any more").isEmpty();
    SearchIndexService.Change d = f.search.index(plain.id(), "d2", "chat", List.of("alpha"));
    assertThat(d.protection()).isEqualTo(Protection.CMK);
    assertThat(f.keks.find(d.kekId()).orElseThrow().root().toString())
        .isEqualTo("remote:customer2");
    assertThat(query(plain, "alpha")).containsExactly("d2");
  }

  @Test
  void badInputIsRejectedWithStableCodesAndNamesNoDocumentId() {
    assertCode(() -> f.search.index(acct.id(), "d1", "chat", List.of()), ErrorCode.INVALID_REQUEST);
    assertCode(() -> index("d1", "chat", "   "), ErrorCode.INVALID_REQUEST);
    assertCode(() -> index("d1", "chat", "x".repeat(129)), ErrorCode.INVALID_REQUEST);
    assertCode(() -> index("d1", "chat", "a\u0000b"), ErrorCode.INVALID_REQUEST);
    assertCode(
        () -> f.search.index(acct.id(), "d1", "chat", Collections.nCopies(1001, "t")),
        ErrorCode.INVALID_REQUEST);
    assertCode(
        () -> f.search.index(acct.id(), "d1", "chat", java.util.Arrays.asList("a", null)),
        ErrorCode.INVALID_REQUEST);
    assertCode(() -> index("d1", "no-such-service", "alpha"), ErrorCode.INVALID_REQUEST);
    assertCode(() -> index("d1", null, "alpha"), ErrorCode.INVALID_REQUEST);
    assertCode(
        () -> f.search.index("acct_missing", "d1", "chat", List.of("a")),
        ErrorCode.ACCOUNT_NOT_FOUND);
    assertCode(
        () -> f.search.query(acct.id(), Collections.nCopies(17, "t")), ErrorCode.INVALID_REQUEST);
    assertThatThrownBy(() -> index("../secret-id", "chat", "alpha"))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ID);
              assertThat(e.getMessage()).doesNotContain("secret-id");
            });
    assertThatThrownBy(() -> index("d1", "chat", "ok", "y".repeat(200)))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.getMessage()).doesNotContain("yyyy"));
    assertThat(query("alpha")).isEmpty();
  }

  @Test
  void aTermMayNotGrowPastItsDocumentLimit() {
    f.close();
    f = ServiceFixture.h2(dir);
    SearchIndexService small =
        new SearchIndexService(
            f.accounts,
            f.catalog,
            f.keys,
            f.keks,
            new dev.cmk.service.search.JdbcSearchIndexStore(f.db, f.clock),
            dev.cmk.provider.KeyRef.of("local", "platform"),
            new SearchIndexService.Config(10, 16, 4, 2, 5),
            f.audit,
            f.clock,
            new java.security.SecureRandom());
    small.index(acct.id(), "d1", "chat", List.of("common"));
    small.index(acct.id(), "d2", "chat", List.of("common"));
    assertCode(
        () -> small.index(acct.id(), "d3", "chat", List.of("common", "rare")),
        ErrorCode.CONTENT_TOO_LARGE);
    assertThat(
            small.query(acct.id(), List.of("rare")).hits().stream().map(Hit::documentId).toList())
        .as("nothing of the refused document was stored")
        .isEmpty();
    assertThat(small.index(acct.id(), "d2", "chat", List.of("common", "rare")).existed()).isTrue();
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static void assertCode(Executable call, ErrorCode code) {
    assertThatThrownBy(call::execute)
        .isInstanceOfSatisfying(CmkException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  private Set<String> termHashes(Account a) throws Exception {
    Set<String> out = new TreeSet<>();
    try (Connection c = f.db.dataSource().getConnection();
        PreparedStatement st =
            c.prepareStatement("select term_hash from search_postings where account_id = ?")) {
      st.setString(1, a.id());
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  private static byte[] envelope(Connection c, Account a, String hash) throws Exception {
    try (PreparedStatement st =
        c.prepareStatement(
            "select envelope from search_postings where account_id = ? and term_hash = ?")) {
      st.setString(1, a.id());
      st.setString(2, hash);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getBytes(1);
      }
    }
  }

  private static void setEnvelope(Connection c, Account a, String hash, byte[] env)
      throws Exception {
    try (PreparedStatement st =
        c.prepareStatement(
            "update search_postings set envelope = ? where account_id = ? and term_hash = ?")) {
      st.setBytes(1, env);
      st.setString(2, a.id());
      st.setString(3, hash);
      assertThat(st.executeUpdate()).isEqualTo(1);
    }
  }

  /** Every column of every row, as text (bytes as Latin-1 and as UTF-8). */
  private String dumpTables(String... tables) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Connection c = f.db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      for (String t : tables) {
        try (ResultSet rs = st.executeQuery("select * from " + t + " order by 1, 2")) {
          int n = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            for (int i = 1; i <= n; i++) {
              Object v = rs.getObject(i);
              if (v instanceof byte[] b) {
                out.append(new String(b, ISO_8859_1)).append('|').append(new String(b, UTF_8));
              } else {
                out.append(v);
              }
              out.append('\t');
            }
            out.append('\n');
          }
        }
      }
    }
    return out.toString();
  }
}

package dev.cmk.service.search;

import dev.cmk.crypto.DecryptionFailedException;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.content.ProtectionPolicy;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.kek.KekService.KekLease;
import dev.cmk.service.kek.KeyErrors;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.search.IndexCodec.DocumentEntry;
import dev.cmk.service.search.SearchIndexStore.ConcurrentChangeException;
import dev.cmk.service.search.SearchIndexStore.Index;
import dev.cmk.service.search.SearchIndexStore.Sealed;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The encrypted search index (DESIGN.md flow 8). Terms are stored only as keyed hashes and posting
 * lists only encrypted, under keys derived from one KEK of the account's {@code search-index} asset
 * type (service id 0017): with search encryption on (and an active key) that KEK is wrapped by the
 * customer's key, otherwise by the platform key, chosen as content protection is chosen.
 *
 * <p>Revoking or losing the customer's key stops search: index, remove and query all need the index
 * KEK, and fail with the same {@code key_refused} / {@code key_unavailable} errors content gives.
 * Unlike content writes, index writes never fall back to the backup key: every term hash is made
 * with a key derived from the customer-protected KEK, and every change decrypts the existing
 * posting list first, so a write cannot be done without that KEK; keeping a backup-key copy of it
 * would let the platform search without the customer's key. While the KEK is still cached on the
 * node, writes and queries go on, as content does.
 *
 * <p>The account's index is started on its first write with the protection the account asks for;
 * when that changes (search encryption turned on or off, a first active key), the next write starts
 * a new, empty index and deletes the old one's rows: old terms cannot be re-hashed without the
 * plaintext terms, which are never stored, so the search service indexes its documents again.
 * Queries in between find nothing.
 *
 * <p><b>Security:</b> terms and document ids never appear in logs, exceptions or stored rows.
 */
public final class SearchIndexService {
  public static final String ASSET_TYPE = "search-index";
  private static final String SEARCH = "search";

  /**
   * Bounds on one request and one posting list.
   *
   * @param maxAttempts how often a change is tried when other writers changed its rows first
   */
  public record Config(
      int maxTermsPerDocument,
      int maxTermLength,
      int maxQueryTerms,
      int maxDocumentsPerTerm,
      int maxAttempts) {
    public Config {
      if (maxTermsPerDocument < 1
          || maxTermLength < 1
          || maxQueryTerms < 1
          || maxDocumentsPerTerm < 1
          || maxAttempts < 1) {
        throw new IllegalArgumentException("search index bounds must be positive");
      }
    }

    public static Config defaults() {
      return new Config(1000, 128, 16, 100_000, 100);
    }
  }

  /** A document a query found, and the service it belongs to. */
  public record Hit(String documentId, String service) {
    @Override
    public String toString() {
      return "Hit[redacted, " + service + "]";
    }
  }

  /** What an index or remove call changed. */
  public record Change(int terms, Protection protection, String kekId, boolean existed) {}

  /** What a query found, and under which protection the index is. */
  public record Result(List<Hit> hits, Optional<Protection> protection) {}

  private final AccountService accounts;
  private final Catalog catalog;
  private final KeyService keys;
  private final KekService keks;
  private final SearchIndexStore store;
  private final KeyRef platformKey;
  private final Config config;
  private final Clock clock;
  private final SecureRandom random;
  private final AuditLog audit;

  public SearchIndexService(
      AccountService accounts,
      Catalog catalog,
      KeyService keys,
      KekService keks,
      SearchIndexStore store,
      KeyRef platformKey,
      Config config,
      AuditLog audit,
      Clock clock,
      SecureRandom random) {
    this.accounts = accounts;
    this.catalog = catalog;
    this.keys = keys;
    this.keks = keks;
    this.store = store;
    this.platformKey = platformKey;
    this.config = config;
    this.clock = clock;
    this.audit = audit;
    this.random = random;
  }

  /**
   * Indexes a document under {@code terms}, replacing what it was indexed under before.
   *
   * @param service the platform service the document belongs to (a service of the catalog)
   */
  public Change index(String accountId, String documentId, String service, List<String> terms) {
    return index(Caller.system("search"), accountId, documentId, service, terms);
  }

  /**
   * {@link #index(String, String, String, List)} for {@code caller}. Audited with the change; the
   * record names the document by its keyed hash and counts the terms, it never holds either.
   */
  public Change index(
      Caller caller, String accountId, String documentId, String service, List<String> terms) {
    Account account = accounts.require(accountId);
    SearchTerms.requireDocumentId(documentId);
    requireKnownService(service);
    AuditEvent event =
        AuditEvent.of(accountId, caller, Actions.SEARCH_INDEX)
            .withTarget(ASSET_TYPE, "")
            .withDetail("service", service);
    try {
      SortedSet<String> normalized =
          SearchTerms.normalize(terms, config.maxTermsPerDocument(), config.maxTermLength());
      try (IndexKeys k = keysForWrite(account)) {
        SortedSet<String> hashes = new TreeSet<>();
        normalized.forEach(t -> hashes.add(k.termHash(t)));
        AuditEvent done = used(event, k, documentId).withDetail("terms", "" + hashes.size());
        boolean existed =
            change(k, documentId, Optional.of(new DocumentEntry(service, hashes)), done);
        return new Change(hashes.size(), k.index().protection(), k.index().kekId(), existed);
      }
    } catch (RuntimeException e) {
      audit.recordFailure(event, e);
      throw e;
    }
  }

  private static AuditEvent used(AuditEvent e, IndexKeys k, String documentId) {
    AuditEvent out = e.withKey(k.root()).withKek(k.index().kekId(), k.index().protection().name());
    return documentId.isEmpty() ? out : out.withTarget(ASSET_TYPE, k.docHash(documentId));
  }

  /** Removes a document from the index; removing one that is not indexed changes nothing. */
  public Change remove(String accountId, String documentId) {
    return remove(Caller.system("search"), accountId, documentId);
  }

  /** {@link #remove(String, String)} for {@code caller}; audited like an index change. */
  public Change remove(Caller caller, String accountId, String documentId) {
    Account account = accounts.require(accountId);
    SearchTerms.requireDocumentId(documentId);
    AuditEvent event =
        AuditEvent.of(accountId, caller, Actions.SEARCH_REMOVE).withTarget(ASSET_TYPE, "");
    try {
      Optional<Index> current = store.findIndex(accountId);
      if (current.isEmpty()) {
        audit.record(event.withDetail("existed", "false"));
        return new Change(0, wanted(account).protection(), "", false);
      }
      try (IndexKeys k = keysForRead(current.get(), "remove a document from the search index")) {
        boolean existed = change(k, documentId, Optional.empty(), used(event, k, documentId));
        return new Change(0, k.index().protection(), k.index().kekId(), existed);
      }
    } catch (RuntimeException e) {
      audit.recordFailure(event, e);
      throw e;
    }
  }

  /** The documents indexed under every one of {@code terms} (exact match of normalized terms). */
  public Result query(String accountId, List<String> terms) {
    return query(Caller.system("search"), accountId, terms);
  }

  /**
   * {@link #query(String, List)} for {@code caller}; audited with the number of terms and hits,
   * never the terms.
   */
  public Result query(Caller caller, String accountId, List<String> terms) {
    accounts.require(accountId);
    AuditEvent event =
        AuditEvent.of(accountId, caller, Actions.SEARCH_QUERY)
            .withTarget(ASSET_TYPE, "")
            .withDetail("terms", Integer.toString(terms.size()));
    try {
      return queryIndex(accountId, terms, event);
    } catch (RuntimeException e) {
      audit.recordFailure(event, e);
      throw e;
    }
  }

  private Result queryIndex(String accountId, List<String> terms, AuditEvent event) {
    Account account = accounts.require(accountId);
    SortedSet<String> normalized =
        SearchTerms.normalize(terms, config.maxQueryTerms(), config.maxTermLength());
    Optional<Index> current = store.findIndex(accountId);
    if (current.isEmpty() || current.get().protection() != wanted(account).protection()) {
      audit.record(event.withDetail("hits", "0"));
      return new Result(List.of(), Optional.empty());
    }
    try (IndexKeys k = keysForRead(current.get(), SEARCH)) {
      List<String> hashes = normalized.stream().map(k::termHash).toList();
      Map<String, Sealed> rows = store.postings(accountId, hashes);
      SortedMap<String, String> found = null; // stays null only for no terms, which are refused
      for (String h : hashes) {
        Sealed row = rows.get(h);
        SortedMap<String, String> docs =
            row == null || !k.owns(row) ? new TreeMap<>() : decodePostings(k, h, row);
        if (found == null) {
          found = docs;
        } else {
          found.keySet().retainAll(docs.keySet());
        }
        if (found.isEmpty()) {
          break;
        }
      }
      List<Hit> hits = new ArrayList<>();
      if (found != null) {
        found.forEach((doc, svc) -> hits.add(new Hit(doc, svc)));
      }
      audit.record(used(event, k, "").withDetail("hits", Integer.toString(hits.size())));
      return new Result(hits, Optional.of(k.index().protection()));
    }
  }

  // ---- one change, retried when another writer was first -------------------------------------

  /**
   * Replaces the document's entry (empty: removes it) and moves it between posting lists, in one
   * transaction; returns whether the document was indexed before.
   */
  private boolean change(
      IndexKeys k, String documentId, Optional<DocumentEntry> next, AuditEvent done) {
    String docHash = k.docHash(documentId);
    for (int attempt = 1; ; attempt++) {
      try {
        return store.inTransaction(
            tx -> {
              boolean existed = apply(tx, k, documentId, docHash, next);
              audit.record(done.withDetail("existed", Boolean.toString(existed)));
              return existed;
            });
      } catch (ConcurrentChangeException e) {
        if (attempt >= config.maxAttempts()) {
          throw new CmkException(
              ErrorCode.CONFLICT,
              "the search index of account "
                  + k.index().accountId()
                  + " is being changed by too many writers at once; nothing was changed, retry",
              Map.of("attempts", attempt));
        }
        // back off a little, with jitter, so the writers of a popular term spread out
        LockSupport.parkNanos(
            ThreadLocalRandom.current().nextLong(100_000, 1_000_000L * Math.min(attempt, 20)));
      }
    }
  }

  private boolean apply(
      SearchIndexStore.Tx tx,
      IndexKeys k,
      String documentId,
      String docHash,
      Optional<DocumentEntry> next) {
    String accountId = k.index().accountId();
    Optional<Sealed> docRow = tx.lockDocument(accountId, docHash);
    Optional<DocumentEntry> before = docRow.filter(k::owns).map(r -> decodeDocument(k, docHash, r));
    SortedSet<String> affected = new TreeSet<>();
    before.ifPresent(b -> affected.addAll(b.termHashes()));
    next.ifPresent(n -> affected.addAll(n.termHashes()));
    Map<String, Sealed> rows = tx.lockPostings(accountId, affected);
    for (String h : affected) {
      Optional<Sealed> row = Optional.ofNullable(rows.get(h));
      SortedMap<String, String> docs =
          row.filter(k::owns).map(r -> decodePostings(k, h, r)).orElseGet(TreeMap::new);
      docs.remove(documentId);
      if (next.isPresent() && next.get().termHashes().contains(h)) {
        docs.put(documentId, next.get().service());
        if (docs.size() > config.maxDocumentsPerTerm()) {
          throw new CmkException(
              ErrorCode.CONTENT_TOO_LARGE,
              "a term of this document is already indexed for "
                  + config.maxDocumentsPerTerm()
                  + " documents, the most one term may have; nothing was changed",
              Map.of("maxDocumentsPerTerm", config.maxDocumentsPerTerm()));
        }
      }
      if (docs.isEmpty()) {
        if (row.isPresent()) {
          tx.deletePosting(accountId, h, row.get());
        }
      } else {
        tx.putPosting(accountId, h, row, k.sealPosting(h, IndexCodec.encodePostings(docs)));
      }
    }
    if (next.isPresent()) {
      tx.putDocument(
          accountId,
          docHash,
          docRow,
          k.sealDocument(docHash, IndexCodec.encodeDocument(next.get())));
    } else if (docRow.isPresent()) {
      tx.deleteDocument(accountId, docHash, docRow.get());
    }
    return before.isPresent();
  }

  private SortedMap<String, String> decodePostings(IndexKeys k, String termHash, Sealed row) {
    return decrypt(k, () -> IndexCodec.decodePostings(k.openPosting(termHash, row)));
  }

  private DocumentEntry decodeDocument(IndexKeys k, String docHash, Sealed row) {
    return decrypt(k, () -> IndexCodec.decodeDocument(k.openDocument(docHash, row)));
  }

  private static <T> T decrypt(IndexKeys k, java.util.function.Supplier<T> open) {
    try {
      return open.get();
    } catch (DecryptionFailedException | BadCiphertextException | IllegalArgumentException e) {
      throw new CmkException(
          ErrorCode.DECRYPTION_FAILED,
          "decryption failed: an entry of the search index of account "
              + k.index().accountId()
              + " did not authenticate; its stored bytes were altered or belong to another term,"
              + " document or account",
          Map.of("accountId", k.index().accountId(), "indexId", k.index().indexId()));
    }
  }

  // ---- keys -----------------------------------------------------------------------------------

  /** The protection the account asks for now, and the root key that gives it. */
  private record Wanted(Protection protection, KeyRef root) {}

  private Wanted wanted(Account account) {
    AssetType type = catalog.require(ASSET_TYPE);
    Optional<CustomerKey> active = keys.activeKey(account.id());
    // search encryption plays the part a user's CMK license plays for content
    Protection p = ProtectionPolicy.choose(type, account.searchEncryption(), active.isPresent());
    return new Wanted(p, p == Protection.CMK ? active.orElseThrow().ref() : platformKey);
  }

  /** The keys of the account's index, starting a new index when the protection asked changed. */
  private IndexKeys keysForWrite(Account account) {
    Wanted w = wanted(account);
    Optional<Index> current = store.findIndex(account.id());
    if (current.isPresent() && current.get().protection() == w.protection()) {
      return keysForRead(current.get(), "index a document");
    }
    AssetType type = catalog.require(ASSET_TYPE);
    KekLease kek;
    try {
      kek = keks.forWrite(account.id(), type.serviceId(), w.protection(), w.root());
    } catch (ProviderException e) {
      throw keyError(account, e, "start the search index", Optional.of(w.root()), Optional.empty());
    }
    Index next =
        new Index(
            account.id(),
            Ids.newId("sidx", random),
            kek.kek().id(),
            w.protection(),
            clock.instant());
    Index stored = store.replaceIndex(current, next);
    if (!stored.kekId().equals(kek.kek().id())) {
      kek.close();
      return keysForRead(stored, "index a document");
    }
    return new IndexKeys(stored, kek, random);
  }

  private IndexKeys keysForRead(Index index, String action) {
    try {
      return new IndexKeys(index, keks.forRead(index.kekId()), random);
    } catch (ProviderException e) {
      Account account = accounts.require(index.accountId());
      throw keyError(
          account,
          e,
          action,
          keks.find(index.kekId()).map(kk -> kk.root()),
          Optional.of(index.kekId()));
    }
  }

  private static CmkException keyError(
      Account account,
      ProviderException e,
      String action,
      Optional<KeyRef> root,
      Optional<String> kekId) {
    CmkException base = KeyErrors.of(account.id(), e, action);
    Map<String, Object> details = new LinkedHashMap<>(base.details());
    root.ifPresent(r -> details.put("keyId", r.toString()));
    kekId.ifPresent(id -> details.put("kekId", id));
    String hint = "";
    if (e instanceof KeyUnavailableException && !action.equals(SEARCH)) {
      hint =
          account.fallbackEnabled()
              ? "; nothing was changed: the search index never falls back to the backup key (its"
                  + " term hashes need the customer's key)"
              : "; nothing was changed";
    }
    return new CmkException(base.code(), base.getMessage() + hint, details, e);
  }

  private void requireKnownService(String service) {
    SearchTerms.requireService(service);
    if (catalog.list().stream().noneMatch(t -> t.service().equals(service))) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "service '" + service + "' is not a service of the catalog; GET /v1/catalog lists them");
    }
  }
}

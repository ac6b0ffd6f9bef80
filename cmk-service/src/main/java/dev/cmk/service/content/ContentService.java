package dev.cmk.service.content;

import dev.cmk.crypto.AesGcm;
import dev.cmk.crypto.ContentEnvelope;
import dev.cmk.crypto.DecryptionFailedException;
import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
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
import dev.cmk.service.blob.BlobStore;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.kek.Kek;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.kek.KekService.KekLease;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.KeyService;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Writes and reads content: chooses the protection (flow 2), gets the KEK, wraps a fresh DEK,
 * encrypts, stores blob then row (flow 3 in reverse for reads).
 *
 * <p>If the customer's key fails a write, {@link FallbackPolicy} decides from the failure and the
 * account's fallback switch and mode: the write goes under the platform's backup key (and why is
 * recorded in {@link FallbackWrites} with the object), or it is refused with {@code
 * key_unavailable} / {@code key_refused} and nothing is stored. Reads never fall back.
 */
public final class ContentService {
  private final AccountService accounts;
  private final Catalog catalog;
  private final KeyService keys;
  private final KekService keks;
  private final ObjectStore objects;
  private final BlobStore blobs;
  private final ContentConfig config;
  private final Clock clock;
  private final SecureRandom random;
  private final AuditLog audit;
  private volatile FallbackWrites fallbackWrites = FallbackWrites.none();

  public ContentService(
      AccountService accounts,
      Catalog catalog,
      KeyService keys,
      KekService keks,
      ObjectStore objects,
      BlobStore blobs,
      ContentConfig config,
      AuditLog audit,
      Clock clock,
      SecureRandom random) {
    this.accounts = accounts;
    this.catalog = catalog;
    this.keys = keys;
    this.keks = keks;
    this.objects = objects;
    this.blobs = blobs;
    this.config = config;
    this.clock = clock;
    this.audit = audit;
    this.random = random;
  }

  /** Where the causes of fallback writes are kept (the composition root sets the store). */
  public void setFallbackWrites(FallbackWrites writes) {
    this.fallbackWrites = writes;
  }

  /** Why an object was written under the backup key, if it was. */
  public Optional<FallbackWrites.Entry> fallbackCause(String accountId, String objectId) {
    return fallbackWrites.find(accountId, objectId);
  }

  /** Where the platform's own keys are, and how large one object may be. */
  public record ContentConfig(KeyRef platformKey, KeyRef backupKey, long maxContentBytes) {}

  /** A stored object and its plaintext. */
  public record Content(StoredObject object, byte[] plaintext) {}

  /**
   * Protects and stores {@code plaintext}.
   *
   * @param objectId the caller's id for the object, or empty to have one made
   * @param ownerUserId the user whose license decides (the organizer for meeting assets)
   */
  public StoredObject put(
      String accountId,
      String assetTypeName,
      String ownerUserId,
      Optional<String> objectId,
      byte[] plaintext) {
    return put(
        Caller.system("content"), accountId, assetTypeName, ownerUserId, objectId, plaintext);
  }

  /**
   * Protects and stores {@code plaintext} for {@code caller}. The write is audited: its row commits
   * with the object's row; a write refused after the account and ids were checked leaves a row of
   * its own, with the key it wanted and the reason.
   */
  public StoredObject put(
      Caller caller,
      String accountId,
      String assetTypeName,
      String ownerUserId,
      Optional<String> objectId,
      byte[] plaintext) {
    Account account = accounts.requireForUse(accountId);
    AssetType type = catalog.require(Ids.require("asset type", assetTypeName));
    if (Catalog.OWN_API_ONLY.contains(type.name())) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "asset type '" + type.name() + "' is written through its own API, not the content API");
    }
    Ids.requireUser(ownerUserId);
    String id =
        objectId.map(o -> Ids.require("object id", o)).orElseGet(() -> Ids.newId("obj", random));
    AuditEvent event =
        AuditEvent.of(accountId, caller, Actions.CONTENT_WRITE)
            .withTarget(type.name(), id)
            .withUser(ownerUserId);
    Optional<CustomerKey> active = Optional.empty();
    Protection wanted = Protection.PLATFORM;
    boolean chosen = false;
    try {
      checkSize(plaintext);
      if (objects.find(accountId, id).isPresent()) {
        throw new CmkException(
            ErrorCode.CONFLICT, "object '" + id + "' already exists in account " + accountId);
      }
      active = keys.activeKeyForUse(accountId);
      wanted =
          ProtectionPolicy.choose(
              type, accounts.isLicensed(accountId, ownerUserId), active.isPresent());
      chosen = true;
      try {
        return write(account, type, ownerUserId, id, wanted, active, plaintext, event);
      } catch (ObjectStore.UnknownKekException stale) {
        // Another node's recovery deleted a fallback KEK this node still had cached: drop the
        // account's cached KEKs and write once more under a current one.
        keks.purgeAccount(accountId);
        return write(account, type, ownerUserId, id, wanted, active, plaintext, event);
      }
    } catch (RuntimeException e) {
      // a write refused before its protection was chosen (size, conflict) used no key
      KeyRef root = wanted == Protection.CMK ? active.orElseThrow().ref() : config.platformKey();
      audit.recordFailure(chosen ? event.withKey(root).withKek("", wanted.name()) : event, e);
      throw e;
    }
  }

  private StoredObject write(
      Account account,
      AssetType type,
      String ownerUserId,
      String id,
      Protection wanted,
      Optional<CustomerKey> active,
      byte[] plaintext,
      AuditEvent event) {
    String accountId = account.id();
    WriteKek chosen = kekForWrite(account, type, wanted, active);
    try (KekLease kek = chosen.lease()) {
      byte[] aad = ContentAad.of(accountId, type.name(), id);
      byte[] envelope;
      try (SecretKeyMaterial dek = SecretKeyMaterial.random(random)) {
        byte[] wrappedDek = AesGcm.seal(kek.key(), dek.copyBytes(), aad, random);
        envelope = ContentEnvelope.seal(dek, kek.kek().id(), wrappedDek, aad, plaintext, random);
      }
      StoredObject row =
          new StoredObject(
              accountId,
              id,
              type.name(),
              ownerUserId,
              kek.kek().id(),
              kek.kek().protection(),
              plaintext.length,
              clock.instant());
      AuditEvent written =
          event.withKey(kek.kek().root()).withKek(kek.kek().id(), kek.kek().protection().name());
      Optional<FallbackWrites.Entry> cause = Optional.empty();
      if (chosen.fallback().isPresent()) {
        FallbackPolicy.Decision d = chosen.fallback().get();
        written =
            written
                .withDetail("fallbackCause", d.cause())
                .withDetail("fallbackReason", d.reason())
                .withDetail("fallbackMode", d.mode().name());
        cause =
            Optional.of(
                new FallbackWrites.Entry(
                    accountId,
                    id,
                    kek.kek().id(),
                    d.cause(),
                    d.reason(),
                    d.providerCode(),
                    d.mode(),
                    row.createdAt()));
      }
      store(row, envelope, written, cause);
      return row;
    }
  }

  /** Reads and decrypts an object. */
  public Content get(String accountId, String assetTypeName, String objectId) {
    return get(Caller.system("content"), accountId, assetTypeName, objectId);
  }

  /**
   * Reads and decrypts an object for {@code caller}. Every read of an existing account is audited,
   * with the KEK and key that served it or the reason it was refused.
   */
  public Content get(Caller caller, String accountId, String assetTypeName, String objectId) {
    accounts.requireForUse(accountId);
    Ids.require("object id", objectId);
    AuditEvent event =
        AuditEvent.of(accountId, caller, Actions.CONTENT_READ).withTarget(assetTypeName, objectId);
    Optional<StoredObject> found = objects.find(accountId, objectId);
    if (found.isPresent()) {
      StoredObject o = found.get();
      event = event.withUser(o.ownerUserId()).withKek(o.kekId(), o.protection().name());
    }
    try {
      Opened opened = read(found, accountId, assetTypeName, objectId);
      Kek kek = opened.kek();
      audit.record(event.withKey(kek.root()).withKek(kek.id(), kek.protection().name()));
      return opened.content();
    } catch (RuntimeException e) {
      if (e instanceof CmkException c && c.details().get("keyId") instanceof String keyId) {
        event = event.withDetail("keyId", keyId);
      }
      audit.recordFailure(event, e);
      throw e;
    }
  }

  /** Content and the KEK that opened it (the envelope's, which a job may have just changed). */
  private record Opened(Content content, Kek kek) {}

  private Opened read(
      Optional<StoredObject> found, String accountId, String assetTypeName, String objectId) {
    StoredObject row =
        found
            .filter(o -> o.assetType().equals(assetTypeName))
            .orElseThrow(
                () ->
                    new CmkException(
                        ErrorCode.OBJECT_NOT_FOUND,
                        "no "
                            + assetTypeName
                            + " object '"
                            + objectId
                            + "' in account "
                            + accountId));
    byte[] envelope =
        blobs
            .get(row.blobKey())
            .orElseThrow(
                () ->
                    new CmkException(
                        ErrorCode.OBJECT_NOT_FOUND,
                        "object '" + objectId + "' has no stored content"));
    return open(row, envelope);
  }

  /** Metadata of an object, without decrypting it. */
  public StoredObject describe(String accountId, String objectId) {
    accounts.require(accountId);
    Ids.require("object id", objectId);
    return objects
        .find(accountId, objectId)
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.OBJECT_NOT_FOUND,
                    "no object '" + objectId + "' in account " + accountId));
  }

  private Opened open(StoredObject row, byte[] envelope) {
    byte[] aad = ContentAad.of(row.accountId(), row.assetType(), row.objectId());
    String kekId = row.kekId();
    try {
      ContentEnvelope.Header header = ContentEnvelope.readHeader(envelope);
      // The header is authoritative: a re-protection job rewrites it before it moves the row, so
      // for a moment they may differ. The DEK wrap binds account, asset and object, so a KEK of
      // another object only fails to unwrap; a KEK of another account is refused here.
      kekId = header.kekId();
      try (KekLease kek = keks.forRead(kekId)) {
        if (!kek.kek().accountId().equals(row.accountId())) {
          throw new DecryptionFailedException("decryption failed: envelope names another KEK");
        }
        try (SecretKeyMaterial dek =
            SecretKeyMaterial.takeOwnership(AesGcm.open(kek.key(), header.wrappedDek(), aad))) {
          return new Opened(new Content(row, ContentEnvelope.open(dek, aad, envelope)), kek.kek());
        }
      }
    } catch (DecryptionFailedException | BadCiphertextException | IllegalArgumentException e) {
      throw new CmkException(
          ErrorCode.DECRYPTION_FAILED,
          "decryption failed: object '"
              + row.objectId()
              + "' did not authenticate; its stored"
              + " bytes were altered or do not belong to this object",
          Map.of("objectId", row.objectId()));
    } catch (ProviderException e) {
      throw readError(row, kekId, e);
    }
  }

  /**
   * Re-protects one object under {@code target}, a KEK of the object's account: re-wraps its DEK
   * (the content chunks stay as they are) or, with {@code reencrypt}, seals the content again under
   * a new DEK; then rewrites the blob atomically. The caller moves the row afterwards; reads follow
   * the blob's header in between, so a crash between the two loses nothing.
   *
   * @return false when the blob already names {@code target} (done before a crash)
   */
  public boolean reprotect(StoredObject row, KekLease target, boolean reencrypt) {
    byte[] envelope =
        blobs
            .get(row.blobKey())
            .orElseThrow(
                () ->
                    new CmkException(
                        ErrorCode.OBJECT_NOT_FOUND,
                        "object '" + row.objectId() + "' has no stored content"));
    ContentEnvelope.Header header = ContentEnvelope.readHeader(envelope);
    if (header.kekId().equals(target.kek().id())) {
      return false;
    }
    if (!target.kek().accountId().equals(row.accountId())) {
      throw new IllegalArgumentException("target KEK belongs to another account");
    }
    byte[] aad = ContentAad.of(row.accountId(), row.assetType(), row.objectId());
    try (KekLease old = keks.forRead(header.kekId());
        SecretKeyMaterial dek =
            SecretKeyMaterial.takeOwnership(AesGcm.open(old.key(), header.wrappedDek(), aad))) {
      if (!old.kek().accountId().equals(row.accountId())) {
        throw new DecryptionFailedException("decryption failed: envelope names another KEK");
      }
      byte[] out;
      if (reencrypt) {
        byte[] plain = ContentEnvelope.open(dek, aad, envelope);
        try (SecretKeyMaterial fresh = SecretKeyMaterial.random(random)) {
          byte[] wrapped = AesGcm.seal(target.key(), fresh.copyBytes(), aad, random);
          out = ContentEnvelope.seal(fresh, target.kek().id(), wrapped, aad, plain, random);
        } finally {
          java.util.Arrays.fill(plain, (byte) 0);
        }
      } else {
        byte[] wrapped = AesGcm.seal(target.key(), dek.copyBytes(), aad, random);
        out = ContentEnvelope.withKeyReferences(envelope, target.kek().id(), wrapped);
      }
      blobs.put(row.blobKey(), out);
      return true;
    }
  }

  /**
   * A read the key hierarchy could not serve. Fallback only ever applies to new writes: content
   * written under the customer's key needs that key (or its KEK still cached) to be read.
   */
  private CmkException readError(StoredObject row, String kekId, ProviderException e) {
    CmkException base = keyError(row.accountId(), e, "read object '" + row.objectId() + "'");
    Map<String, Object> details = new LinkedHashMap<>(base.details());
    details.put("objectId", row.objectId());
    details.put("kekId", kekId);
    keks.find(kekId).ifPresent(k -> details.put("keyId", k.root().toString()));
    String hint =
        "; content written before the outage can only be read with the customer's key (or a KEK"
            + " still cached on this node): fallback protects new writes only, and this object"
            + " becomes readable again when the key is back";
    return new CmkException(base.code(), base.getMessage() + hint, details, e);
  }

  /** The KEK a write goes under and, for a fallback write, why. */
  private record WriteKek(KekLease lease, Optional<FallbackPolicy.Decision> fallback) {}

  private WriteKek kekForWrite(
      Account account, AssetType type, Protection wanted, Optional<CustomerKey> active) {
    KeyRef root = wanted == Protection.CMK ? active.orElseThrow().ref() : config.platformKey();
    try {
      return new WriteKek(
          keks.forWrite(account.id(), type.serviceId(), wanted, root), Optional.empty());
    } catch (ProviderException e) {
      if (wanted != Protection.CMK) {
        throw withKey(keyError(account.id(), e, "write"), root);
      }
      // the switch as it is now, not as cached: a revoke-now turns it off on every node at once
      Account now = accounts.require(account.id());
      FallbackPolicy.Decision d =
          FallbackPolicy.decide(e, now.fallbackEnabled(), now.fallbackMode());
      if (!d.fallback()) {
        throw withKey(keyError(account.id(), e, "write", d.why()), root);
      }
      try {
        return new WriteKek(
            keks.forWrite(account.id(), type.serviceId(), Protection.FALLBACK, config.backupKey()),
            Optional.of(d));
      } catch (ProviderException backup) {
        throw withKey(keyError(account.id(), backup, "write (fallback)"), config.backupKey());
      }
    }
  }

  private static CmkException withKey(CmkException e, KeyRef root) {
    Map<String, Object> details = new LinkedHashMap<>(e.details());
    details.put("keyId", root.toString());
    String hint = e.code() == ErrorCode.KEY_UNAVAILABLE ? "; nothing was stored" : "";
    return new CmkException(e.code(), e.getMessage() + hint, details, e.getCause());
  }

  /**
   * Blob first, then the object's row and its audit row in one transaction, shared with concurrent
   * writes (group commit). Durability (issue 14): the blob store's put returns once the blob is
   * durable, and the caller is answered only once the shared transaction committed; a crash between
   * the two leaves an unreferenced blob, which the OrphanBlobSweeper removes.
   */
  private void store(
      StoredObject row,
      byte[] envelope,
      AuditEvent written,
      Optional<FallbackWrites.Entry> fallbackCause) {
    blobs.put(row.blobKey(), envelope);
    try {
      audit.inSharedTransaction(
          () -> {
            if (!objects.insert(row)) {
              throw new CmkException(
                  ErrorCode.CONFLICT, "object '" + row.objectId() + "' was written concurrently");
            }
            fallbackCause.ifPresent(fallbackWrites::record);
            audit.record(written);
            return row;
          });
    } catch (RuntimeException e) {
      if (e instanceof CmkException c && c.code() == ErrorCode.CONFLICT) {
        // Issue 14: another write of the same id (a retry) committed its row first and owns the
        // blob key now; deleting it would lose that acknowledged write.
        throw e;
      }
      try {
        blobs.delete(row.blobKey());
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup); // an unreferenced blob is harmless; the first error matters
      }
      throw e;
    }
  }

  private void checkSize(byte[] plaintext) {
    if (plaintext.length == 0) {
      throw new CmkException(ErrorCode.EMPTY_BODY, "content is empty");
    }
    if (plaintext.length > config.maxContentBytes()) {
      throw new CmkException(
          ErrorCode.CONTENT_TOO_LARGE,
          "content is " + plaintext.length + " bytes; the limit is " + config.maxContentBytes());
    }
  }

  public static CmkException keyError(String accountId, ProviderException e, String action) {
    return keyError(accountId, e, action, "");
  }

  /**
   * {@link #keyError(String, ProviderException, String)} that also says why the write did not fall
   * back ({@code why}, empty for none).
   */
  public static CmkException keyError(
      String accountId, ProviderException e, String action, String why) {
    CmkException base = baseKeyError(accountId, e, action);
    if (why.isEmpty()) {
      return base;
    }
    return new CmkException(
        base.code(),
        base.getMessage() + "; not written under the backup key: " + why,
        base.details());
  }

  private static CmkException baseKeyError(String accountId, ProviderException e, String action) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("accountId", accountId);
    details.put("reason", e.reason().name().toLowerCase(java.util.Locale.ROOT));
    details.put("providerCode", e.providerCode());
    if (e instanceof KeyRefusedException) {
      return new CmkException(
          ErrorCode.KEY_REFUSED,
          "cannot "
              + action
              + ": the customer's key refused the request ("
              + e.reason()
              + "); the account's admin must re-enable or re-grant it",
          details);
    }
    return new CmkException(
        ErrorCode.KEY_UNAVAILABLE,
        "cannot " + action + ": the key is unavailable (" + e.reason() + "): " + e.getMessage(),
        details);
  }
}

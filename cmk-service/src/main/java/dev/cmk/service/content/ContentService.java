package dev.cmk.service.content;

import dev.cmk.crypto.AesGcm;
import dev.cmk.crypto.ContentEnvelope;
import dev.cmk.crypto.DecryptionFailedException;
import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.KeyRef;
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
import dev.cmk.service.kek.KeyErrors;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.KeyService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  /** New envelopes carry no key references: the row holds the KEK id and the wrapped DEK. */
  private static final ContentEnvelope.Header NO_REFS = ContentEnvelope.DETACHED;

  private static final Logger LOG = LoggerFactory.getLogger(ContentService.class);
  private final AtomicLong abortedUploads = new AtomicLong();

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
  private final FallbackWrites fallbackWrites;

  /**
   * @param fallbackWrites where the causes of fallback writes are kept
   */
  public ContentService(
      AccountService accounts,
      Catalog catalog,
      KeyService keys,
      KekService keks,
      ObjectStore objects,
      BlobStore blobs,
      ContentConfig config,
      FallbackWrites fallbackWrites,
      AuditLog audit,
      Clock clock,
      SecureRandom random) {
    this.accounts = accounts;
    this.catalog = catalog;
    this.fallbackWrites = fallbackWrites;
    this.keys = keys;
    this.keks = keks;
    this.objects = objects;
    this.blobs = blobs;
    this.config = config;
    this.clock = clock;
    this.audit = audit;
    this.random = random;
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
    return put(caller, accountId, assetTypeName, ownerUserId, objectId, Body.of(plaintext));
  }

  /**
   * Protects and stores the content {@code body} streams, for {@code caller}, without holding it
   * whole in memory: content of one envelope chunk or less is sealed in memory (compact form);
   * anything longer is encrypted chunk by chunk straight into the blob store as it arrives, with
   * {@code maxContentBytes} enforced on the bytes counted (and on {@code declaredLength} before
   * anything is read). If the body is too large, ends early or cannot be read (the client went
   * away), nothing is stored (no blob, no row, no temporary file) and the write is audited as
   * refused ({@code content_too_large}, {@code body_incomplete}).
   *
   * @param declaredLength the length the client declared (Content-Length), or -1 if unknown
   */
  public StoredObject put(
      Caller caller,
      String accountId,
      String assetTypeName,
      String ownerUserId,
      Optional<String> objectId,
      InputStream body,
      long declaredLength) {
    return put(
        caller, accountId, assetTypeName, ownerUserId, objectId, Body.of(body, declaredLength));
  }

  private StoredObject put(
      Caller caller,
      String accountId,
      String assetTypeName,
      String ownerUserId,
      Optional<String> objectId,
      Body plaintext) {
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
      readHead(plaintext);
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
      Body plaintext,
      AuditEvent event) {
    String accountId = account.id();
    WriteKek chosen = kekForWrite(account, type, wanted, active);
    try (KekLease kek = chosen.lease()) {
      byte[] aad = ContentAad.of(accountId, type.name(), id);
      byte[] wrappedDek;
      String blobKey = accountId + "/" + id;
      try (SecretKeyMaterial dek = SecretKeyMaterial.random(random)) {
        // the wrapped DEK goes in the row, not the envelope: a re-wrap is then a row update
        wrappedDek = AesGcm.seal(kek.key(), dek.copyBytes(), aad, random);
        if (plaintext.complete()) {
          blobs.put(
              blobKey,
              ContentEnvelope.seal(
                  dek, NO_REFS.kekId(), NO_REFS.wrappedDek(), aad, plaintext.bytes(), random));
        } else {
          blobs.put(blobKey, out -> sealStreaming(plaintext, dek, aad, out));
        }
      } catch (RuntimeException e) {
        countAborted(e);
        throw e;
      }
      StoredObject row =
          new StoredObject(
              accountId,
              id,
              type.name(),
              ownerUserId,
              kek.kek().id(),
              kek.kek().protection(),
              plaintext.count(),
              clock.instant(),
              wrappedDek);
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
      commit(row, written, cause);
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

  /**
   * An object being read as a stream: its row, and its plaintext, decrypted chunk by chunk as it is
   * read. Closing it closes the blob and wipes the content key.
   *
   * <p><b>Security:</b> no byte of a chunk is returned before that chunk's tag has verified, and
   * truncation, reordering or appended chunks fail (FORMAT.md). A failure while reading is an
   * {@link IOException} whose message starts with "decryption failed": the caller has sent part of
   * the content already and must abort the response rather than end it normally.
   */
  public record Streamed(StoredObject object, InputStream plaintext) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      plaintext.close();
    }
  }

  /**
   * Opens an object for {@code caller} as a stream: the row, the blob, the DEK and the envelope's
   * key commitment are all checked before this returns, and the read is audited then, so a refusal
   * is an exception here with nothing sent. Memory: two envelope chunks, whatever the size.
   */
  public Streamed open(Caller caller, String accountId, String assetTypeName, String objectId) {
    accounts.requireForUse(accountId);
    Ids.require("object id", objectId);
    AuditEvent event =
        AuditEvent.of(accountId, caller, Actions.CONTENT_READ).withTarget(assetTypeName, objectId);
    Optional<StoredObject> found = objects.find(accountId, objectId);
    if (found.isPresent()) {
      StoredObject o = found.get();
      event = event.withUser(o.ownerUserId()).withKek(o.kekId(), o.protection().name());
    }
    InputStream blob = null;
    try {
      StoredObject row = existing(found, accountId, assetTypeName, objectId);
      blob =
          blobs
              .open(row.blobKey())
              .map(in -> (InputStream) new java.io.BufferedInputStream(in, bufferFor(row)))
              .orElseThrow(() -> noContent(objectId));
      byte[] aad = ContentAad.of(row.accountId(), row.assetType(), row.objectId());
      String[] kekId = {row.kekId()};
      Kek[] used = new Kek[1];
      InputStream plain;
      try {
        plain =
            new java.io.BufferedInputStream(
                ContentEnvelope.decryptingStream(
                    blob, header -> unwrapDek(row, header, aad, kekId, used), aad),
                bufferFor(row));
        // authenticate the first chunk now (all of a small object): a failure there is a clean
        // decryption_failed before anything is sent, not an aborted response
        plain.mark(1);
        plain.read();
        plain.reset();
      } catch (IOException e) {
        throw new dev.cmk.service.blob.BlobStoreUnavailableException(
            dev.cmk.service.blob.BlobStoreException.Operation.GET,
            "cannot read blob " + row.blobKey() + ": " + e,
            e);
      } catch (DecryptionFailedException | BadCiphertextException | IllegalArgumentException e) {
        throw decryptionFailed(row);
      } catch (java.io.UncheckedIOException e) {
        throw new dev.cmk.service.blob.BlobStoreUnavailableException(
            dev.cmk.service.blob.BlobStoreException.Operation.GET,
            "cannot read blob " + row.blobKey() + ": " + e.getCause(),
            e);
      } catch (ProviderException e) {
        throw readError(row, kekId[0], e);
      }
      Kek kek = used[0];
      audit.record(event.withKey(kek.root()).withKek(kek.id(), kek.protection().name()));
      return new Streamed(row, new AuthenticatedStream(plain, row.objectId()));
    } catch (RuntimeException e) {
      closeQuietly(blob, e);
      if (e instanceof CmkException c && c.details().get("keyId") instanceof String keyId) {
        event = event.withDetail("keyId", keyId);
      }
      audit.recordFailure(event, e);
      throw e;
    }
  }

  /** A read buffer as large as the object and its envelope's overhead, at most 64 KiB. */
  private static int bufferFor(StoredObject row) {
    return (int) Math.min(64 * 1024, Math.max(1024, row.plaintextSize() + 512));
  }

  private static void closeQuietly(@Nullable InputStream in, RuntimeException failure) {
    if (in != null) {
      try {
        in.close();
      } catch (IOException | RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
  }

  private static CmkException noContent(String objectId) {
    return new CmkException(
        ErrorCode.OBJECT_NOT_FOUND, "object '" + objectId + "' has no stored content");
  }

  /**
   * Turns a chunk that fails to authenticate mid-stream into an I/O error, so a response that has
   * started is aborted, never ended as if complete.
   */
  private static final class AuthenticatedStream extends java.io.FilterInputStream {
    private final String objectId;

    AuthenticatedStream(InputStream in, String objectId) {
      super(in);
      this.objectId = objectId;
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (DecryptionFailedException e) {
        throw failed(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (DecryptionFailedException e) {
        throw failed(e);
      }
    }

    private IOException failed(DecryptionFailedException e) {
      return new IOException(
          "decryption failed: object '" + objectId + "' did not authenticate part-way through", e);
    }
  }

  private StoredObject existing(
      Optional<StoredObject> found, String accountId, String assetTypeName, String objectId) {
    return found
        .filter(o -> o.assetType().equals(assetTypeName))
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.OBJECT_NOT_FOUND,
                    "no " + assetTypeName + " object '" + objectId + "' in account " + accountId));
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
    String[] kekId = {row.kekId()};
    try {
      ContentEnvelope.Header header = ContentEnvelope.readHeader(envelope);
      Kek[] used = new Kek[1];
      try (SecretKeyMaterial dek = unwrapDek(row, header, aad, kekId, used)) {
        return new Opened(new Content(row, ContentEnvelope.open(dek, aad, envelope)), used[0]);
      }
    } catch (DecryptionFailedException | BadCiphertextException | IllegalArgumentException e) {
      throw decryptionFailed(row);
    } catch (ProviderException e) {
      throw readError(row, kekId[0], e);
    }
  }

  private static CmkException decryptionFailed(StoredObject row) {
    return new CmkException(
        ErrorCode.DECRYPTION_FAILED,
        "decryption failed: object '"
            + row.objectId()
            + "' did not authenticate; its stored"
            + " bytes were altered or do not belong to this object",
        Map.of("objectId", row.objectId()));
  }

  /**
   * Unwraps the object's DEK. Where the wrapped DEK is decides, from the stored bytes alone (never
   * as a retry after a failure): an envelope with detached references (every object written since
   * V50) opens with the row's KEK id and wrapped DEK; an envelope whose header names them (objects
   * written before, and content a re-protection job re-encrypted or moved the old way) opens with
   * the header's, which is authoritative there: a job rewrites such a header before it moves the
   * row, so for a moment they may differ. Either way the DEK wrap binds (account, asset, object),
   * so a wrapped DEK of another object only fails to unwrap; a KEK of another account is refused.
   *
   * @param kekId receives the KEK id used, for error details
   * @param used receives the KEK that unwrapped it
   */
  private SecretKeyMaterial unwrapDek(
      StoredObject row, ContentEnvelope.Header header, byte[] aad, String[] kekId, Kek[] used) {
    byte[] wrapped;
    if (header.detached()) {
      kekId[0] = row.kekId();
      wrapped = row.wrappedDek();
      if (wrapped.length == 0) {
        throw new DecryptionFailedException(
            "decryption failed: neither the envelope nor the row holds a wrapped DEK");
      }
    } else {
      kekId[0] = header.kekId();
      wrapped = header.wrappedDek();
    }
    try (KekLease kek = keks.forRead(kekId[0])) {
      if (!kek.kek().accountId().equals(row.accountId())) {
        throw new DecryptionFailedException("decryption failed: envelope names another KEK");
      }
      used[0] = kek.kek();
      return SecretKeyMaterial.takeOwnership(AesGcm.open(kek.key(), wrapped, aad));
    }
  }

  /** What a re-protection left in the row: its KEK and wrapped DEK (empty: in the envelope). */
  public record Reprotected(String kekId, byte[] wrappedDek) {}

  /**
   * Re-wraps the DEK of an object whose row holds it under {@code target}, a KEK of the object's
   * account: the DEK is unwrapped under {@code source} (the row's KEK) and wrapped again with the
   * same AAD. No blob is read or written; the caller stores the result in the row, which is the
   * whole re-protection (the envelope has no key references to update).
   *
   * @return the new wrapped DEK
   */
  public byte[] rewrapDek(StoredObject row, KekLease source, KekLease target) {
    if (!row.holdsWrappedDek()) {
      throw new IllegalArgumentException("the object's wrapped DEK is in its envelope header");
    }
    if (!source.kek().id().equals(row.kekId())
        || !source.kek().accountId().equals(row.accountId())
        || !target.kek().accountId().equals(row.accountId())) {
      throw new IllegalArgumentException("source or target KEK does not belong to the object");
    }
    byte[] aad = ContentAad.of(row.accountId(), row.assetType(), row.objectId());
    try (SecretKeyMaterial dek =
        SecretKeyMaterial.takeOwnership(AesGcm.open(source.key(), row.wrappedDek(), aad))) {
      return AesGcm.seal(target.key(), dek.copyBytes(), aad, random);
    }
  }

  /**
   * Re-protects one object under {@code target}, a KEK of the object's account, by rewriting its
   * blob: for every object with {@code reencrypt} (the content sealed again under a new DEK), and
   * for an object written before its row held the wrapped DEK (the DEK re-wrapped into the
   * envelope's header, the chunks unchanged). The new envelope names {@code target} and its wrapped
   * DEK in its header (authoritative, see {@link #unwrapDek}), so a crash before the caller moves
   * the row loses nothing; the caller then moves the row to {@code target} with no wrapped DEK of
   * its own. Objects whose row holds the wrapped DEK are re-wrapped without a blob by {@link
   * #rewrapDek} instead, unless re-encrypted.
   *
   * @return the row's new KEK and wrapped DEK (always empty here: the header holds it)
   */
  public Reprotected reprotect(StoredObject row, KekLease target, boolean reencrypt) {
    if (!target.kek().accountId().equals(row.accountId())) {
      throw new IllegalArgumentException("target KEK belongs to another account");
    }
    byte[] envelope =
        blobs
            .get(row.blobKey())
            .orElseThrow(
                () ->
                    new CmkException(
                        ErrorCode.OBJECT_NOT_FOUND,
                        "object '" + row.objectId() + "' has no stored content"));
    ContentEnvelope.Header header = ContentEnvelope.readHeader(envelope);
    Reprotected moved = new Reprotected(target.kek().id(), new byte[0]);
    if (header.kekId().equals(target.kek().id())) {
      return moved; // done before a crash: the header already names the target
    }
    if (header.detached() && !reencrypt) {
      throw new IllegalArgumentException(
          "the object's wrapped DEK is in its row: re-wrap it there");
    }
    byte[] aad = ContentAad.of(row.accountId(), row.assetType(), row.objectId());
    try (SecretKeyMaterial dek = unwrapDek(row, header, aad, new String[1], new Kek[1])) {
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
      return moved;
    }
  }

  /**
   * A read the key hierarchy could not serve. Fallback only ever applies to new writes: content
   * written under the customer's key needs that key (or its KEK still cached) to be read.
   */
  private CmkException readError(StoredObject row, String kekId, ProviderException e) {
    CmkException base = KeyErrors.of(row.accountId(), e, "read object '" + row.objectId() + "'");
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
        throw withKey(KeyErrors.of(account.id(), e, "write"), root);
      }
      // the switch as it is now, not as cached: a revoke-now turns it off on every node at once
      Account now = accounts.require(account.id());
      FallbackPolicy.Decision d =
          FallbackPolicy.decide(e, now.fallbackEnabled(), now.fallbackMode());
      if (!d.fallback()) {
        throw withKey(KeyErrors.of(account.id(), e, "write", d.why()), root);
      }
      try {
        return new WriteKek(
            keks.forWrite(account.id(), type.serviceId(), Protection.FALLBACK, config.backupKey()),
            Optional.of(d));
      } catch (ProviderException backup) {
        throw withKey(KeyErrors.of(account.id(), backup, "write (fallback)"), config.backupKey());
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
   * Encrypts the streamed content chunk by chunk into {@code out} (the chunked form): one chunk of
   * plaintext and one of ciphertext in memory, whatever the content's length.
   */
  private void sealStreaming(Body plaintext, SecretKeyMaterial dek, byte[] aad, OutputStream out)
      throws IOException {
    try (OutputStream sealing =
        ContentEnvelope.encryptingStream(
            out,
            dek,
            NO_REFS.kekId(),
            NO_REFS.wrappedDek(),
            aad,
            random,
            ContentEnvelope.defaultChunkSize())) {
      plaintext.copyTo(sealing, config.maxContentBytes());
    }
  }

  /**
   * The blob is stored (durably: the store's put returns once it is): the object's row and its
   * audit row in one transaction, shared with concurrent writes (group commit), answered only once
   * it committed; if that fails, the blob is deleted again. A crash between the two leaves an
   * unreferenced blob, which the OrphanBlobSweeper removes (issue 14).
   */
  private void commit(
      StoredObject row, AuditEvent written, Optional<FallbackWrites.Entry> fallbackCause) {
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

  private void readHead(Body body) {
    try {
      body.start(config.maxContentBytes(), ContentEnvelope.defaultChunkSize());
    } catch (CmkException e) {
      countAborted(e);
      throw e;
    }
  }

  /**
   * Counts a body that ended early and logs it once, without a stack trace: a client going away is
   * not a server fault.
   */
  private void countAborted(RuntimeException e) {
    if (e instanceof CmkException c && c.code() == ErrorCode.BODY_INCOMPLETE) {
      long n = abortedUploads.incrementAndGet();
      // the cause as text: a Throwable as the last argument would print its stack trace
      LOG.info(
          "upload aborted by the client, nothing stored ({} so far): {}",
          n,
          String.valueOf(e.getCause()));
    }
  }

  /** Uploads whose body ended early or failed to arrive (the client went away); nothing stored. */
  public long abortedUploads() {
    return abortedUploads.get();
  }
}

package dev.cmk.service.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.kek.Protection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentServiceTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    assertThat(f.keys.register(acct, "local", "customer", List.of()).report().passed()).isTrue();
    f.accounts.setLicense(acct.id(), "alice", true);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private StoredObject put(String user, String asset, String text) {
    return f.content.put(acct.id(), asset, user, Optional.empty(), text.getBytes(UTF_8));
  }

  @Test
  void licensedUserOnEligibleAssetGetsTheCustomerKeyOthersThePlatformKey() {
    StoredObject a = put("alice", "chat-message", "hello from alice");
    StoredObject b = put("bob", "chat-message", "hello from bob");
    StoredObject c = put("alice", "meeting-metadata", "title");

    assertThat(a.protection()).isEqualTo(Protection.CMK);
    assertThat(b.protection()).isEqualTo(Protection.PLATFORM);
    assertThat(c.protection()).isEqualTo(Protection.PLATFORM);
    assertThat(
            new String(f.content.get(acct.id(), "chat-message", a.objectId()).plaintext(), UTF_8))
        .isEqualTo("hello from alice");
    assertThat(
            new String(f.content.get(acct.id(), "chat-message", b.objectId()).plaintext(), UTF_8))
        .isEqualTo("hello from bob");
  }

  @Test
  void withoutAnActiveKeyEvenLicensedUsersGetThePlatformKey() {
    Account other = f.accounts.create("NoKey Inc", "us-east-1");
    f.accounts.setLicense(other.id(), "carol", true);
    StoredObject o =
        f.content.put(other.id(), "voicemail", "carol", Optional.empty(), "x".getBytes(UTF_8));
    assertThat(o.protection()).isEqualTo(Protection.PLATFORM);
  }

  @Test
  void assetTypesWithTheirOwnApiAreNotWrittenAsContent() {
    for (String own : dev.cmk.service.catalog.Catalog.OWN_API_ONLY) {
      assertThat(f.catalog.find(own)).as(own + " is in the catalog").isPresent();
      assertThatThrownBy(
              () -> f.content.put(acct.id(), own, "alice", Optional.of("o-" + own), new byte[1]))
          .isInstanceOfSatisfying(
              CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
      assertThatThrownBy(() -> f.content.get(acct.id(), own, "o-" + own))
          .isInstanceOf(CmkException.class);
    }
  }

  @Test
  void storedBlobHoldsNoPlaintext() throws Exception {
    StoredObject a = put("alice", "mail", "a very recognisable secret sentence");
    byte[] blob = Files.readAllBytes(dir.resolve("blobs").resolve(a.blobKey()));
    assertThat(new String(blob, UTF_8)).doesNotContain("recognisable");
  }

  @Test
  void alteredBlobFailsAsDecryptionFailed() throws Exception {
    StoredObject a = put("alice", "mail", "payload");
    Path blob = dir.resolve("blobs").resolve(a.blobKey());
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length - 3] ^= 0x40;
    Files.write(blob, bytes);
    assertThatThrownBy(() -> f.content.get(acct.id(), "mail", a.objectId()))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DECRYPTION_FAILED));
  }

  @Test
  void ciphertextMovedToAnotherObjectFailsToDecrypt() throws Exception {
    StoredObject a = put("alice", "mail", "first");
    StoredObject b = put("alice", "mail", "second");
    Path blobs = dir.resolve("blobs");
    Files.copy(
        blobs.resolve(a.blobKey()),
        blobs.resolve(b.blobKey()),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> f.content.get(acct.id(), "mail", b.objectId()))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DECRYPTION_FAILED));
  }

  @Test
  void badInputIsRejectedAndNothingIsStored() throws Exception {
    assertCode(() -> put("alice", "no-such-asset", "x"), ErrorCode.ASSET_TYPE_NOT_FOUND);
    assertCode(
        () -> f.content.put("acct_missing", "mail", "alice", Optional.empty(), new byte[] {1}),
        ErrorCode.ACCOUNT_NOT_FOUND);
    assertCode(() -> put("bad user!", "mail", "x"), ErrorCode.INVALID_ID);
    assertCode(
        () -> f.content.put(acct.id(), "mail", "alice", Optional.of("../etc"), new byte[] {1}),
        ErrorCode.INVALID_ID);
    assertCode(() -> put("alice", "mail", ""), ErrorCode.EMPTY_BODY);
    assertCode(
        () -> f.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[(1 << 20) + 1]),
        ErrorCode.CONTENT_TOO_LARGE);
    assertCode(() -> f.content.get(acct.id(), "mail", "obj_nope"), ErrorCode.OBJECT_NOT_FOUND);
    try (var files = Files.walk(dir.resolve("blobs"))) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
  }

  @Test
  void sameObjectIdTwiceIsAConflictAndTheFirstStaysIntact() {
    f.content.put(acct.id(), "mail", "alice", Optional.of("m1"), "one".getBytes(UTF_8));
    assertCode(
        () -> f.content.put(acct.id(), "mail", "alice", Optional.of("m1"), "two".getBytes(UTF_8)),
        ErrorCode.CONFLICT);
    assertThat(new String(f.content.get(acct.id(), "mail", "m1").plaintext(), UTF_8))
        .isEqualTo("one");
  }

  @Test
  void disabledCustomerKeyRefusesWritesAndReadsAndNeverFallsBack() {
    StoredObject a = put("alice", "mail", "before");
    f.keks.purgeAccount(acct.id());
    f.local.setEnabled("customer", false);
    f.accounts.setLicense(acct.id(), "alice", true);
    assertCode(() -> put("alice", "mail", "after"), ErrorCode.KEY_REFUSED);
    assertCode(() -> f.content.get(acct.id(), "mail", a.objectId()), ErrorCode.KEY_REFUSED);
  }

  private static void assertCode(Runnable r, ErrorCode code) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(CmkException.class, e -> assertThat(e.code()).isEqualTo(code));
  }
}

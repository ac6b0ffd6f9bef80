package dev.cmk.service.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryBlobStoreTest extends BlobStoreContract {
  @TempDir Path dir;

  @Override
  protected BlobStore store() {
    return new DirectoryBlobStore(dir);
  }

  @Override
  protected void assertNothingLeftBehind(String key) {
    try (var files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
          .as("temporary files")
          .noneMatch(n -> n.endsWith(".tmp"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aPutLeavesNoTemporaryFiles() throws Exception {
    String key = freshKey("obj");
    store().put(key, bytes(100, 1));
    try (var files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()))
          .containsExactly(key);
    }
  }

  @Test
  void anIoErrorIsUnavailableAndNamesTheKey() throws Exception {
    Path root = dir.resolve("root");
    BlobStore s = new DirectoryBlobStore(root);
    Files.writeString(root.resolve("acct"), "a file where a directory should be");
    assertThatThrownBy(() -> s.put("acct/obj", new byte[] {1}))
        .isInstanceOf(BlobStoreUnavailableException.class)
        .hasMessageContaining("acct/obj")
        .satisfies(
            e -> {
              var api = ((BlobStoreException) e).toServiceError();
              assertThat(api.code().code()).isEqualTo("blob_store_unavailable");
              assertThat(api.getMessage()).contains("not stored").doesNotContain(root.toString());
            });
  }

  @Test
  void aDirectoryWithoutPermissionIsAccessDenied() throws Exception {
    Path root = dir.resolve("locked");
    BlobStore s = new DirectoryBlobStore(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("r-x------"));
    try {
      assumeFalse(Files.isWritable(root), "this user ignores directory permissions (root)");
      assertThatThrownBy(() -> s.put("obj", new byte[] {1}))
          .isInstanceOf(BlobStoreAccessDeniedException.class)
          .satisfies(
              e ->
                  assertThat(((BlobStoreException) e).toServiceError().code().code())
                      .isEqualTo("blob_store_access_denied"));
    } finally {
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    }
  }
}

package dev.cmk.service.blob;

import dev.cmk.service.blob.BlobStoreException.Operation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Blobs as files below one directory, written atomically (temp file + rename). I/O errors become
 * {@link BlobStoreUnavailableException}, missing permissions {@link BlobStoreAccessDeniedException}
 * (the same families as the S3 store).
 */
public final class DirectoryBlobStore implements BlobStore {
  private final Path root;

  public DirectoryBlobStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create blob directory " + root, e);
    }
  }

  @Override
  public void put(String key, byte[] envelope) {
    Path target = resolve(key);
    try {
      Files.createDirectories(target.getParent());
      Path tmp = Files.createTempFile(target.getParent(), ".put", ".tmp");
      try {
        Files.write(tmp, envelope);
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw failure(Operation.PUT, "cannot write blob " + key, e);
    }
  }

  /**
   * Streams into a temporary file next to the target, then renames it into place: a writer that
   * fails (or a node killed half-way) leaves no blob; the temporary file is deleted on failure.
   */
  @Override
  public void put(String key, BlobWriter writer) {
    Path target = resolve(key);
    try {
      Files.createDirectories(target.getParent());
      Path tmp = Files.createTempFile(target.getParent(), ".put", ".tmp");
      try {
        try (OutputStream out = Files.newOutputStream(tmp)) {
          writer.writeTo(out);
        }
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw failure(Operation.PUT, "cannot write blob " + key, e);
    }
  }

  @Override
  public Optional<InputStream> open(String key) {
    Path file = resolve(key);
    if (Files.isDirectory(file)) {
      return Optional.empty(); // a prefix of other keys, not a blob
    }
    try {
      return Optional.of(Files.newInputStream(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure(Operation.GET, "cannot read blob " + key, e);
    }
  }

  @Override
  public Optional<byte[]> get(String key) {
    Path file = resolve(key);
    if (Files.isDirectory(file)) {
      return Optional.empty(); // a prefix of other keys, not a blob
    }
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure(Operation.GET, "cannot read blob " + key, e);
    }
  }

  @Override
  public void delete(String key) {
    Path file = resolve(key);
    if (Files.isDirectory(file)) {
      return; // a prefix of other keys, not a blob
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw failure(Operation.DELETE, "cannot delete blob " + key, e);
    }
  }

  private BlobStoreException failure(Operation op, String what, IOException e) {
    String message = what + " in " + root + ": " + e;
    return e instanceof AccessDeniedException
        ? new BlobStoreAccessDeniedException(op, message, e)
        : new BlobStoreUnavailableException(op, message, e);
  }

  private Path resolve(String key) {
    Path p = root.resolve(BlobKeys.require(key)).normalize();
    if (!p.startsWith(root)) {
      throw new IllegalArgumentException("bad blob key " + key);
    }
    return p;
  }
}

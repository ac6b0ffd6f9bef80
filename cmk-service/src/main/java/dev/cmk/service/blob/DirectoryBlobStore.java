package dev.cmk.service.blob;

import dev.cmk.service.blob.BlobStoreException.Operation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

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

  /**
   * Durable before it returns: the temp file's bytes are fsynced, it is renamed over the target,
   * and the directory is fsynced so the rename itself survives an OS crash or power loss (a rename
   * only in the page cache could come back as the old blob or none). A crash before the rename
   * leaves a {@code .put*.tmp} file, which the orphan sweeper removes.
   */
  @Override
  public void put(String key, byte[] envelope) {
    put(key, out -> out.write(envelope)); // one write path: temp file, fsync, rename, fsync dir
  }

  /** fsync(2) on a directory: makes the entries created or renamed in it durable (Linux). */
  private static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; there the rename is as durable as the
      // OS makes it. On Linux this succeeds.
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")) {
        throw e;
      }
    }
  }

  /**
   * Files below the directory named by the prefix's complete segments, in key order. Leftover
   * {@code .put*.tmp} files of a crashed write are listed too (they are no content key).
   */
  @Override
  public List<Listed> list(String prefix, String startAfter, int max) {
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : root.resolve(BlobKeys.require(prefix.substring(0, slash)));
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    List<Listed> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(start)) {
      List<String> keys =
          files
              .filter(Files::isRegularFile)
              .map(p -> root.relativize(p).toString().replace(java.io.File.separatorChar, '/'))
              .filter(k -> k.startsWith(prefix) && k.compareTo(startAfter) > 0)
              .sorted()
              .limit(max)
              .toList();
      for (String k : keys) {
        try {
          out.add(new Listed(k, Files.getLastModifiedTime(root.resolve(k)).toInstant()));
        } catch (NoSuchFileException gone) {
          // removed since the walk
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      IOException io =
          e instanceof IOException i ? i : ((java.io.UncheckedIOException) e).getCause();
      throw failure(Operation.GET, "cannot list blobs below " + prefix, io);
    }
    return out;
  }

  /**
   * Streams into a temporary file next to the target, then renames it into place: a writer that
   * fails (or a node killed half-way) leaves no blob; the temporary file is deleted on failure.
   */
  @Override
  public void put(String key, BlobWriter writer) {
    Path target = resolve(key);
    try {
      // a key names a file below the root: it has a directory, and that one a parent
      Path dir = Objects.requireNonNull(target.getParent());
      if (!Files.isDirectory(dir)) { // createDirectories throws and catches when it exists
        Files.createDirectories(dir);
        fsyncDirectory(
            Objects.requireNonNull(dir.getParent())); // the new account directory's entry
      }
      Path tmp = Files.createTempFile(dir, ".put", ".tmp");
      boolean moved = false;
      try {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          // the writer may close what it is handed (a sealing stream closes its target): the
          // channel stays open for the fsync below, which makes the blob durable before the rename
          // makes it visible (issue 14)
          OutputStream out =
              new java.io.FilterOutputStream(java.nio.channels.Channels.newOutputStream(ch)) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                  this.out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                  flush();
                }
              };
          writer.writeTo(out);
          out.flush();
          ch.force(true);
        }
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        moved = true;
        fsyncDirectory(dir);
      } finally {
        if (!moved) {
          Files.deleteIfExists(tmp);
        }
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

  private BlobStoreException failure(Operation op, String what, @Nullable IOException e) {
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

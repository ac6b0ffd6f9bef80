package dev.cmk.service.store;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.RandomAccessStore;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.jdbi.v3.core.transaction.DelegatingTransactionHandler;
import org.jdbi.v3.core.transaction.TransactionHandler;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.jspecify.annotations.Nullable;

/**
 * Makes an embedded H2 commit durable before the caller is answered (issue 14: a 2xx is a promise).
 *
 * <p>Why: with {@code WRITE_DELAY=0}, H2 2.x ends a transaction with {@code MVStore.tryCommit()},
 * which returns at once, storing nothing, when another thread is storing at that moment. The
 * transaction's changes then sit in memory until some later store; a node killed in between loses a
 * commit it acknowledged. The crash harness saw exactly that under concurrent load (writes answered
 * 201, then 404 after a SIGKILL). After every outermost JDBI transaction this handler calls the
 * blocking {@code MVStore.commit()}: it waits for a store in progress and then stores whatever is
 * still unsaved, ours included. Concurrent committers share the store (the one that runs it writes
 * everyone's changes; the others find nothing left), so it costs one store per burst, as {@code
 * WRITE_DELAY=0} intends. A connection served by another process ({@code AUTO_SERVER}: a CLI next
 * to a running node) is left to that process.
 */
final class H2DurableCommits extends DelegatingTransactionHandler {

  H2DurableCommits(TransactionHandler delegate) {
    super(delegate);
  }

  @Override
  public TransactionHandler specialize(Handle handle) throws SQLException {
    return new H2DurableCommits(getDelegate().specialize(handle));
  }

  @Override
  public <R, X extends Exception> R inTransaction(Handle handle, HandleCallback<R, X> callback)
      throws X {
    R result = super.inTransaction(handle, callback);
    storeNow(handle.getConnection());
    return result;
  }

  @Override
  public <R, X extends Exception> R inTransaction(
      Handle handle, TransactionIsolationLevel level, HandleCallback<R, X> callback) throws X {
    R result = super.inTransaction(handle, level, callback);
    storeNow(handle.getConnection());
    return result;
  }

  /**
   * Stores every change committed so far to the database file and makes the file's header point at
   * the chunk that holds them.
   *
   * <p>Why the header: H2 2.5's MVStore writes a chunk into a free gap of the file when one fits,
   * and its crash recovery finds the newest chunk only from the header, from the chunk at the end
   * of the file and by following each chunk's predicted successor. A chunk written into a gap other
   * than the predicted one rewrites the header, but with the <em>previous</em> chunk, so that chunk
   * and the ones chained after it are invisible to recovery until some later chunk lands at the end
   * of the file or the header is rewritten twenty versions on. A node killed in between comes back
   * without writes it acknowledged (the crash harness lost up to fifteen, all from the last ~200
   * ms). So, under the store's lock, once the chunk holding this commit is written: if the header
   * does not already name the newest chunk, it is rewritten to name it (one 8 KiB write).
   */
  static void storeNow(Connection connection) {
    try {
      JdbcConnection h2 = connection.unwrap(JdbcConnection.class);
      if (h2.getSession() instanceof SessionLocal local) {
        MVStore store = local.getDatabase().getStore().getMvStore();
        if (store.isClosed() || store.getFileStore() == null) {
          return;
        }
        if (store.hasUnsavedChanges()) {
          store.commit();
        }
        FileStore<?> files = store.getFileStore();
        if (files instanceof RandomAccessStore && HEADER.usable()) {
          store.executeFilestoreOperation(() -> HEADER.anchor(files));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot reach the embedded H2 store to make a commit durable", e);
    }
  }

  /**
   * The same promise for statements outside a transaction (autocommit): a statement that may have
   * changed data is stored before it returns. Queries cost nothing.
   */
  static final class AutoCommitWrites implements StatementCustomizer {
    @Override
    public void afterExecution(PreparedStatement stmt, StatementContext ctx) throws SQLException {
      Connection c = ctx.getConnection();
      if (c.getAutoCommit() && !isQuery(ctx.getRawSql())) {
        storeNow(c);
      }
    }

    static boolean isQuery(String sql) {
      String s = sql == null ? "" : sql.stripLeading();
      return s.regionMatches(true, 0, "select", 0, 6) || s.regionMatches(true, 0, "with", 0, 4);
    }
  }

  private static final Header HEADER = new Header();

  /** H2's own header writer, reached by reflection (it is private); checked once at start. */
  static final class Header {
    private final @Nullable Method write;
    private final @Nullable Field fields;

    Header() {
      Method m = null;
      Field f = null;
      try {
        m = RandomAccessStore.class.getDeclaredMethod("writeStoreHeader");
        m.setAccessible(true);
        f = FileStore.class.getDeclaredField("storeHeader");
        f.setAccessible(true);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // a different H2 version: fail loudly at the first durable commit rather than silently
        m = null;
        f = null;
      }
      this.write = m;
      this.fields = f;
    }

    boolean usable() {
      if (write == null || fields == null) {
        throw missing();
      }
      return true;
    }

    private static IllegalStateException missing() {
      return new IllegalStateException(
          "this H2 version has no RandomAccessStore.writeStoreHeader: the embedded database"
              + " cannot make acknowledged commits survive a crash (see H2DurableCommits)");
    }

    /** Run under the store lock: the newest chunk is written; point the header at it. */
    void anchor(FileStore<?> files) {
      Method write = this.write;
      Field fields = this.fields;
      if (write == null || fields == null) {
        throw missing();
      }
      long newest = files.lastChunkVersion();
      try {
        @SuppressWarnings("unchecked")
        Map<String, Object> header = (Map<String, Object>) fields.get(files);
        if (newest <= 0 || DataUtils.readHexLong(header, "version", 0L) == newest) {
          return;
        }
        write.invoke(files);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot write the H2 store header", e);
      } catch (InvocationTargetException e) {
        throw new IllegalStateException("cannot write the H2 store header", e.getCause());
      }
    }
  }
}

package dev.cmk.service.store;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.transaction.DelegatingTransactionHandler;
import org.jdbi.v3.core.transaction.TransactionHandler;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

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

  /** Stores every change committed so far to the database file (no-op when nothing is unsaved). */
  static void storeNow(Connection connection) {
    try {
      JdbcConnection h2 = connection.unwrap(JdbcConnection.class);
      if (h2.getSession() instanceof SessionLocal local) {
        MVStore store = local.getDatabase().getStore().getMvStore();
        if (!store.isClosed() && store.hasUnsavedChanges()) {
          store.commit();
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot reach the embedded H2 store to make a commit durable", e);
    }
  }
}

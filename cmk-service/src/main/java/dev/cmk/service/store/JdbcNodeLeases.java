package dev.cmk.service.store;

import static dev.cmk.service.store.Database.ts;

import java.time.Instant;
import org.jdbi.v3.core.Jdbi;

/**
 * Named leases for work one node of a cluster does at a time (table {@code node_leases}, V20): a
 * node takes a lease when it is free, expired or already its own, so a node that dies is replaced
 * within one lease.
 */
public final class JdbcNodeLeases {
  private final Jdbi jdbi;

  public JdbcNodeLeases(Database db) {
    this.jdbi = db.jdbi();
  }

  /** Takes or renews lease {@code name} for {@code owner} until {@code expiresAt}. */
  public boolean claim(String name, String owner, Instant now, Instant expiresAt) {
    try {
      return jdbi.inTransaction(
          h -> {
            int taken =
                h.createUpdate(
                        "update node_leases set owner = :o, expires_at = :e"
                            + " where name = :n and (owner = :o or expires_at <= :now)")
                    .bind("n", name)
                    .bind("o", owner)
                    .bind("e", ts(expiresAt))
                    .bind("now", ts(now))
                    .execute();
            if (taken == 1) {
              return true;
            }
            boolean held =
                h.createQuery("select count(*) from node_leases where name = :n")
                        .bind("n", name)
                        .mapTo(Integer.class)
                        .one()
                    > 0;
            if (held) {
              return false;
            }
            h.createUpdate("insert into node_leases (name, owner, expires_at) values (:n, :o, :e)")
                .bind("n", name)
                .bind("o", owner)
                .bind("e", ts(expiresAt))
                .execute();
            return true;
          });
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e)) {
        return false; // another node inserted it first
      }
      throw e;
    }
  }
}

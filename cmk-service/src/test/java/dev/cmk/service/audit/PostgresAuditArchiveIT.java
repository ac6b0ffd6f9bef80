package dev.cmk.service.audit;

import dev.cmk.service.store.Database;
import dev.cmk.service.store.TestPostgres;

/** The archive contract on PostgreSQL; the two-node case on two pools over one database. */
class PostgresAuditArchiveIT extends AuditArchiveContract {
  private Database.Config config;

  @Override
  Database.Config config() {
    if (config == null) {
      config = TestPostgres.freshDatabase();
    }
    return config;
  }
}

package dev.cmk.service.audit;

import dev.cmk.service.store.Database;
import dev.cmk.service.store.TestPostgres;

/** The audit-log contract on PostgreSQL, two pools (two nodes) on one database. */
class PostgresAuditLogIT extends AuditLogContract {
  private Database.Config config;

  @Override
  Database.Config config() {
    if (config == null) {
      config = TestPostgres.freshDatabase();
    }
    return config;
  }
}

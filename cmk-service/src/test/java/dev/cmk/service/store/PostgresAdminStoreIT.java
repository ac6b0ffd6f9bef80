package dev.cmk.service.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

class PostgresAdminStoreIT extends AdminStoreContract {
  Database db;

  @BeforeEach
  void open() {
    db = Database.open(TestPostgres.freshDatabase());
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Override
  protected Database db() {
    return db;
  }
}

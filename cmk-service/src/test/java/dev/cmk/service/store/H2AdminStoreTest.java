package dev.cmk.service.store;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

class H2AdminStoreTest extends AdminStoreContract {
  @TempDir Path dir;
  Database db;

  @BeforeEach
  void open() {
    db = Database.open(Database.embedded(dir));
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

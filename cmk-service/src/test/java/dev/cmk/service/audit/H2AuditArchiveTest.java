package dev.cmk.service.audit;

import dev.cmk.service.store.Database;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class H2AuditArchiveTest extends AuditArchiveContract {
  @TempDir Path dbDir;

  @Override
  Database.Config config() {
    return Database.embedded(dbDir);
  }
}

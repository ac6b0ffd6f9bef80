package dev.cmk.service.audit;

import dev.cmk.service.store.Database;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class H2AuditLogTest extends AuditLogContract {
  @TempDir Path dir;

  @Override
  Database.Config config() {
    return Database.embedded(dir);
  }
}

package dev.cmk.service.key;

import dev.cmk.service.store.Database;
import dev.cmk.service.store.TestPostgres;
import java.nio.file.Path;

class SearchGrantLeasePostgresIT extends SearchGrantLeaseContract {
  @Override
  protected Database.Config database(Path dir) {
    return TestPostgres.freshDatabase();
  }
}

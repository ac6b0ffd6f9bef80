package dev.cmk.service.key;

import dev.cmk.service.store.Database;
import java.nio.file.Path;

class SearchGrantLeaseTest extends SearchGrantLeaseContract {
  @Override
  protected Database.Config database(Path dir) {
    return Database.embedded(dir);
  }
}

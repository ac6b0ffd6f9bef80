package dev.cmk.service.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A real PostgreSQL for integration tests: the server named by the system property {@code
 * cmk.test.postgres.url} (CI starts Debian's PostgreSQL and sets it), otherwise an embedded
 * PostgreSQL started from Maven-served binaries. Each call makes a fresh database.
 */
public final class TestPostgres {
  private static EmbeddedPostgres embedded;

  private TestPostgres() {}

  /** A system property, else the environment variable of the same name in upper snake case. */
  private static String setting(String property, String fallback) {
    String v = System.getProperty(property, "");
    if (v.isBlank()) {
      v =
          System.getenv()
              .getOrDefault(property.toUpperCase(java.util.Locale.ROOT).replace('.', '_'), "");
    }
    return v.isBlank() ? fallback : v;
  }

  public static synchronized Database.Config freshDatabase() {
    String url = setting("cmk.test.postgres.url", "");
    String name = "cmk_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try {
      if (!url.isBlank()) {
        String user = setting("cmk.test.postgres.user", "postgres");
        String pw = setting("cmk.test.postgres.password", "postgres");
        try (Connection c = java.sql.DriverManager.getConnection(url, user, pw);
            Statement s = c.createStatement()) {
          s.execute("create database " + name);
        }
        return new Database.Config(url.replaceAll("/[^/?]*(\\?.*)?$", "/" + name), user, pw, 10);
      }
      if (embedded == null) {
        embedded = EmbeddedPostgres.builder().start();
      }
      try (Connection c = embedded.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("create database " + name);
      }
      return new Database.Config(embedded.getJdbcUrl("postgres", name), "postgres", "postgres", 10);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a PostgreSQL test database", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }
}

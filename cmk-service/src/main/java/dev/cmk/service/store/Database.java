package dev.cmk.service.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The metadata database: a pooled JDBC data source, migrated by Flyway on start, used through JDBI.
 * The same migrations and SQL run on embedded H2 (in PostgreSQL mode) and on PostgreSQL.
 */
public final class Database implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final ChangeVersions changes;

  private Database(HikariDataSource dataSource) {
    this.dataSource = dataSource;
    this.jdbi = Jdbi.create(dataSource);
    if (dataSource.getJdbcUrl().startsWith("jdbc:h2:file:")) {
      jdbi.setTransactionHandler(new H2DurableCommits(jdbi.getTransactionHandler()));
      jdbi.getConfig(org.jdbi.v3.core.statement.SqlStatements.class)
          .addCustomizer(new H2DurableCommits.AutoCommitWrites());
    }
    this.changes = new ChangeVersions(jdbi, ChangeVersions.DEFAULT_BOUND, System::nanoTime);
  }

  /** Connection settings. */
  public record Config(String url, String user, String password, int maxPoolSize) {
    @Override
    public String toString() {
      return "Database.Config[url=" + url + ", user=" + user + ", password=redacted]";
    }
  }

  /**
   * An embedded H2 database in a file below {@code dir}. {@code WRITE_DELAY=0}: a commit reaches
   * the file before it returns (H2 otherwise batches commits for up to 500 ms, which a killed
   * process loses while the blobs it wrote survive).
   */
  public static Config embedded(Path dir) {
    String url =
        "jdbc:h2:file:"
            + dir.toAbsolutePath().resolve("cmk")
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE"
            + ";WRITE_DELAY=0";
    return new Config(url, "cmk", "", 10);
  }

  /** Opens the pool and applies every pending migration. */
  public static Database open(Config config) {
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(config.url());
    hc.setUsername(config.user());
    hc.setPassword(config.password());
    hc.setMaximumPoolSize(config.maxPoolSize());
    hc.setPoolName("cmk-metadata");
    HikariDataSource ds = new HikariDataSource(hc);
    try {
      Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    warnIfNotDurable(ds);
    return new Database(ds);
  }

  /**
   * A 2xx promises that the write's rows are committed durably (issue 14). CMK never weakens that
   * (it sets no session or server setting), but a PostgreSQL server can run with {@code fsync} or
   * {@code synchronous_commit} off, and then a database crash loses commits a client was told are
   * stored: say so loudly at start-up.
   */
  private static void warnIfNotDurable(HikariDataSource ds) {
    if (!ds.getJdbcUrl().startsWith("jdbc:postgresql:")) {
      return;
    }
    try (java.sql.Connection c = ds.getConnection();
        java.sql.Statement s = c.createStatement()) {
      for (String setting : java.util.List.of("fsync", "synchronous_commit", "full_page_writes")) {
        try (java.sql.ResultSet rs = s.executeQuery("show " + setting)) {
          if (rs.next() && "off".equalsIgnoreCase(rs.getString(1))) {
            org.slf4j.LoggerFactory.getLogger(Database.class)
                .warn(
                    "PostgreSQL runs with {} = off: a crash of the database server can lose"
                        + " writes CMK already acknowledged. Turn it on for production.",
                    setting);
          }
        }
      }
    } catch (java.sql.SQLException e) {
      org.slf4j.LoggerFactory.getLogger(Database.class)
          .warn("cannot read PostgreSQL's durability settings: {}", e.getMessage());
    }
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  /** The change versions every cache of this database's lookups follows (V41). */
  public ChangeVersions changes() {
    return changes;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /** Whether this is PostgreSQL (some statements differ, e.g. SKIP LOCKED). */
  public boolean isPostgres() {
    return dataSource.getJdbcUrl().startsWith("jdbc:postgresql:");
  }

  static OffsetDateTime ts(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }

  /** A timestamp-with-time-zone column as an instant. */
  public static Instant instant(java.sql.ResultSet rs, String column) throws java.sql.SQLException {
    return rs.getObject(column, OffsetDateTime.class).toInstant();
  }

  static boolean isForeignKeyViolation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      // 23503 on PostgreSQL; H2 reports a missing parent row as 23506
      if (t instanceof java.sql.SQLException s
          && ("23503".equals(s.getSQLState()) || "23506".equals(s.getSQLState()))) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code e} was caused by a unique (or primary-key) violation. */
  public static boolean isUniqueViolation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLException s && "23505".equals(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    dataSource.close();
  }
}

package dev.cmk.service.catalog;

import dev.cmk.service.store.ChangeVersions;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.VersionedCache;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** The asset catalog in the metadata database (seeded by migration V2). */
public final class JdbcCatalog implements CatalogStore {
  private static final RowMapper<AssetType> TYPE =
      (rs, ctx) ->
          new AssetType(
              rs.getString("name"),
              rs.getString("service_id"),
              rs.getString("service"),
              rs.getString("description"),
              rs.getBoolean("cmk_eligible"),
              rs.getBoolean("organizer_decides"));

  private final Jdbi jdbi;
  private final ChangeVersions changes;
  private final VersionedCache<String, Optional<AssetType>> byName;

  public JdbcCatalog(Database db) {
    this.jdbi = db.jdbi();
    this.changes = db.changes();
    this.byName = new VersionedCache<>(changes, ChangeVersions.Kind.CATALOG, 10_000);
  }

  @Override
  public List<AssetType> list() {
    return jdbi.withHandle(
        h -> h.createQuery("select * from asset_types order by service_id").map(TYPE).list());
  }

  @Override
  public boolean insert(AssetType t) {
    try {
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      "insert into asset_types (name, service_id, service, description,"
                          + " cmk_eligible, organizer_decides) values (:n, :id, :s, :d, :e, :o)")
                  .bind("n", t.name())
                  .bind("id", t.serviceId())
                  .bind("s", t.service())
                  .bind("d", t.description())
                  .bind("e", t.cmkEligible())
                  .bind("o", t.organizerDecides())
                  .execute());
      jdbi.useHandle(h -> changes.changed(h, ChangeVersions.Kind.CATALOG));
      return true;
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e)) {
        return false;
      }
      throw e;
    }
  }

  /** From this node's memory, at most {@link ChangeVersions#bound()} old on other nodes. */
  @Override
  public Optional<AssetType> find(String name) {
    return byName.get(name, this::load);
  }

  private Optional<AssetType> load(String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from asset_types where name = :n")
                .bind("n", name)
                .map(TYPE)
                .findOne());
  }
}

package dev.cmk.service.store;

import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.Catalog;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** The asset catalog in the metadata database (seeded by migration V2). */
public final class JdbcCatalog implements Catalog {
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

  public JdbcCatalog(Database db) {
    this.jdbi = db.jdbi();
  }

  @Override
  public List<AssetType> list() {
    return jdbi.withHandle(
        h -> h.createQuery("select * from asset_types order by service_id").map(TYPE).list());
  }

  @Override
  public Optional<AssetType> find(String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from asset_types where name = :n")
                .bind("n", name)
                .map(TYPE)
                .findOne());
  }
}

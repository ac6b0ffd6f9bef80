package dev.cmk.service.catalog;

/** The catalog with the one change it allows: adding an asset type. */
public interface CatalogStore extends Catalog {
  /**
   * @return false when the name or the service id is taken
   */
  boolean insert(AssetType type);
}

package dev.cmk.service.catalog;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The asset catalog: which content exists and whether the customer's key may protect it. */
public interface Catalog {
  /**
   * Asset types whose KEKs serve a purpose of their own (live-call session keys, the search index's
   * derived keys): only their own APIs use them, never the content API, so a KEK is never both a
   * DEK wrapper and a key-derivation input.
   */
  Set<String> OWN_API_ONLY = Set.of("live-call", "search-index");

  List<AssetType> list();

  Optional<AssetType> find(String name);

  default AssetType require(String name) {
    return find(name)
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.ASSET_TYPE_NOT_FOUND,
                    "asset type '" + name + "' is not in the catalog; GET /v1/catalog lists them"));
  }
}

package dev.cmk.service.catalog;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.util.List;
import java.util.Optional;

/** The asset catalog: which content exists and whether the customer's key may protect it. */
public interface Catalog {
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

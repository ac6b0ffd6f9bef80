package dev.cmk.service.catalog;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The operator extends the catalog. Service ids travel in KMS encryption contexts and key-policy
 * conditions, so an asset type is never renamed, renumbered or removed, and a name or service id is
 * never reused.
 */
public final class CatalogService {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
  private static final Pattern SERVICE_ID = Pattern.compile("\\d{4}");

  private final CatalogStore store;
  private final AuditLog audit;

  /** {@code audit} receives catalog additions: the platform log. */
  public CatalogService(CatalogStore store, AuditLog audit) {
    this.store = store;
    this.audit = audit;
  }

  public List<AssetType> list() {
    return store.list();
  }

  public AssetType add(AssetType t) {
    return add(Caller.system("catalog"), t);
  }

  /** Adds an asset type for {@code caller}; audited in the platform log with the change. */
  public AssetType add(Caller caller, AssetType t) {
    require(t.name() != null && NAME.matcher(t.name()).matches(), "name must be 1-64 of a-z 0-9 -");
    require(
        t.serviceId() != null && SERVICE_ID.matcher(t.serviceId()).matches(),
        "serviceId must be four digits, e.g. 0021");
    require(
        t.service() != null && NAME.matcher(t.service()).matches(),
        "service must be 1-64 of a-z 0-9 -, e.g. chat");
    require(
        t.description() != null && !t.description().isBlank() && t.description().length() <= 200,
        "description is required (1-200 characters)");
    for (AssetType e : store.list()) {
      if (e.name().equals(t.name()) || e.serviceId().equals(t.serviceId())) {
        throw duplicate(t, e);
      }
    }
    return audit.inTransaction(
        () -> {
          if (!store.insert(t)) {
            throw new CmkException(
                ErrorCode.CONFLICT,
                "asset type '" + t.name() + "' or service id was added concurrently");
          }
          audit.record(
              AuditEvent.of(AuditEvent.PLATFORM_ACCOUNT, caller, Actions.CATALOG_ADD)
                  .withTarget(t.name(), "")
                  .withDetail("serviceId", t.serviceId())
                  .withDetail("service", t.service())
                  .withDetail("cmkEligible", Boolean.toString(t.cmkEligible())));
          return t;
        });
  }

  private static CmkException duplicate(AssetType t, AssetType existing) {
    String what =
        existing.name().equals(t.name())
            ? "name '" + t.name() + "'"
            : "service id " + t.serviceId() + " (used by '" + existing.name() + "')";
    return new CmkException(
        ErrorCode.CONFLICT, "the catalog already has " + what + "; ids are never reused");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, message);
    }
  }
}

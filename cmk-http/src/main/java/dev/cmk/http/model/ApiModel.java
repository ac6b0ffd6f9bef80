package dev.cmk.http.model;

import dev.cmk.service.account.Account;
import dev.cmk.service.account.LicenseChange;
import dev.cmk.service.auth.ApiToken;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.content.FallbackWrites;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.SearchGrant;
import dev.cmk.service.key.ValidationReport;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The /v1 API model: request and response bodies. Field names are a public contract; add fields,
 * never rename or remove them within v1.
 */
public final class ApiModel {
  private ApiModel() {}

  /**
   * POST /v1/accounts. Only {@code name} is required; region defaults to us-east-1, options to off.
   */
  public record CreateAccount(
      String name,
      String region,
      Boolean fallbackEnabled,
      Boolean dropCallsOnKeyUnavailable,
      Boolean searchEncryption) {}

  /** PATCH /v1/accounts/{accountId} (operator): only the fields present change. */
  public record UpdateAccount(
      String region,
      Boolean fallbackEnabled,
      Boolean dropCallsOnKeyUnavailable,
      Boolean searchEncryption) {}

  /** PUT of an on/off option, e.g. /v1/accounts/{accountId}/fallback. */
  public record Toggle(Boolean enabled) {}

  /** One row of a JSON bulk license request. */
  public record LicenseRow(String userId, Boolean cmkLicensed) {}

  /** The answer to a bulk license request: counts and one result per row. */
  public record BulkLicenseResult(long applied, long failed, List<LicenseChange.Result> rows) {}

  /** POST /v1/catalog (operator): a new asset type with a new, never reused service id. */
  public record NewAssetType(
      String name,
      String serviceId,
      String service,
      String description,
      Boolean cmkEligible,
      Boolean organizerDecides) {}

  /** An account as the API shows it. */
  public record AccountView(
      String id,
      String name,
      String region,
      boolean fallbackEnabled,
      boolean dropCallsOnKeyUnavailable,
      Instant createdAt,
      boolean searchEncryption,
      String fallbackMode) {
    public static AccountView of(Account a) {
      return new AccountView(
          a.id(),
          a.name(),
          a.region(),
          a.fallbackEnabled(),
          a.dropCallsOnKeyUnavailable(),
          a.createdAt(),
          a.searchEncryption(),
          a.fallbackMode().name());
    }
  }

  /** PUT /v1/accounts/{accountId}/key. */
  public record RegisterKey(String provider, String keyId, List<String> replicaKeyIds) {}

  /** A registered customer key. */
  public record KeyView(
      String id,
      String provider,
      String keyId,
      List<String> replicaKeyIds,
      String status,
      Instant createdAt) {
    public static KeyView of(CustomerKey k) {
      return new KeyView(
          k.id(),
          k.ref().provider(),
          k.ref().keyId(),
          k.ref().replicaKeyIds(),
          k.status().name(),
          k.createdAt());
    }
  }

  /** One of the search service's standing grants (GET key/search-grants). */
  public record SearchGrantView(
      String id,
      String customerKeyId,
      String provider,
      String keyId,
      String region,
      boolean replica,
      String grantName,
      String grantId,
      String status,
      String lastError,
      Instant createdAt,
      Instant updatedAt) {
    public static SearchGrantView of(SearchGrant g) {
      return new SearchGrantView(
          g.id(),
          g.customerKeyId(),
          g.provider(),
          g.keyId(),
          g.region(),
          g.replica(),
          g.grantName(),
          g.grantId(),
          g.status().name(),
          g.lastError(),
          g.createdAt(),
          g.updatedAt());
    }
  }

  /** The answer to a key registration: the key and every validation check. */
  public record KeyRegistration(KeyView key, ValidationReport validation) {}

  /** PUT /v1/accounts/{accountId}/users/{userId}/license. */
  public record SetLicense(Boolean cmkLicensed) {}

  /** A user's license state. */
  public record LicenseView(String accountId, String userId, boolean cmkLicensed) {}

  /** Metadata of a stored object: which key protects it. */
  public record ObjectView(
      String objectId,
      String accountId,
      String assetType,
      String owner,
      String protection,
      String kekId,
      long size,
      Instant createdAt,
      @Nullable FallbackView fallback) {
    public static ObjectView of(StoredObject o) {
      return of(o, Optional.empty());
    }

    /** With why the object went under the backup key, shown while its protection is FALLBACK. */
    public static ObjectView of(StoredObject o, Optional<FallbackWrites.Entry> cause) {
      return new ObjectView(
          o.objectId(),
          o.accountId(),
          o.assetType(),
          o.ownerUserId(),
          o.protection().name(),
          o.kekId(),
          o.plaintextSize(),
          o.createdAt(),
          o.protection() == Protection.FALLBACK ? cause.map(FallbackView::of).orElse(null) : null);
    }
  }

  /**
   * Why a write went under the platform's backup key: {@code cause} UNREACHABLE (outage,
   * throttling) or REFUSED (disabled, pending deletion, access denied, not found), {@code reason}
   * the failure, {@code providerCode} the provider's evidence, {@code mode} the account's fallback
   * mode at the time.
   */
  public record FallbackView(
      String cause, String reason, String providerCode, String mode, Instant at) {
    public static FallbackView of(FallbackWrites.Entry e) {
      return new FallbackView(e.cause(), e.reason(), e.providerCode(), e.mode().name(), e.at());
    }
  }

  /**
   * A catalog entry. {@code licenseHolder} says whose CMK license decides the protection, and so
   * who goes in the {@code X-CMK-User} header of a write: {@code organizer} for meeting assets,
   * else {@code owner}.
   */
  public record AssetTypeView(
      String name,
      String serviceId,
      String service,
      String description,
      boolean cmkEligible,
      boolean organizerDecides,
      String licenseHolder) {
    public static AssetTypeView of(AssetType t) {
      return new AssetTypeView(
          t.name(),
          t.serviceId(),
          t.service(),
          t.description(),
          t.cmkEligible(),
          t.organizerDecides(),
          t.organizerDecides() ? "organizer" : "owner");
    }
  }

  /** POST /v1/tokens. {@code accountId} is required for admin tokens, optional for service ones. */
  public record CreateToken(String role, String accountId, List<String> services, String label) {}

  /**
   * A token as listed: never its secret. {@code lastUsedAt}: when it last authenticated a request
   * (to the minute; null if never); {@code current}: the token of the request that lists it.
   */
  public record TokenView(
      String id,
      String role,
      @Nullable String accountId,
      List<String> services,
      String label,
      Instant createdAt,
      @Nullable Instant revokedAt,
      @Nullable Instant lastUsedAt,
      boolean current) {
    public static TokenView of(ApiToken t) {
      return of(t, null, false);
    }

    public static TokenView of(ApiToken t, @Nullable Instant lastUsedAt, boolean current) {
      return new TokenView(
          t.id(),
          t.role().name().toLowerCase(java.util.Locale.ROOT),
          t.accountId().orElse(null),
          t.services().stream().sorted().toList(),
          t.label(),
          t.createdAt(),
          t.revokedAt().orElse(null),
          lastUsedAt,
          current);
    }
  }

  /**
   * A new token and its secret: the only time the secret is shown.
   *
   * <p><b>Security:</b> {@code toString} does not show the secret.
   */
  public record CreatedToken(TokenView token, String secret) {
    @Override
    public String toString() {
      return "CreatedToken[" + token + ", secret=redacted]";
    }
  }

  /** The one error shape of the API. */
  public record ErrorBody(Error error) {
    /** Error detail: a stable code, a human message, structured details, the request id. */
    public record Error(
        String code, String message, @Nullable Map<String, Object> details, String requestId) {}
  }
}

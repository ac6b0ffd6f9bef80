package dev.cmk.service.catalog;

/**
 * A catalogued kind of content.
 *
 * @param name stable name used in the API, e.g. {@code meeting-recording}
 * @param serviceId stable four-digit id that travels in every KMS encryption context
 * @param service the platform service that writes it (meetings, phone, chat…)
 * @param cmkEligible whether the customer's key may protect it; otherwise the platform key does
 * @param organizerDecides whether the meeting organizer's license decides (meeting assets)
 */
public record AssetType(
    String name,
    String serviceId,
    String service,
    String description,
    boolean cmkEligible,
    boolean organizerDecides) {}

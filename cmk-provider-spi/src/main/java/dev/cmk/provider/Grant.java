package dev.cmk.provider;

import java.util.List;

/**
 * A standing permission for another principal (the search service) to use a root key, as the
 * provider reports it.
 *
 * @param grantId the provider's id for the grant; CMK stores it to revoke the grant later
 * @param name the name CMK gave the grant, so an admin can recognise it in the provider's console
 * @param granteePrincipal the principal the grant is for (an IAM role ARN on AWS)
 * @param operations the provider's names of the operations granted, e.g. {@code Decrypt}
 */
public record Grant(String grantId, String name, String granteePrincipal, List<String> operations) {
  public Grant {
    operations = List.copyOf(operations);
  }
}

package dev.cmk.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.http.AccessPolicy.Rule;
import io.javalin.http.HandlerType;
import org.junit.jupiter.api.Test;

/** Routes added later are protected by default: the path rules, not a list, decide. */
class AccessPolicyTest {
  @Test
  void newRoutesDefaultToTheStrictestFittingRule() {
    assertThat(AccessPolicy.ruleFor(HandlerType.GET, "/v1/health")).isEqualTo(Rule.OPEN);
    assertThat(AccessPolicy.ruleFor(HandlerType.POST, "/v1/accounts/{accountId}/revoke"))
        .isEqualTo(Rule.ACCOUNT_ADMIN);
    assertThat(AccessPolicy.ruleFor(HandlerType.GET, "/v1/accounts/{accountId}/jobs/{jobId}"))
        .isEqualTo(Rule.ACCOUNT_ADMIN);
    assertThat(AccessPolicy.ruleFor(HandlerType.GET, "/v1/accounts/{accountId}/key/search-grants"))
        .isEqualTo(Rule.ACCOUNT_ADMIN);
    assertThat(AccessPolicy.ruleFor(HandlerType.POST, "/v1/jobs")).isEqualTo(Rule.OPERATOR);
    assertThat(AccessPolicy.ruleFor(HandlerType.PATCH, "/v1/accounts/{accountId}"))
        .isEqualTo(Rule.OPERATOR);
    assertThat(AccessPolicy.ruleFor(HandlerType.PUT, "/v1/accounts/{accountId}/content/{a}/{o}"))
        .isEqualTo(Rule.CONTENT);
    assertThat(AccessPolicy.ruleFor(HandlerType.GET, "/v1/catalog")).isEqualTo(Rule.ANY_TOKEN);
    assertThat(AccessPolicy.ruleFor(HandlerType.GET, "/v1/accounts/{accountId}/search"))
        .isEqualTo(Rule.SEARCH);
    assertThat(
            AccessPolicy.ruleFor(
                HandlerType.PUT, "/v1/accounts/{accountId}/search/documents/{documentId}"))
        .isEqualTo(Rule.SEARCH);
    assertThat(AccessPolicy.ruleFor(HandlerType.POST, "/v1/accounts/{accountId}/search/documents"))
        .as("a search route added later is the admins', not the search service's")
        .isEqualTo(Rule.ACCOUNT_ADMIN);
    assertThat(AccessPolicy.ruleFor(HandlerType.POST, "/v1/catalog")).isEqualTo(Rule.OPERATOR);
    assertThat(AccessPolicy.ruleFor(HandlerType.GET, "/v1/accountsx")).isEqualTo(Rule.OPERATOR);
  }
}

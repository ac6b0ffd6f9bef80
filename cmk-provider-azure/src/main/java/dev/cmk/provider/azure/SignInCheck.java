package dev.cmk.provider.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import reactor.core.publisher.Mono;

/**
 * Checks what the sign-in credential hands out. An identity platform (or a proxy in front of it)
 * that answers 200 without an access token would otherwise make the SDK send {@code Bearer null} to
 * the vault, whose 401 reads as a refusal of the platform principal; it is an outage.
 */
final class SignInCheck {
  private SignInCheck() {}

  /** The token endpoint answered, but with no usable access token. */
  static final class NoAccessTokenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoAccessTokenException() {
      super("the identity platform's answer carried no access token");
    }
  }

  static TokenCredential requireAccessToken(TokenCredential credential) {
    return new TokenCredential() {
      @Override
      public Mono<AccessToken> getToken(TokenRequestContext request) {
        return credential.getToken(request).map(SignInCheck::check);
      }

      @Override
      public AccessToken getTokenSync(TokenRequestContext request) {
        return check(credential.getTokenSync(request));
      }
    };
  }

  private static AccessToken check(AccessToken token) {
    String t = token == null ? null : token.getToken();
    if (t == null || t.isBlank() || t.equals("null")) {
      throw new NoAccessTokenException();
    }
    return token;
  }
}

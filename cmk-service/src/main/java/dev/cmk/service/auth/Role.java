package dev.cmk.service.auth;

/** What a token may do. */
public enum Role {
  /** Runs the service: accounts, catalog, tokens, and every account's admin routes. */
  OPERATOR,
  /** The security admin of one account. */
  ADMIN,
  /** A platform service (meetings, chat…) reading and writing content of one account or all. */
  SERVICE
}

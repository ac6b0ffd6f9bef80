package dev.cmk.service.audit;

import java.util.Locale;

/** Who acted, as recorded in the audit log. The lower-case name is part of the record format. */
public enum ActorKind {
  /** An end user (content owner); used when a user acts directly. */
  USER,
  /** A platform service's token (meetings, chat, search…), acting for a user. */
  SERVICE,
  /** An account admin's token. */
  ADMIN,
  /** An operator's token. */
  OPERATOR,
  /** The service itself: probes, background jobs, the CLI on the database. */
  SYSTEM;

  /** The name in the record format, e.g. {@code service}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ActorKind fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}

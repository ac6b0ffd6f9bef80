package dev.cmk.service.account;

import java.time.Instant;

/** A user of an account and whether they hold a CMK license. */
public record User(String accountId, String userId, boolean cmkLicensed, Instant updatedAt) {}

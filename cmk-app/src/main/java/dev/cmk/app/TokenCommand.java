package dev.cmk.app;

import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.auth.IssuedToken;
import dev.cmk.service.auth.JdbcTokenStore;
import dev.cmk.service.auth.Role;
import dev.cmk.service.auth.TokenService;
import dev.cmk.service.catalog.JdbcCatalog;
import dev.cmk.service.store.Database;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cmk token}: bearer tokens (operator only). */
@Command(
    name = "token",
    description = "Create, list and revoke bearer tokens (operator).",
    subcommands = {
      TokenCommand.Create.class,
      TokenCommand.ListTokens.class,
      TokenCommand.Revoke.class
    })
final class TokenCommand {

  /**
   * {@code cmk token create}: by default straight on the configured database (how the first
   * operator token is made); with {@code --api} through the API with an operator token.
   */
  @Command(name = "create", description = "Create a token; its secret is printed once.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--role", required = true, description = "operator, admin or service")
    String role;

    @Option(names = "--account", description = "account id (admin: required; service: optional)")
    String account;

    @Option(
        names = "--services",
        split = ",",
        description = "services of a service token, e.g. chat,meetings")
    List<String> services = List.of();

    @Option(names = "--label", defaultValue = "", description = "who holds the token")
    String label;

    @Option(
        names = "--api",
        description = "create it through the API (--url, --token) instead of the database")
    boolean viaApi;

    @Option(
        names = "--config",
        description = "YAML configuration of the node whose database to use")
    Path config;

    @Override
    public Integer call() {
      if (viaApi) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", role);
        body.put("accountId", account);
        body.put("services", services);
        body.put("label", label);
        return api.client(spec).call("POST", "/v1/tokens", body);
      }
      Optional<Role> r = parseRole(role);
      if (r.isEmpty()) {
        spec.commandLine().getErr().println("--role must be operator, admin or service");
        return 2;
      }
      CmkConfig cfg = ConfigLoader.load(Optional.ofNullable(config), System.getenv());
      try (Database db = Database.open(CmkNode.databaseConfig(cfg))) {
        Clock clock = Clock.systemUTC();
        SecureRandom random = new SecureRandom();
        JdbcCatalog catalog = new JdbcCatalog(db);
        // issued on the database, not through the API: the audit log names the CLI as the actor
        var audit = new dev.cmk.service.audit.JdbcAuditLog(db, clock);
        TokenService tokens =
            new TokenService(
                new JdbcTokenStore(db),
                new AccountService(new JdbcAccountStore(db), audit, clock, random),
                catalog,
                audit,
                clock,
                random);
        IssuedToken t =
            tokens.create(
                dev.cmk.service.audit.Caller.system("cli"),
                new TokenService.Spec(
                    r.get(), Optional.ofNullable(account), Set.copyOf(services), label));
        var out = spec.commandLine().getOut();
        out.println("token id: " + t.token().id() + " (" + role + ")");
        out.println("secret (shown once; store it now):");
        out.println(t.secret());
        out.flush();
        return 0;
      } catch (dev.cmk.service.CmkException e) {
        spec.commandLine().getErr().println(e.code().code() + ": " + e.getMessage());
        return 1;
      }
    }

    private static Optional<Role> parseRole(String r) {
      try {
        return Optional.of(Role.valueOf(r.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
  }

  /** {@code cmk token list}. */
  @Command(name = "list", description = "List tokens (never their secrets).")
  static final class ListTokens implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Override
    public Integer call() {
      return api.client(spec).call("GET", "/v1/tokens", null);
    }
  }

  /** {@code cmk token revoke}. */
  @Command(name = "revoke", description = "Revoke a token at once.")
  static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Parameters(index = "0", description = "token id (tok_…)")
    String tokenId;

    @Override
    public Integer call() {
      return api.client(spec).call("DELETE", "/v1/tokens/" + tokenId, null);
    }
  }
}

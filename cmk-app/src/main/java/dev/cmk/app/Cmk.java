package dev.cmk.app;

import dev.cmk.service.CmkException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code cmk} command. */
@Command(
    name = "cmk",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT,
    version = "cmk 0.1.0",
    description = "Customer Managed Key service",
    subcommands = {
      Cmk.Serve.class,
      DemoCommand.class,
      AccountsCommand.class,
      KeyCommand.class,
      LicensesCommand.class,
      FallbackCommand.class,
      FallbackCommand.SearchEncryption.class,
      CatalogCommand.class,
      TokenCommand.class,
      JobsCommand.class,
      AuditCommand.class,
      DevKeyCommand.class,
      CoverageCommand.class
    })
public final class Cmk implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Cmk()).execute(args));
  }

  static final String BOOTSTRAP_ENV = "CMK_BOOTSTRAP_OPERATOR_TOKEN";

  /** {@code cmk serve}: runs a node until it is stopped. */
  @Command(name = "serve", description = "Run the CMK server.")
  static final class Serve implements Callable<Integer> {
    @Option(
        names = "--config",
        description =
            "YAML configuration file (default: none; CMK_* environment variables apply on top)")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
      CmkConfig cfg = ConfigLoader.load(Optional.ofNullable(config), System.getenv());
      CmkNode node = new CmkNode(cfg, Clock.systemUTC());
      try {
        bootstrap(node, config); // before listening, so the first request can already use it
      } catch (CmkException e) {
        System.err.println(BOOTSTRAP_ENV + ": " + e.getMessage());
        node.close();
        return 2;
      }
      node.start();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    node.close();
                    stopped.countDown();
                  },
                  "cmk-shutdown"));
      System.out.printf(
          "cmk listening on http://%s:%d (data in %s)%nweb console: http://%1$s:%2$d/console/%n",
          cfg.server().host(), node.port(), cfg.storage().dataDir().toAbsolutePath());
      stopped.await();
      return 0;
    }

    /**
     * Without any operator token nobody can use the API: accept one from {@code
     * CMK_BOOTSTRAP_OPERATOR_TOKEN}, or say how to create one.
     */
    static void bootstrap(CmkNode node, Path config) {
      String given = System.getenv(BOOTSTRAP_ENV);
      if (given != null && !given.isBlank()) {
        if (node.tokens().bootstrapOperator(given.strip())) {
          System.out.println("created the operator token given in " + BOOTSTRAP_ENV);
        }
      } else if (!node.tokens().hasOperator()) {
        System.out.printf(
            "no operator token exists yet. Create one (printed once) with:%n"
                + "  cmk token create --role operator --label first-operator%s%n"
                + "or restart with %s set to a secret of at least 32 characters.%n",
            config == null ? "" : " --config " + config, BOOTSTRAP_ENV);
      }
    }
  }
}

package dev.cmk.app;

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
    version = "cmk 0.1.0",
    description = "Customer Managed Key service",
    subcommands = {Cmk.Serve.class, DemoCommand.class, JobsCommand.class})
public final class Cmk implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Cmk()).execute(args));
  }

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
      CmkNode node = new CmkNode(cfg, Clock.systemUTC()).start();
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
          "cmk listening on http://%s:%d (data in %s)%n",
          cfg.server().host(), node.port(), cfg.storage().dataDir().toAbsolutePath());
      stopped.await();
      return 0;
    }
  }
}

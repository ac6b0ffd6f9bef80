package dev.cmk.service.reprotect;

import dev.cmk.service.ServiceFixture;
import java.nio.file.Path;

/**
 * The server half of {@link KillNineRecoveryIT}: opens the node on the test's directory and works
 * the running recovery job batch by batch, printing each batch, until it is killed with SIGKILL.
 */
public final class KillNineChild {
  private KillNineChild() {}

  public static void main(String[] args) {
    try (ServiceFixture f = ServiceFixture.h2(Path.of(args[0]))) {
      for (int batch = 1; batch < 10_000; batch++) {
        int n = f.jobs.runOnce();
        System.out.println("batch " + batch + " " + n);
        System.out.flush();
        if (n == 0) {
          break;
        }
      }
    }
  }
}

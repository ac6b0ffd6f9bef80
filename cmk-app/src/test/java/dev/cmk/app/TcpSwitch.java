package dev.cmk.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP forwarder on 127.0.0.1 in front of a peer that a test can switch off: while off, every open
 * connection is cut and new ones are closed at once, as when the peer's host goes away.
 */
final class TcpSwitch implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> hung = ConcurrentHashMap.newKeySet();
  private volatile boolean on = true;
  private volatile boolean hang;

  TcpSwitch(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  void on() {
    on = true;
    hang = false;
    hung.forEach(TcpSwitch::closeQuietly);
    hung.clear();
  }

  /**
   * Cuts every connection; new ones are accepted and then never answered, as when the peer's host
   * stops responding: a client waits for its own timeout.
   */
  void hang() {
    hang = true;
    off();
    on = true;
  }

  /** Cuts every connection; new ones are closed as soon as they are accepted. */
  void off() {
    on = false;
    open.forEach(TcpSwitch::closeQuietly);
    open.clear();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (!on) {
          closeQuietly(client);
          continue;
        }
        if (hang) {
          hung.add(client);
          continue;
        }
        Socket upstream =
            new Socket(InetAddress.getLoopbackAddress(), targetPort); // the peer on this machine
        open.add(client);
        open.add(upstream);
        threads.execute(() -> pipe(client, upstream));
        threads.execute(() -> pipe(upstream, client));
      } catch (IOException e) {
        // closed: the loop ends
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      open.remove(from);
      open.remove(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    on();
    off();
    server.close();
    threads.shutdownNow();
  }
}

package dev.raftkv.verify;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy for one directed link between two peers: it listens on one address and forwards
 * every connection to a target. The link can be cut (existing connections are reset, new ones are
 * reset at once) and slowed (each forwarded chunk is delayed).
 *
 * <p>When the target refuses a connection the client side is reset at once as well: a proxy that
 * accepted and then waited would leave gRPC on a half-open connection.
 */
public final class LinkProxy implements Closeable {

  private final String name;
  private final InetSocketAddress listen;
  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Set<Pipe> pipes = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean cut;
  private volatile int delayMs;
  private volatile boolean closed;
  private final Thread acceptor;

  /** One proxied connection. */
  private final class Pipe {
    final Socket client;
    volatile Socket upstream;
    final AtomicInteger halfClosed = new AtomicInteger();

    Pipe(Socket client) {
      this.client = client;
    }

    void reset() {
      pipes.remove(this);
      LinkProxy.reset(client);
      LinkProxy.reset(upstream);
    }
  }

  public LinkProxy(String name, InetSocketAddress listen, InetSocketAddress target)
      throws IOException {
    this.name = name;
    this.listen = listen;
    this.target = target;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(listen, 128);
    this.acceptor = new Thread(this::acceptLoop, "proxy-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public String name() {
    return name;
  }

  public InetSocketAddress listenAddress() {
    return listen;
  }

  public InetSocketAddress target() {
    return target;
  }

  /** Connections accepted so far (for tests and reports). */
  public int accepted() {
    return accepted.get();
  }

  public boolean isCut() {
    return cut;
  }

  /** Cuts the link: resets every open connection; new ones are reset as soon as accepted. */
  public void cut() {
    cut = true;
    for (Pipe p : pipes) {
      p.reset();
    }
  }

  /** Heals a cut link. */
  public void heal() {
    cut = false;
  }

  /** Adds latency to every forwarded chunk, in both directions (0 = none). */
  public void setDelayMs(int ms) {
    delayMs = ms;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      accepted.incrementAndGet();
      if (cut) {
        reset(client);
        continue;
      }
      Pipe pipe = new Pipe(client);
      pipes.add(pipe);
      Thread t = new Thread(() -> connect(pipe), "proxy-" + name + "-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  private void connect(Pipe pipe) {
    Socket up = new Socket();
    try {
      pipe.client.setTcpNoDelay(true);
      up.setTcpNoDelay(true);
      up.connect(target, 2000);
    } catch (IOException e) {
      // Target down: reset the client at once.
      reset(up);
      pipe.reset();
      return;
    }
    pipe.upstream = up;
    if (cut || closed) {
      pipe.reset();
      return;
    }
    Thread back = new Thread(() -> pump(pipe, up, pipe.client), "proxy-" + name + "-back");
    back.setDaemon(true);
    back.start();
    pump(pipe, pipe.client, up);
  }

  private void pump(Pipe pipe, Socket from, Socket to) {
    byte[] buf = new byte[32 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          // Orderly close: pass the half-close on; close both when both directions are done.
          try {
            to.shutdownOutput();
          } catch (IOException ignored) {
            // the other side is already gone
          }
          if (pipe.halfClosed.incrementAndGet() == 2) {
            pipes.remove(pipe);
            closeQuietly(from);
            closeQuietly(to);
          }
          return;
        }
        if (cut) {
          pipe.reset();
          return;
        }
        int d = delayMs;
        if (d > 0) {
          Thread.sleep(d);
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      pipe.reset();
    }
  }

  static void reset(Socket s) {
    if (s == null) {
      return;
    }
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already closed
    }
    closeQuietly(s);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Pipe p : pipes) {
      p.reset();
    }
  }

  @Override
  public String toString() {
    return name + " " + listen + " -> " + target + (cut ? " (cut)" : "")
        + (delayMs > 0 ? " (+" + delayMs + " ms)" : "");
  }
}

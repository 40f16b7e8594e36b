package dev.raftkv.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.raftkv.resp.ServerStats;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus endpoint of one peer: {@code GET /metrics} on {@code raftkv.metrics.bind}:{@code
 * raftkv.metrics.port}, served by the JDK's HTTP server on one thread of its own (a scrape never
 * runs on a RESP event loop or a Raft thread).
 */
final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer http;
  private final ExecutorService executor;

  MetricsServer(String id, InetSocketAddress bind, RaftKvNode node, ServerStats stats) throws IOException {
    try {
      http = HttpServer.create(bind, 16);
    } catch (IOException e) {
      throw new IOException("cannot listen for /metrics on " + bind.getHostString() + ":" + bind.getPort()
          + ": " + e.getMessage(), e);
    }
    executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, id + "-metrics-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(executor);
    http.createContext("/", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals("/metrics")) {
          send(exchange, 404, "not found: try /metrics\n");
        } else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          send(exchange, 405, "method not allowed\n");
        } else {
          String text;
          try {
            text = MetricsReport.render(node, stats);
          } catch (RuntimeException e) {
            LOG.warn("{}: rendering /metrics failed: {}", id, e.toString());
            send(exchange, 500, "error: " + e + "\n");
            return;
          }
          exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
          send(exchange, 200, text);
        }
      }
    });
    http.start();
    LOG.info("{}: serving Prometheus metrics on http://{}:{}/metrics", id, bind.getHostString(), port());
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : b.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(b);
      }
    }
  }

  int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.config.NodeConfig;
import dev.raftkv.config.PeersFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A real 3-peer cluster with {@code /metrics} on: commands sent with Jedis show up in the scraped
 * counters and histograms of the peer that received them, the store and Raft gauges agree with
 * the cluster, Ratis' own metrics are there, and every scrape parses as Prometheus' text format.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsIT {
  private static final Map<String, String> G0 = Map.of("group", "0");

  @TempDir
  Path dir;

  private final RaftKvNode[] nodes = new RaftKvNode[3];
  private final int[] redisPorts = new int[3];
  private final int[] metricsPorts = new int[3];
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private void startCluster() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      redisPorts[i] = TestCluster.freePort();
      metricsPorts[i] = TestCluster.freePort();
      lines.add("n" + (i + 1) + " 127.0.0.1:" + TestCluster.freePort() + " 127.0.0.1:" + redisPorts[i]);
    }
    Path file = dir.resolve("peers.conf");
    Files.write(file, lines);
    PeersFile peers = PeersFile.load(file);
    for (int i = 0; i < 3; i++) {
      Map<String, String> o = new LinkedHashMap<>();
      o.put("raft.server.rpc.timeout.min", "500ms");
      o.put("raft.server.rpc.timeout.max", "1000ms");
      o.put(NodeConfig.METRICS_PORT, Integer.toString(metricsPorts[i]));
      nodes[i] = RaftKvNode.start("n" + (i + 1), peers, dir.resolve("n" + (i + 1)),
          NodeConfig.build(null, o, Map.of()));
    }
    TestCluster.eventually(Duration.ofSeconds(60), () -> leader() >= 0, "a leader is ready");
  }

  private int leader() {
    for (int i = 0; i < 3; i++) {
      try {
        var info = nodes[i].raftServer().getDivision(RaftKvNode.GROUP_ID).getInfo();
        if (info.isLeader() && info.isLeaderReady()) {
          return i;
        }
      } catch (java.io.IOException e) {
        // not running
      }
    }
    return -1;
  }

  @AfterEach
  void stop() {
    for (int i = 0; i < 3; i++) {
      if (nodes[i] != null) {
        nodes[i].close();
      }
    }
  }

  private HttpResponse<String> get(int node, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPorts[node] + path))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Scrapes one peer and parses the text strictly. */
  private PrometheusText scrape(int node) throws Exception {
    HttpResponse<String> r = get(node, "/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
        r.headers().toString());
    return PrometheusText.parse(r.body());
  }

  @Test
  void commandsOnAFollowerMoveItsCountersAndHistogramsAndEveryScrapeParses() throws Exception {
    startCluster();
    int l = leader();
    int f = (l + 1) % 3;
    PrometheusText before = scrape(f);
    double setsBefore = before.value("raftkv_commands_total", Map.of("command", "set"), 0);
    double connsBefore = before.value("raftkv_connections_received_total", Map.of(), -1);

    try (Jedis j = new Jedis("127.0.0.1", redisPorts[f], 15_000)) {
      for (int i = 0; i < 50; i++) {
        assertEquals("OK", j.set("k" + i, "v" + i));
      }
      for (int i = 0; i < 20; i++) {
        assertEquals("v" + i, j.get("k" + i));
      }
      j.set("a-list", "x");
      try {
        j.lpush("a-list", "y");
      } catch (JedisDataException e) {
        assertTrue(e.getMessage().startsWith("WRONGTYPE"), e.getMessage());
      }
      // while this connection is open
      PrometheusText during = scrape(f);
      assertTrue(during.value("raftkv_connected_clients", Map.of(), -1) >= 1);
    }

    PrometheusText after = scrape(f);
    assertEquals(setsBefore + 51, after.value("raftkv_commands_total", Map.of("command", "set"), 0));
    assertEquals(20, after.value("raftkv_commands_total", Map.of("command", "get"), 0));
    assertEquals(1, after.value("raftkv_command_errors_total", Map.of("command", "lpush"), 0));
    assertEquals(1, after.value("raftkv_error_replies_total", Map.of("code", "WRONGTYPE"), 0));
    assertTrue(after.value("raftkv_connections_received_total", Map.of(), -1) >= connsBefore + 1);
    // the histogram: cumulative buckets ending in +Inf = _count = the counter, a positive sum
    Map<String, String> set = Map.of("command", "set");
    double count = after.value("raftkv_command_duration_seconds_count", set, -1);
    assertEquals(setsBefore + 51, count);
    assertEquals(count, after.value("raftkv_command_duration_seconds_bucket",
        Map.of("command", "set", "le", "+Inf"), -1));
    assertTrue(after.value("raftkv_command_duration_seconds_sum", set, -1) > 0);
    double previous = 0;
    for (PrometheusText.Sample s : after.samples("raftkv_command_duration_seconds_bucket")) {
      if (s.labels().get("command").equals("set")) {
        assertTrue(s.value() >= previous, "buckets are cumulative: " + s);
        previous = s.value();
      }
    }
    assertEquals("histogram", after.type("raftkv_command_duration_seconds"));

    // every peer: the same key count (per Raft group: one group here, group="0"), exactly one leader, Raft indexes that make sense
    int leaders = 0;
    for (int i = 0; i < 3; i++) {
      final int n = i;
      TestCluster.eventually(Duration.ofSeconds(30), () -> {
        try {
          return scrape(n).value("raftkv_store_keys", G0, -1) == 51;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "n" + (i + 1) + " reports 51 keys");
      PrometheusText t = scrape(i);
      leaders += (int) t.value("raftkv_raft_role", Map.of("group", "0", "role", "leader"), -1);
      assertEquals(1, t.value("raftkv_raft_role", Map.of("group", "0", "role", i == l ? "leader" : "follower"), -1));
      assertTrue(t.value("raftkv_raft_term", G0, -1) >= 1);
      assertTrue(t.value("raftkv_raft_applied_index", G0, -1) >= 51);
      assertTrue(t.value("raftkv_raft_commit_index", G0, -1)
          >= t.value("raftkv_raft_applied_index", G0, -1));
      assertEquals(3, t.value("raftkv_raft_peers", G0, -1));
      assertTrue(t.value("raftkv_store_approximate_bytes", G0, -1) >= 0);
      assertEquals(1, t.value("raftkv_info", Map.of("id", "n" + (i + 1), "store", "rocksdb",
          "version", t.samples("raftkv_info").get(0).labels().get("version")), -1));
    }
    assertEquals(1, leaders);

    // Ratis' metrics: the leader's log worker has flushed entries; timers are summaries
    HttpResponse<String> sample = get(l, "/metrics");
    Files.writeString(Path.of("target", "metrics-sample.txt"), sample.body()); // to look at
    PrometheusText lt = PrometheusText.parse(sample.body());
    List<String> ratis = lt.families().stream().filter(n -> n.startsWith("ratis_")).toList();
    assertTrue(ratis.size() > 20, "Ratis metric families: " + ratis);
    assertTrue(lt.families().stream().anyMatch(n -> n.startsWith("ratis_log_worker_")), ratis.toString());
    String timer = ratis.stream().filter(n -> lt.type(n).equals("summary")).findFirst().orElseThrow();
    assertTrue(lt.samples(timer).stream().anyMatch(s -> s.labels().containsKey("quantile")), timer);
    // a group member's Ratis metrics name the group too
    assertTrue(ratis.stream().filter(n -> n.startsWith("ratis_log_worker_")).flatMap(n -> lt.samples(n).stream())
        .anyMatch(s -> "0".equals(s.labels().get("group"))), "a ratis_log_worker_ sample with group=\"0\"");
  }

  @Test
  void otherPathsAndMethodsAreRefusedAndTheEndpointIsOffByDefault() throws Exception {
    startCluster();
    assertEquals(404, get(0, "/").statusCode());
    assertEquals(404, get(0, "/metricsx").statusCode());
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPorts[0] + "/metrics"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
    assertEquals(metricsPorts[0], nodes[0].metricsPort());
    assertEquals("0", NodeConfig.defaults().get(NodeConfig.METRICS_PORT));
    assertEquals("127.0.0.1", NodeConfig.defaults().get(NodeConfig.METRICS_BIND));
    Map<String, String> bad = new HashMap<>();
    bad.put(NodeConfig.METRICS_PORT, "70000");
    var e = org.junit.jupiter.api.Assertions.assertThrows(dev.raftkv.config.ConfigException.class,
        () -> NodeConfig.build(null, bad, Map.of()));
    assertTrue(e.getMessage().contains("raftkv.metrics.port"), e.getMessage());
  }
}

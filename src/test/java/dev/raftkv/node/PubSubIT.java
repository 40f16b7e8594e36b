package dev.raftkv.node;

import static dev.raftkv.node.TestCluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Pub/Sub across a 3-peer cluster with real clients (Jedis): a message published on any peer
 * reaches the subscribers of every peer, in one order for all; patterns get pmessage; a
 * subscriber that never reads is disconnected without holding up anyone else; subscribers on
 * the followers keep receiving, in one order, after the leader is stopped and another elected.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PubSubIT {
  @TempDir static Path dir;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    // a small output bound so that the slow subscriber's test needs only a few MB of messages;
    // memory stores and no snapshot when a peer stops: a restarted peer replays its whole log
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "memory",
        "raftkv.pubsub.output-limit-bytes", "1048576", "raftkv.pubsub.output-soft-limit-bytes", "0",
        "raft.server.snapshot.trigger-when-stop.enabled", "false"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A Jedis subscriber on its own thread, recording every message it gets. */
  static final class Subscriber implements AutoCloseable {
    final List<String> got = new CopyOnWriteArrayList<>();
    final Jedis jedis;
    final JedisPubSub pubsub;
    final Thread thread;
    final boolean pattern;

    Subscriber(int peer, boolean pattern, String... names) throws InterruptedException {
      this.pattern = pattern;
      jedis = cluster.client(peer);
      CountDownLatch subscribed = new CountDownLatch(names.length);
      pubsub = new JedisPubSub() {
        @Override
        public void onMessage(String channel, String message) {
          got.add(channel + ":" + message);
        }

        @Override
        public void onPMessage(String p, String channel, String message) {
          got.add(p + "|" + channel + ":" + message);
        }

        @Override
        public void onSubscribe(String channel, int n) {
          subscribed.countDown();
        }

        @Override
        public void onPSubscribe(String p, int n) {
          subscribed.countDown();
        }
      };
      thread = new Thread(() -> {
        try {
          if (pattern) {
            jedis.psubscribe(pubsub, names);
          } else {
            jedis.subscribe(pubsub, names);
          }
        } catch (JedisException e) {
          // closed by the test
        }
      }, "subscriber-" + peer);
      thread.setDaemon(true);
      thread.start();
      assertTrue(subscribed.await(20, TimeUnit.SECONDS), "subscribed on peer " + peer);
    }

    void awaitCount(int n, String what) throws InterruptedException {
      eventually(Duration.ofSeconds(60), () -> got.size() >= n, what + " (has " + got.size() + " of " + n + ")");
    }

    @Override
    public void close() throws Exception {
      try {
        if (pattern) {
          pubsub.punsubscribe();
        } else {
          pubsub.unsubscribe();
        }
      } catch (RuntimeException e) {
        // already gone
      }
      thread.join(5000);
      jedis.close();
    }
  }

  private static List<String> payloadsOf(List<String> got) {
    List<String> r = new ArrayList<>();
    for (String g : got) {
      r.add(g.substring(g.indexOf(':') + 1));
    }
    return r;
  }

  @Test
  @Order(1)
  void messagesFromEveryPeerReachEverySubscriberInOneOrder() throws Exception {
    try (Subscriber s0 = new Subscriber(0, false, "news");
        Subscriber s1 = new Subscriber(1, false, "news");
        Subscriber s2 = new Subscriber(2, false, "news");
        Subscriber p1 = new Subscriber(1, true, "n*")) {
      int perPeer = 100;
      ExecutorService pool = Executors.newFixedThreadPool(3);
      List<Future<List<Long>>> counts = new ArrayList<>();
      for (int peer = 0; peer < 3; peer++) {
        int from = peer;
        counts.add(pool.submit(() -> {
          List<Long> replies = new ArrayList<>();
          try (Jedis j = cluster.client(from)) {
            for (int k = 0; k < perPeer; k++) {
              replies.add(j.publish("news", "p" + from + "-" + k));
            }
          }
          return replies;
        }));
      }
      // PUBLISH answers the receivers on the peer that got it: one channel subscriber each,
      // plus the pattern subscriber on peer 1
      for (int peer = 0; peer < 3; peer++) {
        for (long n : counts.get(peer).get(60, TimeUnit.SECONDS)) {
          assertEquals(peer == 1 ? 2 : 1, n, "PUBLISH's reply on peer " + peer);
        }
      }
      pool.shutdown();
      int total = 3 * perPeer;
      s0.awaitCount(total, "peer 1's subscriber has every message");
      s1.awaitCount(total, "peer 2's subscriber has every message");
      s2.awaitCount(total, "peer 3's subscriber has every message");
      p1.awaitCount(total, "the pattern subscriber has every message");
      Thread.sleep(300); // nothing more may arrive
      assertEquals(total, s0.got.size(), "each message once");
      assertEquals(s0.got, s1.got, "peers 1 and 2 deliver in the same order");
      assertEquals(s0.got, s2.got, "peers 1 and 3 deliver in the same order");
      assertEquals(payloadsOf(s0.got), payloadsOf(p1.got), "pmessages in the same order");
      assertTrue(p1.got.get(0).startsWith("n*|news:"), "pmessage with its pattern: " + p1.got.get(0));
      assertEquals(total, new HashSet<>(s0.got).size(), "no duplicates");
      for (int peer = 0; peer < 3; peer++) {
        int last = -1;
        for (String m : payloadsOf(s0.got)) {
          if (m.startsWith("p" + peer + "-")) {
            int k = Integer.parseInt(m.substring(m.indexOf('-') + 1));
            assertEquals(last + 1, k, "one publisher's messages arrive in the order it sent them");
            last = k;
          }
        }
        assertEquals(perPeer - 1, last);
      }
    }
  }

  @Test
  @Order(2)
  void lettuceOverResp3ReceivesPushesWhileRunningCommandsOnTheSameConnection() throws Exception {
    io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create();
    try {
      client.setOptions(io.lettuce.core.ClientOptions.builder()
          .protocolVersion(io.lettuce.core.protocol.ProtocolVersion.RESP3).build());
      var conn = client.connectPubSub(io.lettuce.core.RedisURI.create("127.0.0.1", cluster.redisPorts[2]));
      List<String> got = new CopyOnWriteArrayList<>();
      conn.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<String, String>() {
        @Override
        public void message(String channel, String message) {
          got.add(channel + ":" + message);
        }

        @Override
        public void message(String pattern, String channel, String message) {
          got.add(pattern + "|" + channel + ":" + message);
        }
      });
      conn.sync().subscribe("lc");
      conn.sync().psubscribe("l*");
      try (Jedis pub = cluster.client(0)) {
        for (int k = 0; k < 50; k++) {
          pub.publish("lc", "m" + k);
          pub.set("lk", "v" + k);
          // RESP3 has no subscribed mode: a read on the subscribed connection, between pushes
          assertEquals("v" + k, conn.sync().get("lk"));
        }
      }
      eventually(Duration.ofSeconds(30), () -> got.size() >= 100, "50 messages and 50 pmessages");
      for (int k = 0; k < 50; k++) {
        assertEquals("lc:m" + k, got.get(2 * k), "message " + k + " first");
        assertEquals("l*|lc:m" + k, got.get(2 * k + 1), "then its pmessage");
      }
      conn.close();
    } finally {
      client.shutdown();
    }
  }

  @Test
  @Order(3)
  void aSubscriberThatNeverReadsIsDisconnectedAndOthersGetEverything() throws Exception {
    int peer = cluster.aFollower();
    long disconnectsBefore = disconnects(peer);
    try (Socket stuck = new Socket();
        Subscriber reader = new Subscriber(peer, false, "bulk")) {
      stuck.setReceiveBufferSize(4096);
      stuck.connect(new InetSocketAddress("127.0.0.1", cluster.redisPorts[peer]));
      OutputStream out = stuck.getOutputStream();
      out.write("*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nbulk\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      eventually(Duration.ofSeconds(10), () -> numsub(peer, "bulk") == 2, "both are subscribed");
      // 100 messages of 64 KB: 6.4 MB, far past the 1 MB bound, never read by `stuck`
      String big = "x".repeat(64 * 1024);
      try (Jedis pub = cluster.client((peer + 1) % 3)) {
        for (int k = 0; k < 100; k++) {
          pub.publish("bulk", k + big);
        }
      }
      reader.awaitCount(100, "the reading subscriber gets every message");
      for (int k = 0; k < 100; k++) {
        assertTrue(reader.got.get(k).startsWith("bulk:" + k + "x"), "message " + k + " in order");
      }
      eventually(Duration.ofSeconds(30), () -> disconnects(peer) > disconnectsBefore,
          "the subscriber that never reads is disconnected");
      eventually(Duration.ofSeconds(10), () -> numsub(peer, "bulk") == 1, "only the reader is subscribed");
      try (Jedis j = cluster.client(peer)) {
        assertEquals("PONG", j.ping(), "the peer serves on");
      }
    }
  }

  private static long numsub(int peer, String channel) {
    try (Jedis j = cluster.client(peer)) {
      return j.pubsubNumSub(channel).get(channel);
    }
  }

  private static long disconnects(int peer) {
    try (Jedis j = cluster.client(peer)) {
      for (String line : j.info("stats").split("\r\n")) {
        if (line.startsWith("pubsub_clients_disconnected:")) {
          return Long.parseLong(line.substring(line.indexOf(':') + 1));
        }
      }
    }
    throw new AssertionError("INFO stats has no pubsub_clients_disconnected");
  }

  @Test
  @Order(4)
  void aRestartedPeerDoesNotDeliverTheLogItReplays() throws Exception {
    int peer = cluster.aFollower();
    try (Jedis pub = cluster.client((peer + 1) % 3)) {
      for (int k = 0; k < 20; k++) {
        pub.publish("replayed", "old-" + k);
      }
    }
    cluster.stop(peer);
    cluster.start(peer);
    // the memory store starts empty and re-applies the whole log, these 20 messages included
    eventually(Duration.ofSeconds(30), () -> cluster.nodes[peer].pubsub().skippedOnReplay() >= 20,
        "the replayed messages are applied and not delivered");
    try (Subscriber s = new Subscriber(peer, false, "replayed")) {
      try (Jedis pub = cluster.client((peer + 1) % 3)) {
        eventually(Duration.ofSeconds(30), () -> {
          pub.publish("replayed", "new");
          return !s.got.isEmpty();
        }, "the restarted peer delivers new messages");
      }
      for (String m : s.got) {
        assertEquals("replayed:new", m, "only messages published after subscribing");
      }
    }
  }

  @Test
  @Order(5)
  void followersKeepDeliveringInOneOrderAfterTheLeaderStops() throws Exception {
    int leader = cluster.awaitLeader();
    int f1 = (leader + 1) % 3;
    int f2 = (leader + 2) % 3;
    try (Subscriber a = new Subscriber(f1, false, "fo");
        Subscriber b = new Subscriber(f2, false, "fo")) {
      try (Jedis pub = cluster.client(leader)) {
        for (int k = 0; k < 20; k++) {
          pub.publish("fo", "before-" + k);
        }
      }
      a.awaitCount(20, "messages before the failover");
      cluster.stop(leader);
      cluster.awaitLeader();
      // each attempt publishes a new payload: after a TIMEOUT (outcome unknown) it may or may not
      // have been published, and it must then be delivered everywhere or nowhere
      List<String> acknowledged = new ArrayList<>();
      try (Jedis pub = cluster.client(f1)) {
        for (int attempt = 0; acknowledged.size() < 20; attempt++) {
          try {
            pub.publish("fo", "after-" + attempt);
            acknowledged.add("fo:after-" + attempt);
          } catch (JedisException e) {
            String m = String.valueOf(e.getMessage());
            assertTrue(m.startsWith("CLUSTERDOWN") || m.startsWith("TIMEOUT"), m);
            Thread.sleep(100);
          }
        }
      }
      eventually(Duration.ofSeconds(60), () -> a.got.containsAll(acknowledged),
          "the first follower's subscriber gets the messages published after the failover");
      eventually(Duration.ofSeconds(60), () -> b.got.containsAll(acknowledged),
          "the second follower's subscriber gets the messages published after the failover");
      Thread.sleep(300);
      assertEquals(a.got, b.got, "one order on the surviving peers");
      assertEquals(acknowledged.get(acknowledged.size() - 1), a.got.get(a.got.size() - 1));
      assertEquals(a.got.size(), new HashSet<>(a.got).size(), "each message once");
    } finally {
      if (cluster.nodes[leader] == null) {
        cluster.start(leader);
      }
    }
  }
}

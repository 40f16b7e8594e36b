package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.util.KeyValue;

/**
 * Blocking pops on a 3-peer cluster with real clients: clients blocked on any peer are served by
 * pushes applied through any other, in the order they blocked, every element exactly once, also
 * across a leader failure.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BlockingIT {
  @TempDir Path dir;
  private TestCluster cluster;
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @BeforeEach
  void start() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "memory"));
  }

  @AfterEach
  void stop() throws Exception {
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
    cluster.close();
  }

  private int blocked(int peer) {
    try (Jedis j = cluster.client(peer)) {
      String info = j.info("clients");
      int i = info.indexOf("blocked_clients:");
      return Integer.parseInt(info.substring(i + 16, info.indexOf('\r', i)));
    }
  }

  private void awaitBlocked(int peer, int n) throws InterruptedException {
    TestCluster.eventually(Duration.ofSeconds(20), () -> blocked(peer) == n,
        n + " clients are blocked on n" + (peer + 1));
  }

  private int otherThan(int... peers) {
    for (int i = 0; i < 3; i++) {
      boolean used = false;
      for (int p : peers) {
        used |= p == i;
      }
      if (!used) {
        return i;
      }
    }
    throw new IllegalStateException();
  }

  @Test
  void aClientBlockedOnAFollowerIsServedByAPushThroughAnotherPeer() throws Exception {
    int follower = cluster.aFollower();
    int pusher = otherThan(follower);
    Future<List<String>> popped;
    try (Jedis waiting = cluster.client(follower)) {
      popped = pool.submit(() -> waiting.blpop(0, "jobs"));
      awaitBlocked(follower, 1);
      try (Jedis p = cluster.client(pusher)) {
        assertEquals(1, p.rpush("jobs", "job-1"));
      }
      assertEquals(List.of("jobs", "job-1"), popped.get(20, TimeUnit.SECONDS));
    }
    awaitBlocked(follower, 0);
    try (Jedis j = cluster.client(cluster.leader())) {
      assertFalse(j.exists("jobs"), "the popped element is gone everywhere");
    }
  }

  @Test
  void clientsBlockedOnTheSameKeyOfOnePeerAreServedInTheOrderTheyBlocked() throws Exception {
    int peer = cluster.aFollower();
    List<Jedis> clients = new ArrayList<>();
    List<Future<List<String>>> popped = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Jedis c = cluster.client(peer);
        clients.add(c);
        popped.add(pool.submit(() -> c.brpop(0, "q")));
        awaitBlocked(peer, i + 1);
      }
      try (Jedis p = cluster.client(otherThan(peer))) {
        p.lpush("q", "first", "second", "third", "fourth"); // BRPOP takes "first" first
      }
      List<String> expected = List.of("first", "second", "third", "fourth");
      for (int i = 0; i < 4; i++) {
        assertEquals(List.of("q", expected.get(i)), popped.get(i).get(20, TimeUnit.SECONDS),
            "client " + i + " blocked " + (i + 1) + "th");
      }
    } finally {
      clients.forEach(Jedis::close);
    }
  }

  @Test
  void producersAndConsumersOnEveryPeerMoveEachElementExactlyOnce() throws Exception {
    int producers = 3;
    int perProducer = 60;
    int total = producers * perProducer;
    ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
    AtomicInteger count = new AtomicInteger();
    List<Future<?>> tasks = new ArrayList<>();
    // consumers: BRPOP, BLMOVE (into "done") and BLMPOP, one on each peer, two per peer
    for (int c = 0; c < 6; c++) {
      int peer = c % 3;
      int kind = c % 3 == 0 ? (c / 3) : (c % 3);
      tasks.add(pool.submit(() -> {
        try (Jedis j = cluster.client(peer)) {
          while (count.get() < total) {
            List<String> got = new ArrayList<>();
            switch (kind) {
              case 0 -> {
                List<String> r = j.brpop(1, "work");
                if (r != null) {
                  got.add(r.get(1));
                }
              }
              case 1 -> {
                String r = j.blmove("work", "done", ListDirection.RIGHT, ListDirection.LEFT, 1);
                if (r != null) {
                  got.add(r);
                }
              }
              default -> {
                KeyValue<String, List<String>> r = j.blmpop(1, ListDirection.RIGHT, 2, "work");
                if (r != null) {
                  got.addAll(r.getValue());
                }
              }
            }
            received.addAll(got);
            count.addAndGet(got.size());
          }
        }
        return null;
      }));
    }
    for (int p = 0; p < producers; p++) {
      int peer = p;
      tasks.add(pool.submit(() -> {
        try (Jedis j = cluster.client(peer)) {
          for (int i = 0; i < perProducer; i++) {
            j.lpush("work", "p" + peer + "-" + i);
            if (i % 10 == 0) {
              Thread.sleep(20);
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> t : tasks) {
      t.get(3, TimeUnit.MINUTES);
    }
    List<String> all = new ArrayList<>(received);
    Set<String> distinct = new HashSet<>(all);
    assertEquals(all.size(), distinct.size(), "no element delivered twice");
    assertEquals(total, distinct.size(), "every element delivered");
    for (int p = 0; p < producers; p++) {
      for (int i = 0; i < perProducer; i++) {
        assertTrue(distinct.contains("p" + p + "-" + i), "p" + p + "-" + i + " delivered");
      }
    }
    try (Jedis j = cluster.client(cluster.leader())) {
      assertFalse(j.exists("work"), "nothing left behind");
      List<String> done = j.lrange("done", 0, -1);
      assertEquals(new HashSet<>(done).size(), done.size());
      assertTrue(distinct.containsAll(done), "BLMOVE's elements are the ones its consumers got");
    }
    for (int i = 0; i < 3; i++) {
      awaitBlocked(i, 0);
    }
  }

  @Test
  void aClientBlockedOnAFollowerIsServedAfterTheLeaderFails() throws Exception {
    int leader = cluster.leader();
    int follower = cluster.aFollower();
    Future<List<String>> popped;
    try (Jedis waiting = cluster.client(follower)) {
      popped = pool.submit(() -> waiting.blpop(0, "orders"));
      awaitBlocked(follower, 1);
      cluster.stop(leader);
      int newLeader = cluster.awaitLeader();
      assertNotEquals(leader, newLeader);
      try (Jedis p = cluster.client(otherThan(leader, follower))) {
        p.rpush("orders", "o-1", "o-2");
      }
      assertEquals(List.of("orders", "o-1"), popped.get(30, TimeUnit.SECONDS));
    }
    try (Jedis j = cluster.client(cluster.leader())) {
      assertEquals(List.of("o-2"), j.lrange("orders", 0, -1), "o-1 was popped once, o-2 stays");
    }
  }

  @Test
  void timeoutZeroWaitsUntilAPushAndAShortTimeoutAnswersNil() throws Exception {
    int peer = cluster.aFollower();
    try (Jedis waiting = cluster.client(peer); Jedis other = cluster.client(peer)) {
      long t0 = System.nanoTime();
      assertEquals(null, other.blpop(0.2, "never"));
      assertTrue(System.nanoTime() - t0 >= 190_000_000L, "BLPOP waited its timeout");
      Future<String> moved = pool.submit(() -> waiting.blmove("in", "out", ListDirection.LEFT,
          ListDirection.RIGHT, 0));
      awaitBlocked(peer, 1);
      Thread.sleep(1500);
      assertFalse(moved.isDone(), "still blocked after 1.5 s");
      assertEquals(1, blocked(peer));
      other.rpush("in", "payload");
      assertEquals("payload", moved.get(20, TimeUnit.SECONDS));
      assertEquals(List.of("payload"), other.lrange("out", 0, -1));
    }
  }

  @Test
  void aBlockedClientThatDisconnectsTakesNothing() throws Exception {
    int peer = cluster.aFollower();
    Jedis waiting = cluster.client(peer);
    Future<List<String>> popped = pool.submit(() -> waiting.blpop(0, "mail"));
    awaitBlocked(peer, 1);
    waiting.disconnect(); // the client goes away while blocked
    awaitBlocked(peer, 0);
    try (Jedis p = cluster.client(otherThan(peer))) {
      p.rpush("mail", "letter");
      Thread.sleep(300);
      assertEquals(List.of("letter"), p.lrange("mail", 0, -1));
    }
    assertThrows(ExecutionException.class, () -> popped.get(20, TimeUnit.SECONDS),
        "the disconnected client got nothing");
    waiting.close();
  }

  @Test
  void whenThePeerHoldingABlockedClientFailsTheElementStaysForOthers() throws Exception {
    int follower = cluster.aFollower();
    int other = otherThan(follower, cluster.leader());
    Jedis waiting = cluster.client(follower);
    Future<List<String>> popped = pool.submit(() -> waiting.blpop(0, "tasks"));
    awaitBlocked(follower, 1);
    try (Jedis second = cluster.client(other)) {
      Future<List<String>> takes = pool.submit(() -> second.blpop(0, "tasks"));
      awaitBlocked(other, 1);
      cluster.stop(follower); // the peer of the first blocked client fails
      assertThrows(ExecutionException.class, () -> popped.get(20, TimeUnit.SECONDS));
      try (Jedis p = cluster.client(cluster.leader())) {
        p.rpush("tasks", "t-1");
      }
      assertEquals(List.of("tasks", "t-1"), takes.get(20, TimeUnit.SECONDS),
          "the client blocked on a live peer gets it");
    } finally {
      waiting.close();
    }
  }
}

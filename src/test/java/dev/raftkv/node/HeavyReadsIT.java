package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * No client read stalls a peer: on every peer of a 3-peer cluster with 20,000 keys and a
 * 200,000-element list, Redis's "pattern matching long nested loops" KEYS, a full LRANGE and
 * KEYS * run in a loop for 10 s while SETs go on; every SET succeeds and no election happens.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HeavyReadsIT {
  private static final String PATHOLOGICAL = "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
  private static final int KEYS = 20_000;
  private static final int LIST = 200_000;

  @TempDir
  Path dir;

  private static long term(TestCluster c, int peer) {
    try (Jedis j = c.client(peer)) {
      for (String line : j.info("raft").split("\r\n")) {
        if (line.startsWith("raft_term:")) {
          return Long.parseLong(line.substring("raft_term:".length()).trim());
        }
      }
    }
    throw new AssertionError("no raft_term in INFO raft of peer " + peer);
  }

  @Test
  void heavyReadsOnEveryPeerStallNoWriteAndCauseNoElection() throws Exception {
    try (TestCluster c = new TestCluster(dir, 3, Map.of("raftkv.store", "rocksdb"))) {
      int leader = c.leader();
      try (Jedis j = c.client(leader)) {
        j.set("a".repeat(40), "x"); // the key of Redis's test
        Pipeline p = j.pipelined();
        for (int i = 0; i < KEYS; i += 1000) {
          String[] kv = new String[2000];
          for (int k = 0; k < 1000; k++) {
            kv[2 * k] = "key:" + (i + k);
            kv[2 * k + 1] = "value-" + (i + k);
          }
          p.mset(kv);
        }
        for (int i = 0; i < LIST; i += 10_000) {
          String[] elements = new String[10_000];
          for (int k = 0; k < elements.length; k++) {
            elements[k] = "e" + (i + k);
          }
          p.rpush("biglist", elements);
        }
        p.sync();
        assertEquals(LIST, j.llen("biglist"));
      }
      int loaded = KEYS + 2;
      for (int i = 0; i < 3; i++) {
        int peer = i;
        TestCluster.eventually(java.time.Duration.ofSeconds(60), () -> {
          try (Jedis j = c.client(peer)) {
            return j.dbSize() >= loaded;
          }
        }, "peer " + peer + " has the data");
      }
      long[] terms = new long[3];
      for (int i = 0; i < 3; i++) {
        terms[i] = term(c, i);
      }

      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      AtomicBoolean stop = new AtomicBoolean();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      AtomicLong sets = new AtomicLong();
      AtomicLong slowestSetMs = new AtomicLong();
      AtomicLong[] rounds = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
      AtomicLong[] slowestRoundMs = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          int peer = i;
          done.add(pool.submit(() -> {
            try (Jedis j = c.client(peer)) {
              while (!stop.get() && System.nanoTime() < end) {
                long t0 = System.nanoTime();
                assertTrue(j.keys(PATHOLOGICAL).isEmpty(), "peer " + peer);
                assertEquals(LIST, j.lrange("biglist", 0, -1).size(), "peer " + peer);
                assertTrue(j.keys("*").size() >= loaded, "peer " + peer);
                slowestRoundMs[peer].accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                rounds[peer].incrementAndGet();
              }
            }
            return null;
          }));
        }
        done.add(pool.submit(() -> {
          int n = 0;
          Jedis[] clients = {c.client(0), c.client(1), c.client(2)};
          try {
            while (System.nanoTime() < end) {
              long t0 = System.nanoTime();
              try {
                String reply = clients[n % 3].set("w:" + n, "v" + n);
                if (!"OK".equals(reply)) {
                  failures.add("SET w:" + n + " via peer " + (n % 3) + ": " + reply);
                }
              } catch (RuntimeException e) {
                failures.add("SET w:" + n + " via peer " + (n % 3) + ": " + e);
                if (failures.size() > 20) {
                  break;
                }
              }
              slowestSetMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
              sets.incrementAndGet();
              n++;
            }
          } finally {
            for (Jedis j : clients) {
              j.close();
            }
          }
          return null;
        }));
        // the writer first: a stalled peer shows as failed or slow SETs, not only as a hung read
        done.get(3).get(60, TimeUnit.SECONDS);
        System.out.println("HeavyReadsIT: " + sets.get() + " SETs, slowest " + slowestSetMs.get() + " ms");
        assertTrue(failures.isEmpty(), "failed SETs: " + failures);
        for (Future<?> f : done.subList(0, 3)) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
        pool.shutdownNow();
      }
      System.out.println("HeavyReadsIT: read rounds per peer " + rounds[0] + "/" + rounds[1] + "/" + rounds[2]
          + ", slowest " + slowestRoundMs[0] + "/" + slowestRoundMs[1] + "/" + slowestRoundMs[2] + " ms");
      assertTrue(sets.get() > 0, "no SET ran");
      for (int i = 0; i < 3; i++) {
        assertTrue(rounds[i].get() > 0, "no read round finished on peer " + i);
        assertEquals(terms[i], term(c, i), "raft_term of peer " + i + " (an election happened)");
      }
    }
  }
}

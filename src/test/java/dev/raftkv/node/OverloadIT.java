package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * More writes than Raft can take (a 3-peer cluster, 16 clients pipelining 8 KB SETs on every peer)
 * with a small global bound on queued bytes: the queue never grows far past the bound (clients
 * are slowed down by back-pressure, not refused), every write is answered OK, and every
 * acknowledged write is on every peer afterwards.
 */
@Timeout(240)
class OverloadIT {
  @TempDir
  Path dir;

  @Test
  void writesBeyondWhatRaftTakesAreSlowedDownAndNothingAcknowledgedIsLost() throws Exception {
    long bound = 512 * 1024;
    try (TestCluster cluster = new TestCluster(dir, 3, Map.of(
        "raftkv.max-queued-bytes", Long.toString(bound),
        "raftkv.write.max-inflight", "2"))) {
      int clients = 16;
      int perClient = 600;
      byte[] value = new byte[8 * 1024];
      Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
      List<String> failures = Collections.synchronizedList(new ArrayList<>());
      List<Thread> threads = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int c = 0; c < clients; c++) {
        int client = c;
        Thread t = new Thread(() -> {
          try (Jedis j = cluster.client(client % 3)) {
            for (int round = 0; round < perClient / 200; round++) {
              Pipeline p = j.pipelined();
              List<Response<String>> rs = new ArrayList<>();
              List<byte[]> keys = new ArrayList<>();
              List<byte[]> values = new ArrayList<>();
              for (int i = 0; i < 200; i++) {
                byte[] k = ("c" + client + ":" + round + ":" + i).getBytes(StandardCharsets.UTF_8);
                byte[] v = Arrays.copyOf(value, value.length);
                v[0] = (byte) client;
                v[1] = (byte) i;
                keys.add(k);
                values.add(v);
                rs.add(p.set(k, v));
              }
              p.sync();
              for (int i = 0; i < rs.size(); i++) {
                String r = rs.get(i).get();
                if ("OK".equals(r)) {
                  acknowledged.put(new String(keys.get(i), StandardCharsets.UTF_8), values.get(i));
                } else {
                  failures.add(r);
                }
              }
            }
          } catch (RuntimeException e) {
            failures.add(e.toString());
          }
        });
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join(180_000);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long peak = 0;
      for (RaftKvNode n : cluster.nodes) {
        peak = Math.max(peak, n.gateway().peakQueuedWriteBytes());
      }
      System.out.printf("OverloadIT: %d writes of 8 KB in %.1f s, peak queued %d KB (bound %d KB)%n",
          acknowledged.size(), seconds, peak / 1024, bound / 1024);
      assertTrue(failures.isEmpty(), "back-pressure slows clients down, it does not fail them: "
          + failures.subList(0, Math.min(5, failures.size())));
      assertEquals(clients * perClient, acknowledged.size());
      // the bound plus what clients had already sent when it was reached (one socket read each)
      assertTrue(peak < bound + clients * 256 * 1024L, "queued bytes stayed near the bound: " + peak);
      for (int i = 0; i < 3; i++) {
        try (Jedis j = cluster.client(i)) {
          for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
            assertArrayEquals(e.getValue(), j.get(e.getKey().getBytes(StandardCharsets.UTF_8)),
                "peer n" + (i + 1) + " has " + e.getKey());
          }
        }
      }
    }
  }
}

package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * One follower's data directory is a tmpfs of 16 MB. Writes fill it: that peer stops (its Raft
 * server shuts itself down and the peer says so in its log and in its replies), the other two go
 * on and lose nothing; after the tmpfs is made bigger the peer is restarted, catches up, and has
 * every acknowledged write. Needs root (mount); skipped where mounting is not permitted.
 */
@Timeout(300)
class DiskFullIT {
  @TempDir
  Path dir;

  private static boolean run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    boolean done = p.waitFor(30, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      p.destroyForcibly();
      return false;
    }
    if (p.exitValue() != 0) {
      System.out.println("DiskFullIT: " + String.join(" ", cmd) + ": " + out.trim());
    }
    return p.exitValue() == 0;
  }

  @Test
  void aPeerWhoseDiskFillsStopsTheOthersGoOnAndItRecoversWhenSpaceReturns() throws Exception {
    Path small = dir.resolve("n3");
    Files.createDirectories(small);
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", small.toString()),
        "mounting a tmpfs is not permitted here");
    try {
      Map<String, byte[]> acknowledged = new LinkedHashMap<>();
      try (TestCluster cluster = new TestCluster(dir, 3, Map.of())) {
        if (cluster.leader() == 2) { // the small disk should be a follower's: move leadership away
          cluster.stop(2);
          cluster.awaitLeader();
          cluster.start(2);
        }
        int leader = cluster.awaitLeader();
        int other = leader == 0 ? 1 : 0;
        byte[] value = new byte[4096];
        Arrays.fill(value, (byte) 'd');
        List<String> errors = new ArrayList<>();
        // 6000 x 4 KB = 24 MB of log: far more than the 16 MB the third peer has
        try (Jedis j = cluster.client(leader)) {
          for (int round = 0; round < 30; round++) {
            Pipeline p = j.pipelined();
            List<Response<String>> rs = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
              String k = "d:" + round + ":" + i;
              byte[] v = Arrays.copyOf(value, value.length);
              v[0] = (byte) round;
              v[1] = (byte) i;
              keys.add(k);
              rs.add(p.set(k.getBytes(StandardCharsets.UTF_8), v));
            }
            p.sync();
            for (int i = 0; i < rs.size(); i++) {
              try {
                if ("OK".equals(rs.get(i).get())) {
                  byte[] v = Arrays.copyOf(value, value.length);
                  v[0] = (byte) round;
                  v[1] = (byte) i;
                  acknowledged.put(keys.get(i), v);
                }
              } catch (RuntimeException e) {
                errors.add(e.getMessage());
              }
            }
          }
        }
        System.out.println("DiskFullIT: " + acknowledged.size() + " writes acknowledged, errors: "
            + errors.size() + (errors.isEmpty() ? "" : " first: " + errors.get(0)));
        assertEquals(6000, acknowledged.size(), "two healthy peers keep the cluster writable");

        // the third peer has stopped: its Raft server is gone and its clients are told so
        TestCluster.eventually(Duration.ofSeconds(60), () -> !cluster.nodes[2].raftRunning(),
            "the peer with the full disk stops its Raft server");
        try (Jedis j = cluster.client(2)) {
          String reply;
          try {
            reply = j.set("on-full-peer", "x");
          } catch (RuntimeException e) {
            reply = e.getMessage();
          }
          assertTrue(reply.startsWith("CLUSTERDOWN"), "a write on the stopped peer is refused: " + reply);
        }
        // the others still agree on everything acknowledged
        try (Jedis j = cluster.client(other)) {
          for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
            assertArrayEquals(e.getValue(), j.get(e.getKey().getBytes(StandardCharsets.UTF_8)), e.getKey());
          }
        }

        // space returns; the peer is restarted and catches up
        cluster.stop(2);
        assertTrue(run("mount", "-o", "remount,size=256m", small.toString()), "tmpfs grows");
        cluster.start(2);
        try (Jedis j = cluster.client(2)) {
          String lastKey = "d:29:199";
          TestCluster.eventually(Duration.ofSeconds(90), () -> {
            try {
              return j.get(lastKey) != null;
            } catch (RuntimeException e) {
              return false;
            }
          }, "the restarted peer catches up");
          for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
            assertArrayEquals(e.getValue(), j.get(e.getKey().getBytes(StandardCharsets.UTF_8)),
                "the recovered peer has " + e.getKey());
          }
          assertEquals("OK", j.set("after-recovery", "yes"));
        }
      }
    } finally {
      run("umount", "-l", small.toString());
    }
  }
}

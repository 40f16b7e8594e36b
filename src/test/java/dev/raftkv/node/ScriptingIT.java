package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.verify.RespClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scripts on a real 3-peer cluster: one script is one log entry, applied on every peer with the
 * same result; a failing script leaves nothing; the script cache is replicated and survives a
 * restart; a busy loop is stopped by the instruction budget without stalling the cluster.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ScriptingIT {
  @TempDir static Path dir;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "rocksdb"));
    cluster.awaitLeader();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static RespClient client(int peer) throws Exception {
    return new RespClient("127.0.0.1", cluster.redisPorts[peer], 2000, 30_000);
  }

  @Test
  void aScriptThatWritesSeveralKeysThenFailsLeavesNothingOnAnyPeer() throws Exception {
    try (RespClient c = client(cluster.aFollower())) {
      c.call("SET", "atom:s", "string");
      Object r = c.call("EVAL", """
          redis.call('set', 'atom:a', '1')
          redis.call('rpush', 'atom:l', 'x', 'y')
          redis.call('hset', 'atom:h', 'f', 'v')
          redis.call('del', 'atom:s')
          return redis.call('incr', 'atom:l')
          """, "0");
      assertTrue(r instanceof RespClient.Error e && e.message().startsWith("WRONGTYPE"), String.valueOf(r));
      Object e2 = c.call("EVAL", "redis.call('set', 'atom:b', '1') error('late')", "0");
      assertTrue(String.valueOf(e2).contains("late"), String.valueOf(e2));
      Object e3 = c.call("EVAL", "redis.call('set', 'atom:c', '1') while true do end", "0");
      assertTrue(String.valueOf(e3).contains("instruction budget"), String.valueOf(e3));
    }
    for (int p = 0; p < 3; p++) {
      try (RespClient c = client(p)) {
        assertEquals(0L, c.call("EXISTS", "atom:a", "atom:l", "atom:h", "atom:b", "atom:c"), "peer " + p);
        assertEquals("string", c.call("GET", "atom:s"), "peer " + p);
      }
    }
  }

  @Test
  void scriptLoadedThroughOnePeerRunsByShaOnEveryOther() throws Exception {
    String sha;
    try (RespClient c = client(0)) {
      sha = (String) c.call("SCRIPT", "LOAD", "return redis.call('incrby', KEYS[1], ARGV[1])");
    }
    for (int p = 0; p < 3; p++) {
      try (RespClient c = client(p)) {
        assertEquals(List.of(1L), c.call("SCRIPT", "EXISTS", sha), "peer " + p);
        assertEquals((long) (p + 1) * 10, c.call("EVALSHA", sha, "1", "sha:counter", "10"), "peer " + p);
      }
    }
    try (RespClient c = client(2)) {
      assertEquals("OK", c.call("SCRIPT", "FLUSH"));
    }
    for (int p = 0; p < 3; p++) {
      try (RespClient c = client(p)) {
        Object r = c.call("EVALSHA", sha, "1", "sha:counter", "10");
        assertEquals("NOSCRIPT No matching script. Please use EVAL.", ((RespClient.Error) r).message());
        assertEquals("30", c.call("GET", "sha:counter"));
      }
    }
  }

  @Test
  void aScriptComputesTheSameOnEveryPeerAndItsCacheSurvivesARestart() throws Exception {
    String body = """
        local t = redis.call('time')
        local r = {}
        for i = 1, 20 do r[#r + 1] = math.random(1000000) end
        local v = cjson.encode({time = t[1] .. '.' .. t[2], rnd = r, h = bit.tohex(r[1])})
        redis.call('set', KEYS[1], v)
        redis.call('sadd', KEYS[2], unpack(r))
        return v
        """;
    Object reply;
    try (RespClient c = client(cluster.aFollower())) {
      reply = c.call("EVAL", body, "2", "det:v", "det:s");
    }
    String sha = dev.raftkv.script.LuaScripts.sha1hex(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    for (int p = 0; p < 3; p++) {
      try (RespClient c = client(p)) {
        assertEquals(reply, c.call("GET", "det:v"), "peer " + p);
        assertEquals(20L, c.call("SCARD", "det:s"), "peer " + p);
        // read-only, on the peer itself
        assertEquals(reply, c.call("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "det:v"));
      }
    }
    // a restarted peer has the script EVAL cached, from its own store
    int follower = cluster.aFollower();
    cluster.stop(follower);
    cluster.start(follower);
    RedisDiff.awaitPort(cluster.redisPorts[follower]);
    try (RespClient c = client(follower)) {
      TestCluster.eventually(java.time.Duration.ofSeconds(30), () -> {
        try {
          return List.of(1L).equals(c.call("SCRIPT", "EXISTS", sha));
        } catch (Exception e) {
          return false;
        }
      }, "the restarted peer has the cached script");
      Object again = c.call("EVALSHA_RO", sha, "2", "det:v", "det:s");
      assertTrue(again instanceof RespClient.Error e && e.message().startsWith(
          "ERR Write commands are not allowed from read-only scripts."), String.valueOf(again));
    }
  }

  @Test
  void theInstructionBudgetStopsABusyLoopAndTheClusterKeepsServing() throws Exception {
    int leader = cluster.awaitLeader();
    long term = term(leader);
    try (RespClient c = client(cluster.aFollower())) {
      for (String loop : new String[] {"while true do end",
          "local n = 0 while true do pcall(function() while true do n = n + 1 end end) end",
          "local function f(n) return f(n + 1) + 1 end return f(1)"}) {
        long t0 = System.nanoTime();
        Object r = c.call("EVAL", loop, "0");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(r instanceof RespClient.Error, String.valueOf(r));
        assertTrue(ms < 20_000, "took " + ms + " ms");
      }
      Object ro = c.call("EVAL_RO", "while true do end", "0");
      assertTrue(String.valueOf(ro).contains("instruction budget"), String.valueOf(ro));
      assertEquals("OK", c.call("SET", "after", "busy"));
    }
    for (int p = 0; p < 3; p++) {
      try (RespClient c = client(p)) {
        assertEquals("busy", c.call("GET", "after"));
      }
    }
    assertEquals(leader, cluster.leader(), "no election");
    assertEquals(term, term(leader), "the term is unchanged");
  }

  @Test
  void scriptsInsideMultiExecRunInTheTransactionsEntry() throws Exception {
    try (RespClient c = client(cluster.aFollower())) {
      assertEquals("OK", c.call("MULTI"));
      assertEquals("QUEUED", c.call("EVAL", "return redis.call('incr', KEYS[1])", "1", "tx:n"));
      assertEquals("QUEUED", c.call("EVAL", "return redis.call('incr', KEYS[1])", "1", "tx:n"));
      assertEquals(List.of(1L, 2L), c.call("EXEC"));
    }
    try (RespClient c = client(0)) {
      assertEquals("2", c.call("GET", "tx:n"));
    }
  }

  @Test
  void aScriptsPushWakesAClientBlockedOnAnotherPeer() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try (RespClient blocked = client(0); RespClient pusher = client(2)) {
      java.util.concurrent.Future<Object> pop = pool.submit(() -> blocked.call("BLPOP", "wake:l", "20"));
      TestCluster.eventually(java.time.Duration.ofSeconds(10), () -> {
        try (RespClient c = client(0)) {
          return ((String) c.call("INFO", "clients")).contains("blocked_clients:1");
        } catch (Exception e) {
          return false;
        }
      }, "the BLPOP is blocked");
      assertEquals(2L, pusher.call("EVAL", "return redis.call('rpush', KEYS[1], 'x', 'y')", "1", "wake:l"));
      assertEquals(List.of("wake:l", "x"), pop.get(20, TimeUnit.SECONDS));
      assertEquals(List.of("y"), pusher.call("LRANGE", "wake:l", "0", "-1"));
    } finally {
      pool.shutdownNow();
    }
  }

  private static long term(int peer) throws Exception {
    try (RespClient c = client(peer)) {
      String info = (String) c.call("INFO", "raft");
      for (String line : info.split("\r\n")) {
        if (line.startsWith("raft_term:")) {
          return Long.parseLong(line.substring("raft_term:".length()));
        }
      }
    }
    throw new AssertionError("no raft_term in INFO");
  }

}

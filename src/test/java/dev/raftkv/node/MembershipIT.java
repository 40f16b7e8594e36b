package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.node.AdminCluster.Load;
import dev.raftkv.node.AdminCluster.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's membership walkthroughs, each run with the real {@code raftkv admin} verbs against
 * real peers (in this JVM, RocksDB stores, Raft over gRPC on loopback) under a write load: no
 * acknowledged write is lost and every peer answers linearizably after each step.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MembershipIT {
  @TempDir
  Path dir;

  @Test
  void growFromThreeToFivePeersUnderLoadThenShrinkBackToThree() throws Exception {
    try (AdminCluster c = new AdminCluster(dir, 3, Map.of())) {
      Result status = c.adminOk("status");
      assertTrue(status.out().contains(c.awaitLeader() + "*"), status::toString);
      try (Load load = c.new Load()) {
        for (String id : new String[] {"n4", "n5"}) {
          String line = c.define(id);
          c.start(id, true);
          Result added = c.adminOk("add-peer", "--id", id, "--raft", c.raftAddress(id),
              "--redis", c.redisAddress(id));
          assertTrue(added.out().contains(id + " as a listener"), added::toString);
          assertTrue(added.out().contains(line), "prints the peers-file line: " + added);
          c.assertAcknowledgedWritesOn(id, load.acked);
          c.assertLinearizableEverywhere("after adding " + id);
        }
        Result five = c.adminOk("status");
        assertTrue(five.out().contains("voters n1,n2,n3,n4,n5; listeners -"), five::toString);

        // an id that is already a voter is refused, and nothing changes
        Result again = c.admin("add-peer", "--id", "n4", "--raft", c.raftAddress("n4"),
            "--redis", c.redisAddress("n4"));
        assertNotEquals(0, again.code());
        assertTrue(again.err().contains("n4 is already a voter"), again::toString);

        // shrink: the leader goes first (leadership moves away before it is removed)
        c.adminOk("transfer-leader", "--to", "n5");
        assertEquals("n5", c.awaitLeader());
        Result removedLeader = c.adminOk("remove-peer", "--id", "n5");
        assertTrue(removedLeader.out().contains("n5 is the leader: moving leadership"), removedLeader::toString);
        c.stop("n5");
        c.forget("n5");
        assertNotEquals("n5", c.awaitLeader());
        c.assertLinearizableEverywhere("after removing n5");
        c.adminOk("remove-peer", "--id", "n4");
        c.stop("n4");
        c.forget("n4");
        c.assertLinearizableEverywhere("after removing n4");

        // below 3 voters only with --force; unknown ids; a removed id is never reused
        Result tooFew = c.admin("remove-peer", "--id", "n3");
        assertNotEquals(0, tooFew.code());
        assertTrue(tooFew.err().contains("would leave 2 voters"), tooFew::toString);
        Result notStarted = c.admin("add-peer", "--id", "n6", "--raft", "127.0.0.1:1", "--redis", "127.0.0.1:1");
        assertNotEquals(0, notStarted.code());
        assertTrue(notStarted.err().contains("start the new peer first"), notStarted::toString);
        Result unknownTarget = c.admin("transfer-leader", "--to", "n9");
        assertNotEquals(0, unknownTarget.code());
        assertTrue(unknownTarget.err().contains("unknown id n9"), unknownTarget::toString);
        Result unknown = c.admin("remove-peer", "--id", "n9");
        assertNotEquals(0, unknown.code());
        assertTrue(unknown.err().contains("unknown id n9"), unknown::toString);
        c.define("n4");
        c.start("n4", true);
        Result reuse = c.admin("add-peer", "--id", "n4", "--raft", c.raftAddress("n4"),
            "--redis", c.redisAddress("n4"));
        assertNotEquals(0, reuse.code());
        assertTrue(reuse.err().contains("n4 was removed from this cluster before"), reuse::toString);
        c.stop("n4");
        c.forget("n4");

        Result three = c.adminOk("status");
        assertTrue(three.out().contains("voters n1,n2,n3; listeners -"), three::toString);
        assertTrue(three.out().contains("removed ids: n4,n5"), three::toString);
        load.close();
        assertTrue(load.acked.size() > 100, "the load made progress: " + load.acked.size());
        for (String id : new String[] {"n1", "n2", "n3"}) {
          c.assertAcknowledgedWritesOn(id, load.acked);
        }
      }
    }
  }

  @Test
  void replaceADeadPeerWithANewOne() throws Exception {
    try (AdminCluster c = new AdminCluster(dir, 3, Map.of())) {
      try (Load load = c.new Load()) {
        // n2's machine dies and its disk is lost (in this JVM: stopped, then its data dir wiped)
        c.stop("n2");
        c.wipe("n2");
        c.awaitLeader(); // n2 may have been the leader: the others elect one
        Result degraded = c.adminOk("status");
        assertTrue(degraded.out().matches("(?s).*\\nn2 +\\S+ +\\S+ +unreachable .*"), degraded::toString);

        c.define("n4");
        c.start("n4", true);
        c.adminOk("add-peer", "--id", "n4", "--raft", c.raftAddress("n4"), "--redis", c.redisAddress("n4"));
        c.assertAcknowledgedWritesOn("n4", load.acked);
        Result removed = c.adminOk("remove-peer", "--id", "n2");
        assertTrue(removed.out().contains("voters n1,n3,n4; listeners -"), removed::toString);

        // the dead peer's id cannot come back, even with a fresh disk
        Result reuse = c.admin("add-peer", "--id", "n2", "--raft", c.raftAddress("n2"), "--redis", c.redisAddress("n2"));
        assertNotEquals(0, reuse.code());
        assertTrue(reuse.err().contains("n2 was removed from this cluster before"), reuse::toString);
        c.forget("n2");
        c.assertLinearizableEverywhere("after replacing n2 by n4");
        Result healthy = c.adminOk("status");
        assertTrue(!healthy.out().contains("unreachable"), healthy::toString);
        load.close();
        for (String id : new String[] {"n1", "n3", "n4"}) {
          c.assertAcknowledgedWritesOn(id, load.acked);
        }
      }
    }
  }

  @Test
  void aPeerDownLongerThanTheLogCatchesUpFromASnapshot() throws Exception {
    Map<String, String> small = Map.of(
        "raftkv.snapshot.auto-threshold", "200",
        "raftkv.log.preserve", "20",
        // purge behind the snapshot even though a follower is behind (the default waits for it)
        "raft.server.log.purge.upto.snapshot.index", "true",
        // small segments, so closed ones exist to purge
        "raft.server.log.segment.size.max", "16KB",
        "raftkv.catch-up.stuck-ms", "3000");
    try (AdminCluster c = new AdminCluster(dir, 3, small)) {
      String leader = c.awaitLeader();
      String down = leader.equals("n3") ? "n2" : "n3";
      try (redis.clients.jedis.Jedis j = c.client(leader)) {
        j.set("before", "1");
      }
      c.awaitCaughtUp(down, Duration.ofSeconds(30));
      long appliedWhenStopped = c.appliedIndex(down);
      c.stop(down);

      java.util.Set<Long> written = new java.util.HashSet<>();
      try (redis.clients.jedis.Jedis j = c.client(leader)) {
        for (long n = 0; n < 1500; n++) {
          assertEquals("OK", j.set("w:" + n, Long.toString(n)));
          written.add(n);
        }
      }
      c.adminOk("snapshot");
      long logStart = Long.parseLong(info(c, leader, "raft_log_start_index"));
      assertTrue(logStart > appliedWhenStopped + 1, "the leader's log starts at " + logStart
          + ", after what " + down + " has (" + appliedWhenStopped + ")");

      c.start(down, false);
      c.awaitCaughtUp(down, Duration.ofSeconds(60));
      long snapshot = Long.parseLong(info(c, down, "raft_snapshot_index"));
      assertTrue(snapshot >= logStart - 1, down + " installed a snapshot at " + snapshot);
      c.assertAcknowledgedWritesOn(down, written);
      c.assertLinearizableEverywhere("after " + down + " caught up");
      Result status = c.adminOk("status");
      assertTrue(!status.out().contains("unreachable"), status::toString);

      // without a majority there is no leader: status and every verb fail with exit code 1
      for (String id : new String[] {"n1", "n2", "n3"}) {
        if (!id.equals(down)) {
          c.stop(id);
        }
      }
      TestCluster.eventually(Duration.ofSeconds(30), () -> c.admin("status").code() == 1, "status exits 1");
      Result noLeader = c.admin("status");
      assertTrue(noLeader.out().contains("no leader"), noLeader::toString);
      Result cannot = c.admin("remove-peer", "--id", down);
      assertEquals(1, cannot.code(), cannot::toString);
      assertTrue(cannot.err().contains("no leader"), cannot::toString);
    }
  }

  @Test
  void rollingRestartOfEveryPeerUnderLoadKeepsTheClusterAvailable() throws Exception {
    try (AdminCluster c = new AdminCluster(dir, 3, Map.of())) {
      try (Load load = c.new Load()) {
        String leader = c.awaitLeader();
        java.util.List<String> order = new java.util.ArrayList<>(java.util.List.of("n1", "n2", "n3"));
        order.remove(leader);
        order.add(leader); // followers first, the leader last
        for (String id : order) {
          if (id.equals(c.awaitLeader())) {
            String to = order.get(0);
            c.adminOk("transfer-leader", "--to", to); // hand over before stopping it
            assertEquals(to, c.awaitLeader());
          }
          c.stop(id);
          c.start(id, false);
          c.awaitCaughtUp(id, Duration.ofSeconds(60));
          c.assertLinearizableEverywhere("after restarting " + id);
        }
        load.close();
        assertTrue(load.longestGapMillis.get() < 10_000,
            "writes stalled for " + load.longestGapMillis.get() + " ms; errors: " + load.errors);
        System.out.println("rolling restart: " + load.acked.size() + " writes acknowledged, longest gap "
            + load.longestGapMillis.get() + " ms, " + load.errors.size() + " failed attempts");
        for (String id : new String[] {"n1", "n2", "n3"}) {
          c.assertAcknowledgedWritesOn(id, load.acked);
        }
      }
    }
  }

  private static String info(AdminCluster c, String id, String field) {
    try (redis.clients.jedis.Jedis j = c.client(id)) {
      for (String line : j.info("raft").split("\r\n")) {
        if (line.startsWith(field + ":")) {
          return line.substring(field.length() + 1);
        }
      }
    }
    throw new AssertionError("no " + field + " in INFO raft of " + id);
  }
}

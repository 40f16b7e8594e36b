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
}

package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.verify.Nemesis.Fault;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fault list of {@code raftkv verify} with one and with several Raft groups, and INFO's group lines. */
class FaultsTest {

  @Test
  void mixedWithOneGroupIsUnchanged() {
    assertEquals(EnumSet.of(Fault.KILL, Fault.LEADER, Fault.PAUSE, Fault.WIPE, Fault.PARTITION, Fault.TRANSFER),
        Fault.parse("mixed"));
    assertEquals(Fault.parse("mixed"), Fault.parse("mixed", 1));
    assertEquals(EnumSet.of(Fault.BUSIEST, Fault.WIPE), Fault.parse("busiest,wipe", 1));
  }

  @Test
  void mixedWithSeveralGroupsKillsTheBusiestProcessAndCannotWipe() {
    assertEquals(EnumSet.of(Fault.KILL, Fault.LEADER, Fault.BUSIEST, Fault.PAUSE, Fault.PARTITION, Fault.TRANSFER),
        Fault.parse("mixed", 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fault.parse("kill,wipe", 4));
    assertTrue(e.getMessage().contains("rejoins group 0 only"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Fault.parse("mixed,wipe", 2));
  }

  @Test
  void groupLinesOfInfoRaftAreRead() {
    Map<String, String> info = Map.of("raft_role", "follower", "raft_leader_id", "n2", "raft_term", "3",
        "raft_commit_index", "40", "raft_applied_index", "39",
        "raft_group2", "role=leader,leader=n1,term=5,commit=17,applied=17");
    assertEquals(new LocalCluster.GroupView("follower", "n2", 3, 40, 39), LocalCluster.groupView(info, 0));
    assertEquals(new LocalCluster.GroupView("leader", "n1", 5, 17, 17), LocalCluster.groupView(info, 2));
    assertNull(LocalCluster.groupView(info, 1));
  }
}

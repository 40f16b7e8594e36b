package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.cluster.SlotTable;
import dev.raftkv.cluster.Slots;
import dev.raftkv.config.ConfigException;
import dev.raftkv.config.NodeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;

/** How K Raft groups are named, where they keep their data, and which slots each serves. */
class GroupsTest {
  @Test
  void groupZeroKeepsTheOriginalIdSoExistingDataDirsLoad() {
    assertEquals(RaftKvNode.GROUP_ID, RaftKvNode.groupId(0));
    assertEquals(RaftGroupId.valueOf(UUID.nameUUIDFromBytes("raft-kv".getBytes(StandardCharsets.UTF_8))),
        RaftKvNode.groupId(0));
  }

  @Test
  void otherGroupsHaveDistinctNameBasedIdsTheSameOnEveryPeer() {
    Set<RaftGroupId> ids = new HashSet<>();
    for (int i = 0; i < NodeConfig.MAX_GROUPS; i++) {
      assertTrue(ids.add(RaftKvNode.groupId(i)), "group " + i + "'s id is new");
      assertEquals(RaftKvNode.groupId(i), KvGroup.groupId(i), "derived again, the same");
    }
    assertEquals(RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
        "raft-kv group 2".getBytes(StandardCharsets.UTF_8))), RaftKvNode.groupId(2));
    assertThrows(IllegalArgumentException.class, () -> RaftKvNode.groupId(-1));
  }

  @Test
  void groupZeroUsesTheDataDirAndTheOthersASubdirectoryEach() {
    Path data = Path.of("data", "n1");
    assertEquals(data, KvGroup.dir(data, 0));
    assertEquals(data.resolve("groups").resolve("g1"), KvGroup.dir(data, 1));
    assertEquals(data.resolve("groups").resolve("g2"), KvGroup.dir(data, 2));
  }

  @Test
  void threeGroupsServeThreeContiguousRangesOfSlots() {
    SlotTable t = SlotTable.evenly(3);
    assertEquals(3, t.groups());
    assertEquals(java.util.List.of(new SlotTable.Range(0, 5460, 0), new SlotTable.Range(5461, 10921, 1),
        new SlotTable.Range(10922, 16383, 2)), t.ranges());
    // the key's slot decides the group: "foo" is slot 12182, "bar" 5061, "{user1000}.following" 3443
    assertEquals(12182, Slots.slot("foo".getBytes(StandardCharsets.UTF_8)));
    assertEquals(2, t.group(Slots.slot("foo".getBytes(StandardCharsets.UTF_8))));
    assertEquals(0, t.group(Slots.slot("bar".getBytes(StandardCharsets.UTF_8))));
    assertEquals(t.group(Slots.slot("{user1000}.following".getBytes(StandardCharsets.UTF_8))),
        t.group(Slots.slot("{user1000}.followers".getBytes(StandardCharsets.UTF_8))), "hash tags share a group");
    assertEquals(0, SlotTable.evenly(1).group(16383), "one group serves every slot");
  }

  @Test
  void severalGroupsNeedClusterModeAndABoundedCount() throws Exception {
    assertEquals(1, NodeConfig.build(null, Map.of(), Map.of()).getInt(NodeConfig.CLUSTER_GROUPS));
    assertEquals(3, NodeConfig.build(null, Map.of(NodeConfig.CLUSTER_GROUPS, "3",
        NodeConfig.CLUSTER_ENABLED, "yes"), Map.of()).getInt(NodeConfig.CLUSTER_GROUPS));
    ConfigException e = assertThrows(ConfigException.class,
        () -> NodeConfig.build(null, Map.of(NodeConfig.CLUSTER_GROUPS, "3"), Map.of()));
    assertTrue(e.getMessage().contains("raftkv.cluster.enabled = yes"), e.getMessage());
    assertThrows(ConfigException.class, () -> NodeConfig.build(null, Map.of(NodeConfig.CLUSTER_GROUPS, "0",
        NodeConfig.CLUSTER_ENABLED, "yes"), Map.of()));
    assertThrows(ConfigException.class, () -> NodeConfig.build(null, Map.of(NodeConfig.CLUSTER_GROUPS, "65",
        NodeConfig.CLUSTER_ENABLED, "yes"), Map.of()));
  }
}

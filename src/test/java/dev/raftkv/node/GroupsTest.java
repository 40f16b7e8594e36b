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

  @Test
  void withSeveralGroupsEachPrefersADifferentPeerSoLeadersSpread() throws Exception {
    dev.raftkv.config.PeersFile peers = dev.raftkv.config.PeersFile.parse(Path.of("peers.conf"), java.util.List.of(
        "n1 127.0.0.1:7001 127.0.0.1:6001", "n2 127.0.0.1:7002 127.0.0.1:6002", "n3 127.0.0.1:7003 127.0.0.1:6003"));
    for (int g = 0; g < 6; g++) {
      java.util.List<Integer> priorities = RaftKvNode.group(peers, g).getPeers().stream()
          .sorted(java.util.Comparator.comparing(p -> p.getId().toString()))
          .map(org.apache.ratis.protocol.RaftPeer::getPriority).toList();
      java.util.List<Integer> expected = new java.util.ArrayList<>(java.util.List.of(0, 0, 0));
      expected.set(g % 3, 1);
      assertEquals(expected, priorities, "group " + g);
      assertEquals(RaftKvNode.groupId(g), RaftKvNode.group(peers, g).getGroupId());
    }
    // one group (index -1): no priorities, as before groups existed
    assertTrue(RaftKvNode.group(peers, -1).getPeers().stream().allMatch(p -> p.getPriority() == 0));
    assertEquals(RaftKvNode.GROUP_ID, RaftKvNode.group(peers, -1).getGroupId());
  }

  @Test
  void nodeScopedRepliesOfSeveralGroupsMergeIntoOne() {
    byte[][] dbsize = {"DBSIZE".getBytes(StandardCharsets.US_ASCII)};
    assertEquals(":12\r\n", merge(dbsize, ":5\r\n", ":0\r\n", ":7\r\n"));
    byte[][] keys = {"KEYS".getBytes(StandardCharsets.US_ASCII), "*".getBytes(StandardCharsets.US_ASCII)};
    assertEquals("*3\r\n$1\r\na\r\n$2\r\nbb\r\n$1\r\nc\r\n",
        merge(keys, "*2\r\n$1\r\na\r\n$2\r\nbb\r\n", "*0\r\n", "*1\r\n$1\r\nc\r\n"));
    byte[][] random = {"RANDOMKEY".getBytes(StandardCharsets.US_ASCII)};
    assertEquals("$1\r\nk\r\n", merge(random, "$-1\r\n", "$1\r\nk\r\n"));
    assertEquals("$-1\r\n", merge(random, "$-1\r\n", "$-1\r\n"));
  }

  private static String merge(byte[][] argv, String... replies) {
    java.util.List<byte[]> list = new java.util.ArrayList<>();
    for (String r : replies) {
      list.add(r.getBytes(StandardCharsets.US_ASCII));
    }
    return new String(RaftKvNode.mergeNodeScoped(argv, list), StandardCharsets.US_ASCII);
  }

  @Test
  void aScanOverSeveralGroupsReturnsEveryKeyOnceWhateverEachGroupCovers() {
    // two groups' keys, each group scanned COUNT keys per call in hash order, as SCAN does
    java.util.List<java.util.List<byte[]>> groupKeys = java.util.List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>());
    for (int i = 0; i < 40; i++) {
      groupKeys.get(i % 3 == 0 ? 0 : 1).add(("key:" + i).getBytes(StandardCharsets.US_ASCII));
    }
    java.util.Comparator<byte[]> byHash = (x, y) -> Long.compareUnsigned(
        dev.raftkv.store.KeyHash.hash64(x), dev.raftkv.store.KeyHash.hash64(y));
    groupKeys.forEach(l -> l.sort(byHash));
    byte[][] scan = {"SCAN".getBytes(StandardCharsets.US_ASCII), "0".getBytes(StandardCharsets.US_ASCII)};
    java.util.List<String> seen = new java.util.ArrayList<>();
    long cursor = 0;
    int calls = 0;
    do {
      java.util.List<byte[]> replies = new java.util.ArrayList<>();
      for (int g = 0; g < 2; g++) {
        int count = g == 0 ? 2 : 5; // the groups cover different hash ranges per call
        java.util.List<byte[]> from = new java.util.ArrayList<>();
        for (byte[] k : groupKeys.get(g)) {
          if (Long.compareUnsigned(dev.raftkv.store.KeyHash.hash64(k), cursor) >= 0) {
            from.add(k);
          }
        }
        long next = from.size() > count ? dev.raftkv.store.KeyHash.hash64(from.get(count)) : 0;
        dev.raftkv.protocol.RespOut out = new dev.raftkv.protocol.RespOut();
        out.array(2);
        out.bulk(Long.toUnsignedString(next).getBytes(StandardCharsets.US_ASCII));
        java.util.List<byte[]> page = from.subList(0, Math.min(count, from.size()));
        out.array(page.size());
        page.forEach(out::bulk);
        replies.add(out.toByteArray());
      }
      String merged = new String(RaftKvNode.mergeNodeScoped(scan, replies), StandardCharsets.US_ASCII);
      String[] lines = merged.split("\r\n");
      cursor = Long.parseUnsignedLong(lines[2]);
      for (int i = 5; i < lines.length; i += 2) {
        seen.add(lines[i]);
      }
      assertTrue(++calls < 100, "the scan ends");
    } while (cursor != 0);
    assertEquals(40, seen.size(), "no key twice: " + seen);
    assertEquals(40, new HashSet<>(seen).size(), "every key: " + seen);
  }
}

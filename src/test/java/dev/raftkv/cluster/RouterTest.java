package dev.raftkv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.protocol.RespOut;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The route step and the CLUSTER replies over a fixed three-peer topology. */
class RouterTest {
  private static final Topology.Member N1 = new Topology.Member("n1", "127.0.0.1", 7001, 9001);
  private static final Topology.Member N2 = new Topology.Member("n2", "127.0.0.1", 7002, 9002);
  private static final Topology.Member N3 = new Topology.Member("n3", "127.0.0.1", 7003, 9003);

  /** A topology seen from {@code self} with {@code leader} (null: an election). */
  private static Topology topology(String self, Topology.Member leader) {
    return new Topology() {
      @Override
      public String self() {
        return self;
      }

      @Override
      public SlotTable slots() {
        return SlotTable.single();
      }

      @Override
      public Group group(int group) {
        return new Group(0, List.of(N1, N2, N3), leader, leader == null ? N1 : leader, 7, 42);
      }

      @Override
      public long holdMillis() {
        return 1000;
      }
    };
  }

  private static List<byte[]> keys(String... k) {
    return Arrays.stream(k).map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
  }

  @Test
  void theLeaderRunsEverythingAFollowerRedirectsToIt() {
    assertEquals(new Router.Here(0), Router.route(topology("n1", N1), keys("foo"), false, false, false));
    assertEquals(new Router.Redirect("MOVED 12182 127.0.0.1:7001"),
        Router.route(topology("n2", N1), keys("foo"), false, false, false));
    assertEquals(new Router.Redirect("MOVED 12182 127.0.0.1:7001"),
        Router.route(topology("n2", N1), keys("foo"), true, false, false));
    // after READONLY a follower serves reads, never writes
    assertEquals(new Router.Here(0), Router.route(topology("n2", N1), keys("foo"), true, true, false));
    assertEquals(new Router.Redirect("MOVED 12182 127.0.0.1:7001"),
        Router.route(topology("n2", N1), keys("foo"), false, true, false));
  }

  @Test
  void keysOfTwoSlotsAreCrossslotEvenOnTheLeader() {
    assertEquals(new Router.Redirect(Router.CROSSSLOT),
        Router.route(topology("n1", N1), keys("a", "b"), false, false, false));
    assertEquals(new Router.Here(0),
        Router.route(topology("n1", N1), keys("{u}a", "{u}b", "u"), false, false, false));
    assertEquals(new Router.Here(-1), Router.route(topology("n2", N1), keys(), false, false, false));
  }

  @Test
  void duringAnElectionCommandsWaitThenGetClusterdown() {
    assertEquals(new Router.Hold(0), Router.route(topology("n2", null), keys("foo"), false, false, false));
    Router.Decision after = Router.route(topology("n2", null), keys("foo"), false, false, true);
    assertTrue(((Router.Redirect) after).error().startsWith("CLUSTERDOWN "), after.toString());
  }

  private static String reply(Topology t, String... args) {
    byte[][] argv = Arrays.stream(args).map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    RespOut out = new RespOut();
    ClusterCommands.execute(argv, t, out);
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }

  @Test
  void clusterRepliesListEverySlotWithTheLeaderAsMaster() {
    Topology t = topology("n2", N1);
    String id1 = Topology.nodeId("n1");
    assertEquals(40, id1.length());
    assertTrue(id1.matches("[0-9a-f]{40}"));
    assertEquals("$40\r\n" + Topology.nodeId("n2") + "\r\n", reply(t, "cluster", "myid"));
    assertEquals(":12182\r\n", reply(t, "cluster", "keyslot", "foo"));
    assertEquals("*1\r\n*5\r\n:0\r\n:16383\r\n"
        + "*4\r\n$9\r\n127.0.0.1\r\n:7001\r\n$40\r\n" + id1 + "\r\n*0\r\n"
        + "*4\r\n$9\r\n127.0.0.1\r\n:7002\r\n$40\r\n" + Topology.nodeId("n2") + "\r\n*0\r\n"
        + "*4\r\n$9\r\n127.0.0.1\r\n:7003\r\n$40\r\n" + Topology.nodeId("n3") + "\r\n*0\r\n",
        reply(t, "cluster", "slots"));
    String nodes = reply(t, "cluster", "nodes");
    assertTrue(nodes.contains(id1 + " 127.0.0.1:7001@9001 master - 0 "), nodes);
    assertTrue(nodes.contains(" 7 connected 0-16383\n"), nodes);
    assertTrue(nodes.contains(Topology.nodeId("n2") + " 127.0.0.1:7002@9002 myself,slave " + id1 + " 0 0 7 connected\n"), nodes);
    assertTrue(reply(t, "cluster", "info").contains("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"));
    assertTrue(reply(t, "cluster", "shards").startsWith("*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*3\r\n*14\r\n"));
    assertEquals(2, reply(t, "cluster", "replicas", id1).split("\\$").length - 1);
    assertEquals("-ERR The specified node is not a master\r\n", reply(t, "cluster", "replicas", Topology.nodeId("n3")));
  }

  @Test
  void clusterErrorsAsRedis() {
    Topology t = topology("n1", N1);
    assertEquals("-ERR unknown subcommand 'foo'. Try CLUSTER HELP.\r\n", reply(t, "cluster", "foo"));
    assertEquals("-ERR wrong number of arguments for 'cluster|keyslot' command\r\n", reply(t, "cluster", "keyslot"));
    assertEquals("-ERR Invalid slot\r\n", reply(t, "cluster", "countkeysinslot", "16384"));
    assertEquals("-ERR value is not an integer or out of range\r\n", reply(t, "cluster", "countkeysinslot", "x"));
    assertEquals("-ERR Invalid slot or number of keys\r\n", reply(t, "cluster", "getkeysinslot", "1", "-1"));
    assertEquals("-ERR This instance has cluster support disabled\r\n", reply(null, "cluster", "info"));
    assertEquals("-ERR unknown subcommand 'foo'. Try CLUSTER HELP.\r\n", reply(null, "cluster", "foo"));
    assertTrue(reply(t, "cluster", "meet", "1.2.3.4", "5").startsWith("-ERR CLUSTER MEET is not supported"));
  }
}

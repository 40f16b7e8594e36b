package dev.raftkv.cluster;

import dev.raftkv.command.Args;
import dev.raftkv.command.Keyspace;
import dev.raftkv.command.Record;
import dev.raftkv.protocol.RespOut;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CLUSTER and its subcommands with Redis 7.0's reply shapes and error texts. The replies that
 * describe the cluster are built from a {@link Topology}: every slot always listed, each group's
 * leader as the master of its slots and its other voters as replicas. COUNTKEYSINSLOT and
 * GETKEYSINSLOT read the keyspace: the session turns them into the internal reads {@link
 * #COUNT_KEYS} and {@link #GET_KEYS}, linearizable like any read.
 */
public final class ClusterCommands {
  /** Internal READ rows (never callable by clients): slot, and for GET_KEYS the most keys. */
  public static final String COUNT_KEYS = "raftkv|countkeysinslot";
  public static final String GET_KEYS = "raftkv|getkeysinslot";

  private static final String QUEUED_SCAN =
      "ERR CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT are not supported inside MULTI";

  public static final String DISABLED = "ERR This instance has cluster support disabled";

  /** Redis 7.0's subcommands of CLUSTER and their arity. */
  private static final Map<String, Integer> SUBCOMMANDS = Map.ofEntries(
      Map.entry("help", 2), Map.entry("info", 2), Map.entry("myid", 2), Map.entry("nodes", 2),
      Map.entry("slots", 2), Map.entry("shards", 2), Map.entry("keyslot", 3),
      Map.entry("countkeysinslot", 3), Map.entry("getkeysinslot", 4), Map.entry("links", 2),
      Map.entry("replicas", 3), Map.entry("slaves", 3),
      // what raft-kv does not support: slots belong to Raft groups, membership to raftkv admin
      Map.entry("addslots", -3), Map.entry("addslotsrange", -4), Map.entry("bumpepoch", 2),
      Map.entry("count-failure-reports", 3), Map.entry("delslots", -3), Map.entry("delslotsrange", -4),
      Map.entry("failover", -2), Map.entry("flushslots", 2), Map.entry("forget", 3),
      Map.entry("meet", -4), Map.entry("replicate", 3), Map.entry("reset", -2),
      Map.entry("saveconfig", 2), Map.entry("set-config-epoch", 3), Map.entry("setslot", -4));

  private static final String[] HELP = {
      "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "COUNTKEYSINSLOT <slot>",
      "    Return the number of keys in <slot>.",
      "GETKEYSINSLOT <slot> <count>",
      "    Return key names stored by current node in a slot.",
      "INFO",
      "    Return information about the cluster.",
      "KEYSLOT <key>",
      "    Return the hash slot for <key>.",
      "LINKS",
      "    Return information about all network links between this node and its peers.",
      "MYID",
      "    Return the node id.",
      "NODES",
      "    Return cluster configuration seen by node. Output format:",
      "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
      "REPLICAS <node-id>",
      "    Return <node-id> replicas.",
      "SHARDS",
      "    Return information about slot range mappings and the nodes associated with them.",
      "SLOTS",
      "    Return information about slots range mappings. Each range is made of:",
      "    start, end, master and replicas IP addresses, ports and ids",
      "raft-kv: slots belong to Raft groups; ADDSLOTS, MEET, FAILOVER and the other commands that",
      "change the cluster are not supported (use raftkv admin).",
      "HELP",
      "    Prints this help."};

  private ClusterCommands() {}

  /** The subcommand name, lower case ("" when there is none). */
  public static String sub(byte[][] a) {
    return a.length > 1 ? Args.str(a[1]).toLowerCase(Locale.ROOT) : "";
  }

  /**
   * The internal read that answers a well-formed COUNTKEYSINSLOT or GETKEYSINSLOT, or null for
   * every other form (answered by {@link #execute}, errors included).
   */
  public static byte[][] keyspaceRead(byte[][] a) {
    String sub = sub(a);
    if (sub.equals("countkeysinslot") && a.length == 3) {
      Long slot = Args.parseLong(a[2]);
      return slot != null && slot >= 0 && slot < Slots.COUNT
          ? new byte[][] {Args.bytes(COUNT_KEYS), a[2]} : null;
    }
    if (sub.equals("getkeysinslot") && a.length == 4) {
      Long slot = Args.parseLong(a[2]);
      Long max = Args.parseLong(a[3]);
      return slot != null && max != null && slot >= 0 && slot < Slots.COUNT && max >= 0
          ? new byte[][] {Args.bytes(GET_KEYS), a[2], a[3]} : null;
    }
    return null;
  }

  /**
   * Answers CLUSTER on the receiving peer; {@code t} null: cluster mode is off. Unknown
   * subcommands and wrong arities are refused first, as in Redis 7.0.
   */
  public static void execute(byte[][] a, Topology t, RespOut out) {
    String sub = sub(a);
    Integer arity = SUBCOMMANDS.get(sub);
    if (arity == null) {
      out.error("ERR unknown subcommand '" + Args.str(a[1]) + "'. Try CLUSTER HELP.");
      return;
    }
    if (arity >= 0 ? a.length != arity : a.length < -arity) {
      out.error("ERR wrong number of arguments for 'cluster|" + sub + "' command");
      return;
    }
    if (t == null) {
      out.error(DISABLED);
      return;
    }
    switch (sub) {
      case "help" -> {
        out.array(HELP.length);
        for (String line : HELP) {
          out.simple(line);
        }
      }
      case "keyslot" -> out.integer(Slots.slot(a[2]));
      case "myid" -> out.bulk(Topology.nodeId(t.self()));
      case "info" -> out.bulk(info(t));
      case "nodes" -> out.bulk(nodes(t, null));
      case "slots" -> slots(t, out);
      case "shards" -> shards(t, out);
      case "links" -> out.array(0);
      case "replicas", "slaves" -> replicas(t, Args.str(a[2]), out);
      case "countkeysinslot" -> {
        Long slot = Args.parseLong(a[2]);
        if (keyspaceRead(a) != null) {
          out.error(QUEUED_SCAN); // the session sends these to the keyspace, except from MULTI
          return;
        }
        out.error(slot == null ? "ERR value is not an integer or out of range" : "ERR Invalid slot");
      }
      case "getkeysinslot" -> {
        Long slot = Args.parseLong(a[2]);
        Long max = Args.parseLong(a[3]);
        if (keyspaceRead(a) != null) {
          out.error(QUEUED_SCAN);
          return;
        }
        out.error(slot == null || max == null ? "ERR value is not an integer or out of range"
            : "ERR Invalid slot or number of keys");
      }
      default -> out.error("ERR CLUSTER " + sub.toUpperCase(Locale.ROOT) + " is not supported by"
          + " raft-kv: slots belong to Raft groups and peers join with raftkv admin");
    }
  }

  /** The groups in number order with their current state. */
  private static List<Topology.Group> groups(Topology t) {
    List<Topology.Group> g = new ArrayList<>();
    for (int i = 0; i < t.slots().groups(); i++) {
      g.add(t.group(i));
    }
    return g;
  }

  /** Every member of every group, once, in group then voter order. */
  private static Map<String, Topology.Member> members(List<Topology.Group> groups) {
    Map<String, Topology.Member> all = new LinkedHashMap<>();
    for (Topology.Group g : groups) {
      for (Topology.Member m : g.voters()) {
        all.putIfAbsent(m.id(), m);
      }
      if (g.master() != null) {
        all.putIfAbsent(g.master().id(), g.master());
      }
    }
    return all;
  }

  static String info(Topology t) {
    List<Topology.Group> groups = groups(t);
    long epoch = 0;
    long myEpoch = 0;
    for (Topology.Group g : groups) {
      epoch = Math.max(epoch, g.term());
      if (g.master() != null && g.master().id().equals(t.self()) || myEpoch == 0) {
        myEpoch = g.term();
      }
    }
    return "cluster_state:ok\r\n"
        + "cluster_slots_assigned:" + Slots.COUNT + "\r\n"
        + "cluster_slots_ok:" + Slots.COUNT + "\r\n"
        + "cluster_slots_pfail:0\r\n"
        + "cluster_slots_fail:0\r\n"
        + "cluster_known_nodes:" + members(groups).size() + "\r\n"
        + "cluster_size:" + groups.size() + "\r\n"
        + "cluster_current_epoch:" + epoch + "\r\n"
        + "cluster_my_epoch:" + myEpoch + "\r\n"
        + "cluster_stats_messages_sent:0\r\n"
        + "cluster_stats_messages_received:0\r\n"
        + "total_cluster_links_buffer_limit_exceeded:0\r\n";
  }

  /**
   * CLUSTER NODES: one line per peer. A peer that leads a group is a master with that group's
   * slots; every other voter is a replica of its group's master. ({@code only}: just the lines
   * of these ids, for CLUSTER REPLICAS.)
   */
  static String nodes(Topology t, java.util.Set<String> only) {
    List<Topology.Group> groups = groups(t);
    StringBuilder sb = new StringBuilder();
    long now = System.currentTimeMillis();
    for (Topology.Member m : members(groups).values()) {
      if (only != null && !only.contains(m.id())) {
        continue;
      }
      StringBuilder slots = new StringBuilder();
      Topology.Group replicaOf = null;
      long epoch = 0;
      for (Topology.Group g : groups) {
        if (g.master() != null && g.master().id().equals(m.id())) {
          epoch = Math.max(epoch, g.term());
          for (SlotTable.Range r : t.slots().ranges(g.group())) {
            slots.append(' ').append(r.from() == r.to() ? String.valueOf(r.from()) : r.from() + "-" + r.to());
          }
        } else if (replicaOf == null) {
          replicaOf = g;
        }
      }
      boolean master = slots.length() > 0;
      boolean myself = m.id().equals(t.self());
      if (!master && replicaOf != null) {
        epoch = replicaOf.term();
      }
      sb.append(m.nodeId()).append(' ').append(m.address()).append('@').append(m.busPort()).append(' ')
          .append(myself ? "myself," : "").append(master ? "master" : "slave").append(' ')
          .append(master || replicaOf == null || replicaOf.master() == null ? "-" : replicaOf.master().nodeId())
          .append(" 0 ").append(myself ? 0 : now).append(' ').append(epoch).append(" connected")
          .append(slots).append('\n');
    }
    return sb.toString();
  }

  private static void replicas(Topology t, String nodeId, RespOut out) {
    for (Topology.Group g : groups(t)) {
      if (g.master() != null && g.master().nodeId().equals(nodeId)) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Topology.Member m : g.voters()) {
          if (!m.id().equals(g.master().id())) {
            ids.add(m.id());
          }
        }
        String[] lines = nodes(t, ids).split("\n");
        int n = ids.isEmpty() ? 0 : lines.length;
        out.array(n);
        for (int i = 0; i < n; i++) {
          out.bulk(lines[i]);
        }
        return;
      }
    }
    for (Topology.Member m : members(groups(t)).values()) {
      if (m.nodeId().equals(nodeId)) {
        out.error("ERR The specified node is not a master");
        return;
      }
    }
    out.error("ERR Unknown node " + nodeId);
  }

  /** CLUSTER SLOTS: each run of slots with its master, then its replicas: host, port, id, metadata. */
  static void slots(Topology t, RespOut out) {
    List<SlotTable.Range> ranges = t.slots().ranges();
    Map<Integer, Topology.Group> groups = new LinkedHashMap<>();
    out.array(ranges.size());
    for (SlotTable.Range r : ranges) {
      Topology.Group g = groups.computeIfAbsent(r.group(), t::group);
      List<Topology.Member> nodes = ordered(g);
      out.array(2 + nodes.size()).integer(r.from()).integer(r.to());
      for (Topology.Member m : nodes) {
        out.array(4).bulk(m.host()).integer(m.port()).bulk(m.nodeId()).array(0);
      }
    }
  }

  /** CLUSTER SHARDS: per group its slot runs and its nodes, master first. */
  static void shards(Topology t, RespOut out) {
    List<Topology.Group> groups = groups(t);
    out.array(groups.size());
    for (Topology.Group g : groups) {
      List<SlotTable.Range> ranges = t.slots().ranges(g.group());
      out.array(4).bulk("slots").array(2 * ranges.size());
      for (SlotTable.Range r : ranges) {
        out.integer(r.from()).integer(r.to());
      }
      List<Topology.Member> nodes = ordered(g);
      out.bulk("nodes").array(nodes.size());
      for (Topology.Member m : nodes) {
        boolean master = m == nodes.get(0) && g.master() != null;
        out.array(14).bulk("id").bulk(m.nodeId()).bulk("port").integer(m.port())
            .bulk("ip").bulk(m.host()).bulk("endpoint").bulk(m.host())
            .bulk("role").bulk(master ? "master" : "replica")
            .bulk("replication-offset").integer(g.appliedIndex())
            .bulk("health").bulk("online");
      }
    }
  }

  /** A group's master first, then its other voters. */
  private static List<Topology.Member> ordered(Topology.Group g) {
    List<Topology.Member> nodes = new ArrayList<>();
    if (g.master() != null) {
      nodes.add(g.master());
    }
    for (Topology.Member m : g.voters()) {
      if (g.master() == null || !m.id().equals(g.master().id())) {
        nodes.add(m);
      }
    }
    return nodes;
  }

  /** COUNT_KEYS slot: the live keys of one slot (a scan of the whole keyspace). */
  public static void countKeys(byte[][] a, Keyspace ks, RespOut out) {
    int slot = Args.parseLong(a[1]).intValue();
    long now = ks.now();
    long[] n = {0};
    ks.scan((k, v) -> {
      if (!Record.isExpired(v, now) && Slots.slot(k) == slot) {
        n[0]++;
      }
      return true;
    });
    out.integer(n[0]);
  }

  /** GET_KEYS slot count: up to count live keys of one slot (a scan of the whole keyspace). */
  public static void getKeys(byte[][] a, Keyspace ks, RespOut out) {
    int slot = Args.parseLong(a[1]).intValue();
    long max = Args.parseLong(a[2]);
    long now = ks.now();
    List<byte[]> found = new ArrayList<>();
    if (max > 0) {
      ks.scan((k, v) -> {
        if (!Record.isExpired(v, now) && Slots.slot(k) == slot) {
          found.add(k);
        }
        return found.size() < max;
      });
    }
    out.array(found.size());
    for (byte[] k : found) {
      out.bulk(k);
    }
  }
}

package dev.raftkv.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What cluster mode needs to know about the cluster: which group serves each slot, and for each
 * group its voters and its current leader. Implemented by the node from its Raft division(s) and
 * peers file; read on every keyed command, so implementations answer from memory.
 */
public interface Topology {
  /** One peer as cluster clients see it. */
  record Member(String id, String host, int port, int busPort) {
    /** Redis's 40-hex node id of this peer: derived from the peer id, the same on every peer and restart. */
    public String nodeId() {
      return Topology.nodeId(id);
    }

    public String address() {
      return host + ":" + port;
    }
  }

  /**
   * One group now: its voters that clients can reach (peers file order), the leader (null while
   * none is known, e.g. during an election), the peer to list as the slots' master (the leader,
   * else the last one known, else the first voter), the Raft term and this peer's applied index.
   */
  record Group(int group, List<Member> voters, Member leader, Member master, long term, long appliedIndex) {}

  /** This peer's id. */
  String self();

  /** Which group serves each slot. */
  SlotTable slots();

  /** A group's current state. */
  Group group(int group);

  /** How long a command waits for its group's leader to be known (the request timeout). */
  long holdMillis();

  /** The 40 lower-case hex digits of SHA-1("raft-kv node " + peer id). */
  static String nodeId(String peerId) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(sha1.digest(("raft-kv node " + peerId).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-1
    }
  }
}

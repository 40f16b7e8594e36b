package dev.raftkv.raft;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * What a peer with a Raft log tells a peer that starts on empty storage (node.Formation): its
 * term, role, leader, last log entry and configuration. Asked as a Ratis stale read of the
 * state machine (first byte {@link #PROBE}), so it needs no leader; a peer with no group on its
 * Raft server (itself empty and waiting) answers Ratis' group-mismatch error instead.
 *
 * @param voters id to Raft address, in the configuration this peer knows
 * @param oldVoters the voters of the configuration being replaced, while it changes (else empty)
 * @param rejoining peers recorded as rejoining after a lost disk ({@code command.RejoinCommands})
 */
public record PeerReport(String id, String role, String leaderId, boolean leaderReady, long term,
    long lastTerm, long lastIndex, long commitIndex, long confIndex, boolean transitional,
    Map<String, String> voters, Map<String, String> listeners, Map<String, String> oldVoters,
    java.util.Set<String> rejoining) {
  static final byte PROBE = (byte) 0xB3;

  public static Message request() {
    return Message.valueOf(ByteString.copyFrom(new byte[] {PROBE}));
  }

  static byte[] answer(String id, RaftServer.Division d, java.util.Set<String> rejoining) {
    DivisionInfo info = d.getInfo();
    TermIndex last = d.getRaftLog().getLastEntryTermIndex();
    RaftConfiguration conf = d.getRaftConf();
    StringBuilder sb = new StringBuilder();
    sb.append("id=").append(id).append('\n')
        .append("role=").append(info.getCurrentRole().name().toLowerCase(java.util.Locale.ROOT)).append('\n')
        .append("leader=").append(info.getLeaderId() == null ? "" : info.getLeaderId()).append('\n')
        .append("ready=").append(info.isLeader() && info.isLeaderReady() ? 1 : 0).append('\n')
        .append("term=").append(info.getCurrentTerm()).append('\n')
        .append("last=").append(last == null ? 0 : last.getTerm()).append(':')
        .append(last == null ? -1 : last.getIndex()).append('\n')
        .append("commit=").append(d.getRaftLog().getLastCommittedIndex()).append('\n')
        .append("conf=").append(conf.getLogEntryIndex()).append('\n')
        .append("transitional=").append(conf.getPreviousPeers().isEmpty() ? 0 : 1).append('\n')
        .append("voters=").append(peers(conf.getCurrentPeers(RaftPeerRole.FOLLOWER))).append('\n')
        .append("listeners=").append(peers(conf.getCurrentPeers(RaftPeerRole.LISTENER))).append('\n')
        .append("old-voters=").append(peers(conf.getPreviousPeers(RaftPeerRole.FOLLOWER))).append('\n')
        .append("rejoining=").append(String.join(",", rejoining)).append('\n');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String peers(Collection<RaftPeer> peers) {
    return peers.stream().map(p -> p.getId() + "@" + p.getAddress()).sorted().collect(Collectors.joining(","));
  }

  public static PeerReport parse(byte[] bytes) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        f.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    String[] last = f.getOrDefault("last", "0:-1").split(":");
    return new PeerReport(f.getOrDefault("id", "?"), f.getOrDefault("role", "?"), f.getOrDefault("leader", ""),
        "1".equals(f.get("ready")), Long.parseLong(f.getOrDefault("term", "0")), Long.parseLong(last[0]),
        Long.parseLong(last[1]), Long.parseLong(f.getOrDefault("commit", "-1")),
        Long.parseLong(f.getOrDefault("conf", "-1")), "1".equals(f.get("transitional")),
        members(f.getOrDefault("voters", "")), members(f.getOrDefault("listeners", "")),
        members(f.getOrDefault("old-voters", "")),
        new java.util.TreeSet<>(java.util.Arrays.stream(f.getOrDefault("rejoining", "").split(","))
            .filter(x -> !x.isEmpty()).toList()));
  }

  private static Map<String, String> members(String list) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String s : list.split(",")) {
      int at = s.indexOf('@');
      if (at > 0) {
        m.put(s.substring(0, at), s.substring(at + 1));
      }
    }
    return m;
  }

  /** No log entry and no snapshot: a peer that was just formatted, or one waiting to join. */
  public boolean emptyLog() {
    return lastIndex < 0;
  }

  public boolean readyLeader() {
    return "leader".equals(role) && leaderReady;
  }

  /** Raft's "at least as up-to-date" order of last entries: term first, then index. */
  public int compareLog(PeerReport o) {
    return lastTerm != o.lastTerm ? Long.compare(lastTerm, o.lastTerm) : Long.compare(lastIndex, o.lastIndex);
  }

  public String lastEntry() {
    return "t" + lastTerm + ":i" + lastIndex;
  }
}

package dev.raftkv.node;

import dev.raftkv.cluster.SlotTable;
import dev.raftkv.cluster.Topology;
import dev.raftkv.config.Peer;
import dev.raftkv.config.PeersFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;

/**
 * Cluster mode's view of this peer's Raft groups: group i serves the slots SlotTable.evenly(K)
 * gives it (K = raftkv.cluster.groups; with one group, group 0 serves every slot).
 * Members are the group's voters with their RESP address from the peers file (a voter missing
 * from this peer's peers file cannot be named to clients and is left out). A follower that has
 * heard nothing from its leader for three quarters of the minimum election timeout (heartbeats come
 * every half) reports no leader,
 * so that commands wait for the election instead of being sent to a leader that is gone.
 */
final class RaftTopology implements Topology {
  private final String self;
  private final RaftServer server;
  private final List<RaftGroupId> groupIds;
  private final PeersFile peers;
  private final long holdMillis;
  private final long leaderSilenceMillis;
  private final SlotTable slots;
  private final java.util.concurrent.atomic.AtomicReferenceArray<Member> lastLeader;

  RaftTopology(String self, RaftServer server, List<RaftGroupId> groupIds, SlotTable slots, PeersFile peers,
      long holdMillis, long leaderSilenceMillis) {
    if (slots.groups() != groupIds.size()) {
      throw new IllegalArgumentException("the slot table names " + slots.groups() + " groups, not "
          + groupIds.size());
    }
    this.self = self;
    this.server = server;
    this.groupIds = List.copyOf(groupIds);
    this.slots = slots;
    this.lastLeader = new java.util.concurrent.atomic.AtomicReferenceArray<>(groupIds.size());
    this.peers = peers;
    this.holdMillis = holdMillis;
    this.leaderSilenceMillis = leaderSilenceMillis;
  }

  @Override
  public String self() {
    return self;
  }

  @Override
  public SlotTable slots() {
    return slots;
  }

  @Override
  public long holdMillis() {
    return holdMillis;
  }

  @Override
  public Group group(int group) {
    if (group < 0 || group >= groupIds.size()) {
      throw new IllegalArgumentException("no group " + group + ": this cluster has " + groupIds.size()
          + " Raft group(s)");
    }
    List<Member> voters = new ArrayList<>();
    Member leader = null;
    long term = 0;
    long applied = 0;
    try {
      RaftServer.Division d = server.getDivision(groupIds.get(group));
      DivisionInfo info = d.getInfo();
      term = info.getCurrentTerm();
      applied = info.getLastAppliedIndex();
      Set<String> ids = new HashSet<>();
      for (RaftPeer p : d.getRaftConf().getCurrentPeers(RaftPeerRole.FOLLOWER)) {
        ids.add(p.getId().toString());
      }
      for (Peer p : peers.peers()) {
        if (ids.contains(p.id())) {
          voters.add(member(p));
        }
      }
      String leaderId = info.getLeaderId() == null ? null : info.getLeaderId().toString();
      if (leaderId != null && info.isFollower() && silent(info)) {
        leaderId = null; // the leader has not been heard of for an election timeout: likely gone
      }
      if (leaderId != null) {
        for (Peer p : peers.peers()) {
          if (p.id().equals(leaderId)) {
            leader = member(p);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // no group yet (an empty peer forming) or stopped: the peers file's members, no leader
      voters.clear();
      for (Peer p : peers.peers()) {
        voters.add(member(p));
      }
    }
    if (leader != null) {
      lastLeader.set(group, leader);
    }
    Member last = lastLeader.get(group);
    Member master = leader != null ? leader : last != null ? last
        : voters.isEmpty() ? null : voters.get(0);
    return new Group(group, voters, leader, master, term, applied);
  }

  private boolean silent(DivisionInfo info) {
    try {
      RoleInfoProto role = info.getRoleInfoProto();
      return role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()
          && role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs() > leaderSilenceMillis;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static Member member(Peer p) {
    return new Member(p.id(), p.redis().host(), p.redis().port(), p.raft().port());
  }
}

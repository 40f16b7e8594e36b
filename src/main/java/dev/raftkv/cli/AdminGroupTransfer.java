package dev.raftkv.cli;

import dev.raftkv.cli.ClusterView.PeerState;
import dev.raftkv.config.ConfigException;
import dev.raftkv.config.Peer;
import dev.raftkv.node.RaftKvNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * {@code raftkv admin transfer-leader --group N --to ID}: moves the leadership of one Raft group
 * (raftkv.cluster.groups > 1) and makes {@code ID} that group's preferred peer. With several
 * groups each group prefers one peer (Raft priority 1, the others 0) and its leader hands over to
 * that peer whenever it is idle and the peer is up to date (leader balance, docs/operations.md),
 * so a transfer that put the priorities back would be undone within seconds: here the target
 * keeps priority 1 and the others get 0, a change of the group's configuration in its own log.
 */
final class AdminGroupTransfer {
  private final AdminCommand admin;

  AdminGroupTransfer(AdminCommand admin) {
    this.admin = admin;
  }

  /** How many Raft groups the peers report (INFO raft's raft_groups; 1 when absent). */
  static int groups(ClusterView view) {
    int groups = 1;
    for (PeerState s : view.states) {
      groups = (int) Math.max(groups, s.getLong("raft_groups", 1));
    }
    return groups;
  }

  /** The peer that reports it leads {@code group} (the highest term if several do), or null. */
  static String leader(ClusterView view, int group) {
    String leader = null;
    long best = -1;
    for (PeerState s : view.states) {
      Map<String, String> row = AdminStatus.groupRow(s, group);
      long term = AdminStatus.parse(row.get("term"));
      if ("leader".equals(row.get("role")) && term > best) {
        leader = s.peer().id();
        best = term;
      }
    }
    return leader;
  }

  int transfer(int group, String to) throws IOException, ConfigException {
    ClusterView view = admin.probe();
    int groups = groups(view);
    if (group < 0 || group >= groups) {
      throw new IOException("no Raft group " + group + ": the cluster has " + groups
          + " (raftkv.cluster.groups), numbered from 0");
    }
    String leader = leader(view, group);
    if (leader == null) {
      throw new IOException("Raft group " + group + " has no leader now: try again once it has one"
          + " (raftkv admin status)");
    }
    if (to.equals(leader)) {
      admin.out().println(to + " is already the leader of group " + group);
      return 0;
    }
    RaftGroupId gid = RaftKvNode.groupId(group);
    long deadline = admin.deadline();
    try (RaftClient c = client(view, gid, leader)) {
      GroupInfoReply info = c.getGroupManagementApi(RaftPeerId.valueOf(leader)).info(gid);
      if (!info.isSuccess() || info.getGroup() == null) {
        throw new IOException("group " + group + "'s leader " + leader + " did not describe the group: "
            + info.getException());
      }
      List<RaftPeer> voters = new ArrayList<>();
      List<RaftPeer> listeners = new ArrayList<>();
      boolean member = false;
      for (RaftPeer p : info.getGroup().getPeers()) {
        boolean listener = p.getStartupRole() == RaftPeerRole.LISTENER;
        member |= !listener && p.getId().toString().equals(to);
        RaftPeer changed = RaftPeer.newBuilder(p).setPriority(p.getId().toString().equals(to) ? 1 : 0).build();
        (listener ? listeners : voters).add(changed);
      }
      if (!member) {
        throw new IOException(to + " is not a voter of group " + group + " (its members: "
            + info.getGroup().getPeers().stream().map(p -> p.getId().toString()).toList() + ")");
      }
      RaftClientReply r = c.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
          .setServersInNewConf(voters)
          .setListenersInNewConf(listeners)
          .setMode(SetConfigurationRequest.Mode.SET_UNCONDITIONALLY)
          .build());
      if (!r.isSuccess()) {
        throw new IOException("making " + to + " the preferred peer of group " + group + " failed: "
            + r.getException());
      }
      String failure = null;
      for (int attempt = 1; attempt <= AdminCommand.TRANSFER_ATTEMPTS; attempt++) {
        failure = AdminCommand.transferOnce(c, to, deadline);
        if (failure == null || to.equals(leader(admin.probe(), group)) || !AdminCommand.before(deadline)) {
          break;
        }
        AdminCommand.pause();
      }
      // it is the preferred peer now: Ratis also hands leadership to it once the group is idle
      while (true) {
        String now = leader(admin.probe(), group);
        if (to.equals(now)) {
          admin.out().println("leader of group " + group + " is now " + to + " (its preferred peer)");
          return 0;
        }
        if (!AdminCommand.before(deadline)) {
          throw new IOException("transfer of group " + group + "'s leadership to " + to + " failed: "
              + (failure == null ? "it did not become leader" : failure) + "; the leader is " + now
              + " (" + to + " stays the group's preferred peer, so it takes over once the group is idle)");
        }
        AdminCommand.pause();
      }
    }
  }

  /** A client of the group's peers (the peers file's addresses), aimed at its leader. */
  private RaftClient client(ClusterView view, RaftGroupId gid, String leader) {
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p,
        TimeDuration.valueOf(Math.max(3000, admin.timeoutMs), TimeUnit.MILLISECONDS));
    List<RaftPeer> members = new ArrayList<>();
    for (Peer peer : view.peersFile.peers()) {
      members.add(RaftPeer.newBuilder().setId(peer.id()).setAddress(peer.raft().toString()).build());
    }
    return RaftClient.newBuilder()
        .setProperties(p)
        .setParameters(admin.raftParameters())
        .setRaftGroup(RaftGroup.valueOf(gid, members))
        .setLeaderId(RaftPeerId.valueOf(leader))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            (int) Math.max(1, admin.timeoutMs / 500), TimeDuration.valueOf(500, TimeUnit.MILLISECONDS)))
        .build();
  }
}

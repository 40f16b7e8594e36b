package dev.raftkv.raft;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;

/**
 * Keeps the address book of this peer's Ratis client (which forwards writes to the leader and
 * carries the read checks) in line with the Raft configuration: the client only knows the peers
 * it was built with, so a peer added later ({@code raftkv admin add-peer}) was unknown to it
 * ("Server n4 not found").
 */
final class PeerBook {
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final RaftClient rpc;
  private volatile RaftConfiguration known;

  PeerBook(RaftServer server, RaftGroupId groupId, RaftClient rpc) {
    this.server = server;
    this.groupId = groupId;
    this.rpc = rpc;
  }

  /** Adds every peer of the current configuration (old and new, listeners too) if it changed. */
  void refresh() {
    RaftConfiguration conf;
    try {
      conf = server.getDivision(groupId).getRaftConf();
    } catch (IOException e) {
      return;
    }
    if (conf == known) {
      return;
    }
    List<RaftPeer> all = new ArrayList<>(conf.getAllPeers(RaftPeerRole.FOLLOWER));
    all.addAll(conf.getAllPeers(RaftPeerRole.LISTENER));
    rpc.getClientRpc().addRaftPeers(all);
    known = conf;
  }
}

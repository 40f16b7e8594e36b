package dev.raftkv.raft;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis' gRPC transport with one addition: a leader can send a follower its commit index at once
 * ({@link #sendCommitIndex}), as Ratis does itself after answering its own ReadIndex request.
 *
 * <p>Why: a follower learns the commit index from the next AppendEntries. Under a write load that
 * is the next batch; on a quiet cluster it is the next heartbeat, half of
 * {@code raft.server.rpc.timeout.min} later (GrpcLogAppender wakes up when the commit index
 * moves, but sends nothing until there is an entry or a heartbeat is due). A linearizable read on
 * a follower waits until the follower has applied the read index the leader confirmed, so a read
 * right after a write through a follower took ~500 ms. The leader now asks the follower's log
 * appender for a heartbeat when it answers that follower's read index request and the follower's
 * commit index is behind it: the read waits one round trip, not a heartbeat period. The appenders
 * are Ratis' own; this only keeps a (weak) handle on each, made through Ratis' factory hook.
 */
public final class CommitNudgingGrpc implements RpcType {
  private record Key(RaftGroupMemberId leader, RaftPeerId follower) {}

  /** The latest appender of each leader division for each follower. */
  private static final Map<Key, WeakReference<LogAppender>> APPENDERS = new ConcurrentHashMap<>();

  /** Made by Ratis (RpcType.valueOf) from the class name in {@code raft.rpc.type}. */
  public CommitNudgingGrpc() {}

  @Override
  public String name() {
    return CommitNudgingGrpc.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new Factory(parameters);
  }

  /**
   * When {@code leader} leads and {@code follower}'s commit index is below {@code index}: a
   * heartbeat to it now, which carries the leader's commit index.
   */
  static void sendCommitIndex(RaftGroupMemberId leader, RaftPeerId follower, long index) {
    WeakReference<LogAppender> ref = APPENDERS.get(new Key(leader, follower));
    LogAppender appender = ref == null ? null : ref.get();
    if (appender != null && appender.isRunning() && appender.getFollower().getCommitIndex() < index) {
      appender.triggerHeartbeat();
    }
  }

  private static final class Factory extends GrpcFactory {
    Factory(Parameters parameters) {
      super(parameters);
    }

    @Override
    public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo f) {
      LogAppender appender = super.newLogAppender(server, state, f);
      APPENDERS.put(new Key(server.getMemberId(), f.getId()), new WeakReference<>(appender));
      return appender;
    }
  }
}

package dev.raftkv.raft;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLogIOException;

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
 *
 * <p>And, with {@code raftkv.replication.hold-ms} above 0, each appender holds new entries for a
 * follower while an AppendEntries with entries is still unanswered by it (for at most that long
 * after the last send), so the entries that arrive meanwhile go out in one request: one receive,
 * one log append and one fsync on the follower for all of them (Nagle's rule; RedisRaft sends
 * the same way). Ratis' appender sends every new entry at once and fsyncs per request.
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
      String hold = server.getRaftServer().getProperties().get(HOLD_KEY);
      long holdMs = hold == null ? 0 : Long.parseLong(hold);
      LogAppender appender = holdMs > 0 ? new HoldingAppender(server, state, f, holdMs)
          : super.newLogAppender(server, state, f);
      APPENDERS.put(new Key(server.getMemberId(), f.getId()), new WeakReference<>(appender));
      return appender;
    }
  }

  /** The RaftProperties key the node copies {@code raftkv.replication.hold-ms} into. */
  public static final String HOLD_KEY = "raftkv.replication.hold-ms";

  /** Ratis' gRPC appender that holds new entries while a data request to its follower is out. */
  private static final class HoldingAppender extends GrpcLogAppender {
    private final long holdNanos;

    HoldingAppender(RaftServer.Division server, LeaderState state, FollowerInfo f, long holdMs) {
      super(server, state, f);
      this.holdNanos = holdMs * 1_000_000L;
    }

    /** Nanoseconds left to hold new entries for; 0 when they should go now. */
    private long holdLeft() {
      if (!hasPendingDataRequests() || getHeartbeatWaitTimeMs() <= 0) {
        return 0; // nothing unanswered, or a heartbeat is due or asked for
      }
      long left = holdNanos - getFollower().getLastRpcSendTime().elapsedTime().toLong(TimeUnit.NANOSECONDS);
      return Math.max(0, left);
    }

    /**
     * Ratis calls this to build the next request whenever there is something to send (new
     * entries, or a commit index the follower has not seen); while holding, nothing is built and
     * the appender waits ({@link #getWaitTimeMs}) for the reply (which moves the commit index and
     * wakes it), a new entry, or the end of the hold.
     */
    @Override
    public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat)
        throws RaftLogIOException {
      if (!heartbeat && holdLeft() > 0) {
        return null;
      }
      return super.newAppendEntriesRequest(callId, heartbeat);
    }

    @Override
    public long getWaitTimeMs() {
      long left = holdLeft();
      if (left > 0) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
      }
      return super.getWaitTimeMs();
    }
  }
}

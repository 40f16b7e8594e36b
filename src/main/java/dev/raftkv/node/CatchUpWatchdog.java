package dev.raftkv.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets a follower unstuck when the leader stops sending it what it needs: the last resort.
 *
 * <p>Ratis 3.3.0's leader never sends a follower entries below the match index it remembers for
 * it. A follower that lost its log (a wiped data directory) no longer meets this: it rejoins
 * through {@link Formation}, which has the leader drop and re-add it, so the leader's record of
 * it starts afresh. A follower that fell into an inconsistency loop (RATIS-2605: heartbeat replies
 * polluting the match index) still gets nothing but heartbeats, while the cluster goes on
 * without it. A new
 * leader starts with fresh follower records, so this follower asks the leader to step down when
 * its log has not moved for {@code stuckMillis}, the leader's commit index is ahead of it, and
 * nothing in its Raft storage changed meanwhile (no snapshot install in progress). It waits
 * {@code cooldownMillis} before it asks again.
 */
final class CatchUpWatchdog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CatchUpWatchdog.class);

  private final String id;
  private final RaftServer server;
  private final RaftGroup group;
  private final RaftProperties properties;
  private final org.apache.ratis.conf.Parameters parameters;
  private final Path storage;
  private final long stuckNanos;
  private final long cooldownNanos;
  private final ScheduledExecutorService timer;
  private long lastNextIndex = -2;
  private long unchangedSince = System.nanoTime();
  private long lastAction = Long.MIN_VALUE / 2;

  CatchUpWatchdog(String id, RaftServer server, RaftGroup group, RaftProperties properties,
      org.apache.ratis.conf.Parameters parameters, Path storage, long stuckMillis, long cooldownMillis) {
    this.id = id;
    this.server = server;
    this.group = group;
    this.properties = properties;
    this.parameters = parameters;
    this.storage = storage;
    this.stuckNanos = TimeUnit.MILLISECONDS.toNanos(stuckMillis);
    this.cooldownNanos = TimeUnit.MILLISECONDS.toNanos(cooldownMillis);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, id + "-catch-up-watchdog");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::check, 2, 2, TimeUnit.SECONDS);
  }

  private void check() {
    try {
      RaftServer.Division d = server.getDivision(group.getGroupId());
      DivisionInfo info = d.getInfo();
      long next = d.getRaftLog().getNextIndex();
      long now = System.nanoTime();
      // A stuck peer flips between follower and (pre-vote) candidate when heartbeats come
      // rarely, so only progress of its own log, or leadership, resets the clock.
      if (info.isLeader() || next != lastNextIndex) {
        lastNextIndex = next;
        unchangedSince = now;
        return;
      }
      if (now - unchangedSince < stuckNanos || now - lastAction < cooldownNanos
          || modifiedWithin(storage, stuckNanos)) {
        return;
      }
      try (RaftClient c = RaftClient.newBuilder().setProperties(properties)
          .setParameters(parameters).setRaftGroup(group)
          .setRetryPolicy(RetryPolicies.noRetry()).build()) {
        for (RaftPeer peer : group.getPeers()) {
          if (peer.getId().equals(server.getId())) {
            continue;
          }
          GroupInfoReply r;
          try {
            r = c.getGroupManagementApi(peer.getId()).info(group.getGroupId());
          } catch (IOException e) {
            continue;
          }
          if (r.getRoleInfoProto().getRole() != RaftPeerRole.LEADER) {
            continue;
          }
          long leaderCommit = r.getCommitInfos().stream()
              .filter(ci -> RaftPeerId.valueOf(ci.getServer().getId()).equals(peer.getId()))
              .mapToLong(CommitInfoProto::getCommitIndex).max().orElse(-1);
          if (leaderCommit < next) {
            unchangedSince = now; // nothing to catch up: the cluster is idle
            return;
          }
          LOG.warn("{}: log stuck at index {} for {} s while leader {} has committed {}: asking it"
              + " to step down so that a new leader catches this peer up", id, next,
              TimeUnit.NANOSECONDS.toSeconds(now - unchangedSince), peer.getId(), leaderCommit);
          lastAction = now;
          c.admin().transferLeadership(null, peer.getId(), 5000);
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("{}: catch-up check failed: {}", id, e.toString());
    }
  }

  /** Whether any file below {@code dir} was modified in the last {@code nanos}. */
  private static boolean modifiedWithin(Path dir, long nanos) {
    long since = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(nanos);
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.anyMatch(p -> {
        try {
          String name = p.getFileName().toString();
          // votes and terms (raft-meta) change during elections, which a stuck peer keeps trying
          return !name.equals("in_use.lock") && !name.startsWith("raft-meta")
              && Files.getLastModifiedTime(p).toMillis() > since;
        } catch (IOException e) {
          return false;
        }
      });
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

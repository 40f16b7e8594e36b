package dev.raftkv.raft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The leader's check that it still leads, before it answers a read (Raft thesis 6.4): a majority
 * of the voters, asked after the read arrived, says this peer is their leader in its current term.
 * Then no other leader can have been elected before they answered (each majority shares a member
 * with this one, and none of them had voted in a later term), so every write acknowledged before
 * the read is at or below this peer's commit index.
 *
 * <p>Ratis 3.3.0's ReadIndex does not do this on its own: after one heartbeat round confirmed a
 * commit index, it answers every later read at that index without asking, and an isolated leader's
 * commit index never moves again. {@code DeposedLeaderReadIT} shows the stale read it allowed.
 *
 * <p>Rounds are shared: at most one is asking; reads that arrive meanwhile wait for the next one,
 * which starts when it ends, so one round serves every read that came in during the one before.
 * The question travels as a Ratis stale-read message ({@link #LEADER_CHECK}) over the Raft port and
 * is answered by the follower's state machine from its Raft state ({@link #answer}).
 */
final class ReadFence {
  /** First byte of the question "am I your leader in term T?" (payload: term, leader id). */
  static final byte LEADER_CHECK = (byte) 0xB1;
  /**
   * First byte of a follower's request for a confirmed read index from the leader; the payload
   * ({@link #readIndexRequest}) may carry the follower's own answer to {@link #LEADER_CHECK}.
   */
  static final byte READ_INDEX = (byte) 0xB2;

  private final RaftServer server;
  private final RaftGroupId groupId;
  private final RaftPeerId selfId;
  private final RaftClient rpc;
  private final ClientId clientId;
  private final AtomicLong callIds;
  private final long roundTimeoutMs;
  private final PeerBook peerBook;
  /** The round asking now, and the one that collects the reads arriving meanwhile. */
  private final SharedCall<Long> shared = new SharedCall<>(() -> {
    Round round = new Round();
    round.run();
    return round.result;
  });
  /** The voter that confirmed first in the last round: asked first in the next. */
  private volatile RaftPeerId fastest;
  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong claimsAccepted = new AtomicLong();

  ReadFence(RaftServer server, RaftGroupId groupId, RaftClient rpc, ClientId clientId,
      AtomicLong callIds, long roundTimeoutMs, PeerBook peerBook) {
    this.server = server;
    this.groupId = groupId;
    this.selfId = server.getId();
    this.rpc = rpc;
    this.clientId = clientId;
    this.callIds = callIds;
    this.roundTimeoutMs = roundTimeoutMs;
    this.peerBook = peerBook;
  }

  /** Why this peer cannot give a confirmed read index now; the caller tries again or gives up. */
  static final class NotConfirmed extends IOException {
    private static final long serialVersionUID = 1L;

    NotConfirmed(String message) {
      super(message, null);
    }
  }

  /**
   * Completes with a commit index once a round that started after this call has confirmed that
   * this peer leads; every write acknowledged before the call is at or below it. Fails with
   * {@link NotConfirmed} when this peer does not lead or no majority confirmed it.
   */
  CompletableFuture<Long> confirm() {
    return shared.get();
  }


  /**
   * The read index for a follower's {@link #READ_INDEX} request. The request may carry the
   * follower's claim "I follow you in term T", made after its reads arrived: the same statement
   * as a yes to {@link #LEADER_CHECK}. When this peer and the claimant are a majority of every
   * voter set (any two of three voters), no round is needed: the claimant had not voted in a later
   * term when it sent the request, and this peer has not either while it still leads term T, so
   * no other leader can have been elected before the claim. Otherwise a round as for
   * {@link #confirm()} (a claim cannot join a shared round: the round's other reads may have
   * arrived after it was made).
   */
  CompletableFuture<Long> confirmFor(ByteBuffer request) {
    RaftPeerId follower = null;
    try {
      request.get(); // READ_INDEX
      if (request.remaining() >= 10) {
        long term = request.getLong();
        byte[] claimant = new byte[request.getShort()];
        request.get(claimant);
        byte[] leader = new byte[request.remaining()];
        request.get(leader);
        follower = RaftPeerId.valueOf(new String(claimant, StandardCharsets.UTF_8));
        RaftServer.Division division = server.getDivision(groupId);
        DivisionInfo info = division.getInfo();
        if (info.isLeader() && info.isLeaderReady() && info.getCurrentTerm() == term
            && selfId.toString().equals(new String(leader, StandardCharsets.UTF_8))) {
          long index = division.getRaftLog().getLastCommittedIndex();
          if (majorityWith(voterSets(division.getRaftConf()), Set.of(follower))) {
            claimsAccepted.incrementAndGet();
            return sendCommitIndex(follower, CompletableFuture.completedFuture(index));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // a malformed or unreadable claim: the round below decides
    }
    return sendCommitIndex(follower, confirm());
  }

  /**
   * The follower waits until it has applied the read index: once it is known, the follower is
   * sent this leader's commit index at once instead of with the next heartbeat (CommitNudgingGrpc).
   */
  private CompletableFuture<Long> sendCommitIndex(RaftPeerId follower, CompletableFuture<Long> readIndex) {
    if (follower == null) {
      return readIndex;
    }
    RaftGroupMemberId me = RaftGroupMemberId.valueOf(selfId, groupId);
    return readIndex.whenComplete((index, e) -> {
      if (e == null) {
        CommitNudgingGrpc.sendCommitIndex(me, follower, index);
      }
    });
  }

  /** The follower's side of {@link #confirmFor}: its claim, if it follows {@code leader} now. */
  static byte[] readIndexRequest(DivisionInfo info, RaftPeerId self, RaftPeerId leader) {
    if (!info.isFollower() || !leader.equals(info.getLeaderId())) {
      return new byte[] {READ_INDEX};
    }
    byte[] me = self.toString().getBytes(StandardCharsets.UTF_8);
    byte[] to = leader.toString().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 8 + 2 + me.length + to.length).put(READ_INDEX)
        .putLong(info.getCurrentTerm()).putShort((short) me.length).put(me).put(to).array();
  }

  /** Followers' read index requests answered from their own claim, without a round. */
  long claimsAccepted() {
    return claimsAccepted.get();
  }

  /** Rounds of questions to the voters so far. */
  long rounds() {
    return rounds.get();
  }

  /** This peer and {@code yes} are more than half of every voter set. */
  private boolean majorityWith(List<Set<RaftPeerId>> voterSets, Set<RaftPeerId> yes) {
    for (Set<RaftPeerId> voters : voterSets) {
      int n = 0;
      for (RaftPeerId p : voters) {
        if (p.equals(selfId) || yes.contains(p)) {
          n++;
        }
      }
      if (n * 2 <= voters.size()) {
        return false;
      }
    }
    return true;
  }

  /**
   * One question to the voters. With one voter set it asks only as many voters as a majority
   * needs (the one that confirmed first last time first), and asks one more for every "no" or
   * failure; while the configuration changes it asks every voter of both sets.
   */
  private final class Round {
    final CompletableFuture<Long> result = new CompletableFuture<>();
    private final Set<RaftPeerId> yes = new HashSet<>();
    private final ArrayDeque<RaftPeerId> unasked = new ArrayDeque<>();
    private int asked;
    private int answers;
    private List<Set<RaftPeerId>> voterSets;
    private long term;
    private RaftServer.Division division;
    private byte[] question;

    void run() {
      rounds.incrementAndGet();
      List<RaftPeerId> first = new ArrayList<>();
      try {
        division = server.getDivision(groupId);
        DivisionInfo info = division.getInfo();
        if (!info.isLeader() || !info.isLeaderReady()) {
          result.completeExceptionally(new NotConfirmed("not the leader"));
          return;
        }
        term = info.getCurrentTerm();
        voterSets = voterSets(division.getRaftConf());
        Set<RaftPeerId> others = new HashSet<>();
        voterSets.forEach(others::addAll);
        others.remove(selfId);
        if (others.isEmpty()) {
          decide();
          return;
        }
        peerBook.refresh();
        question = question(term, selfId);
        RaftPeerId preferred = fastest;
        if (preferred != null && others.remove(preferred)) {
          unasked.add(preferred);
        }
        unasked.addAll(others);
        int need = voterSets.size() == 1 ? voterSets.get(0).size() / 2 : unasked.size();
        synchronized (this) {
          while (first.size() < need && !unasked.isEmpty()) {
            first.add(unasked.poll());
          }
          asked = first.size();
        }
      } catch (IOException | RuntimeException e) {
        result.completeExceptionally(new NotConfirmed("cannot read the Raft state: " + e));
        return;
      }
      first.forEach(this::ask);
    }

    private void ask(RaftPeerId peer) {
      RaftClientRequest request = message(clientId, groupId, peer, callIds.incrementAndGet(),
          question, roundTimeoutMs);
      CompletableFuture<RaftClientReply> reply;
      try {
        reply = rpc.getClientRpc().sendRequestAsyncUnordered(request);
      } catch (RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
      reply.orTimeout(roundTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
        boolean confirmed = e == null && r.isSuccess() && isYes(r.getMessage());
        if (e != null || !r.isSuccess()) {
          rpc.getClientRpc().handleException(peer, e != null ? e : r.getException(), true);
        }
        answered(peer, confirmed);
      });
    }

    private void answered(RaftPeerId peer, boolean confirmed) {
      RaftPeerId another = null;
      synchronized (this) {
        if (result.isDone()) {
          return;
        }
        answers++;
        if (confirmed) {
          if (yes.isEmpty()) {
            fastest = peer;
          }
          yes.add(peer);
        }
        if (!majority()) {
          if ((!confirmed || answers == asked) && !unasked.isEmpty()) {
            another = unasked.poll(); // in place of a "no", or not enough asked yet
            asked++;
          } else if (answers < asked) {
            return; // wait for more answers
          }
        }
      }
      if (another != null) {
        ask(another);
        return;
      }
      decide();
    }

    /** Every voter set (the old one too, while the configuration changes) has a majority. */
    private synchronized boolean majority() {
      return majorityWith(voterSets, yes);
    }

    private void decide() {
      if (!majority()) {
        result.completeExceptionally(new NotConfirmed("no majority of the voters confirmed this"
            + " peer as leader in term " + term));
        return;
      }
      // still the leader of the same term after the answers, with the same voters
      DivisionInfo info = division.getInfo();
      if (!info.isLeader() || info.getCurrentTerm() != term
          || !voterSets.equals(voterSets(division.getRaftConf()))) {
        result.completeExceptionally(new NotConfirmed("leadership or configuration changed"));
        return;
      }
      result.complete(division.getRaftLog().getLastCommittedIndex());
    }
  }

  private static List<Set<RaftPeerId>> voterSets(RaftConfiguration conf) {
    List<Set<RaftPeerId>> sets = new ArrayList<>(2);
    sets.add(ids(conf.getCurrentPeers()));
    if (!conf.getPreviousPeers().isEmpty()) {
      sets.add(ids(conf.getPreviousPeers()));
    }
    return sets;
  }

  private static Set<RaftPeerId> ids(Collection<RaftPeer> peers) {
    Set<RaftPeerId> ids = new HashSet<>();
    peers.forEach(p -> ids.add(p.getId()));
    return ids;
  }

  /**
   * A message to one peer's state machine, answered there without a ReadIndex (a Ratis stale read
   * with no minimum index): the questions of this class travel this way.
   */
  static RaftClientRequest message(ClientId clientId, RaftGroupId groupId, RaftPeerId peer,
      long callId, byte[] content, long timeoutMs) {
    return RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(peer)
        .setGroupId(groupId)
        .setCallId(callId)
        .setMessage(Message.valueOf(ByteString.copyFrom(content)))
        .setType(RaftClientRequest.staleReadRequestType(0))
        .setTimeoutMs(timeoutMs)
        .build();
  }

  static byte[] question(long term, RaftPeerId leader) {
    byte[] id = leader.toString().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 8 + id.length).put(LEADER_CHECK).putLong(term).put(id).array();
  }

  private static boolean isYes(Message m) {
    ByteString b = m.getContent();
    return b.size() == 1 && b.byteAt(0) == 1;
  }

  /**
   * A follower's answer to {@link #question}: yes only if it follows that leader in that term now
   * (so it has not voted in a later one, which would have moved its term).
   */
  static byte[] answer(ByteBuffer question, DivisionInfo info) {
    question.get(); // LEADER_CHECK
    long term = question.getLong();
    byte[] id = new byte[question.remaining()];
    question.get(id);
    RaftPeerId leader = RaftPeerId.valueOf(new String(id, StandardCharsets.UTF_8));
    // a peer that still sees itself as a listener (a voter just promoted, RATIS-1825) votes for
    // no one either
    boolean yes = (info.isFollower() || info.isListener()) && info.getCurrentTerm() == term
        && leader.equals(info.getLeaderId());
    return new byte[] {(byte) (yes ? 1 : 0)};
  }
}

package dev.raftkv.raft;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import dev.raftkv.protocol.RespOut;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries client commands into Raft. Writes from every connection are packed into batches (group
 * commit): one log entry, one fsync, one reply message per batch, with up to {@code maxInflight}
 * batches in flight so the queue fills while Raft works. On the leader a batch is submitted to
 * the local Raft server directly; a follower forwards it to the leader. Every retry of a batch
 * reuses its client id and call id, so Ratis' retry cache never applies it twice. Reads are
 * batched the same way; one ReadIndex round serves a whole batch, on any peer.
 *
 * <p>Replies are RESP bytes. Failures become the errors of the contract: {@code CLUSTERDOWN}
 * when no leader could be reached and the command certainly did not happen, {@code TIMEOUT} when
 * the outcome of a write is unknown.
 */
public final class RaftGateway implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftGateway.class);

  /**
   * Settings of the gateway. {@code maxCommandBytes}: the largest encoded command (or batch) that
   * fits in one Raft log entry; a bigger write is refused before it is queued, and batches are
   * never bigger. {@code maxQueuedBytes}: while more than this waits in either queue, the peer
   * reports itself {@link #overloaded()} and connections stop reading (global back-pressure).
   */
  public record Settings(int maxBatchOps, long maxBatchBytes, int maxInflight, long timeoutMs,
      boolean staleReads, long maxCommandBytes, long maxQueuedBytes, int maxValueBytes) {
    public Settings(int maxBatchOps, long maxBatchBytes, int maxInflight, long timeoutMs,
        boolean staleReads) {
      this(maxBatchOps, maxBatchBytes, maxInflight, timeoutMs, staleReads, maxBatchBytes, Long.MAX_VALUE,
          dev.raftkv.command.Commands.DEFAULT_MAX_VALUE);
    }

    /** The most bytes of commands packed into one log entry. */
    long batchBytes() {
      return Math.min(maxBatchBytes, maxCommandBytes);
    }
  }

  private final String peerName;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final RaftPeerId selfId;
  private final RaftClient rpc;
  private final DirectForward.Client forward;
  private final KvStateMachine stateMachine;
  private final Settings settings;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final ScheduledExecutorService retries;
  /** Runs reads against the state machine, off Ratis' threads. */
  private final java.util.concurrent.ExecutorService readers;
  /**
   * Calls in the order they were made, which is their deadline order (every call gets the same
   * timeout). One sweep for all calls instead of a timer per call (which cost a scheduled task and
   * its cancellation per batch), and only while calls are live: it runs at the oldest unfinished
   * call's deadline, drops the finished calls before it, and stops when none is left. (A fixed
   * 10 ms sweep cost an idle peer ~15 ms of CPU a second, 100 timer wake-ups.)
   */
  private final ConcurrentLinkedQueue<Call> live = new ConcurrentLinkedQueue<>();
  /** A sweep is scheduled (or running); cleared only by a sweep that found no live call. */
  private final AtomicBoolean sweepScheduled = new AtomicBoolean();
  private final Batcher writes;
  private final Batcher reads;
  private final ReadFence fence;
  private final SharedCall<Long> leaderReadIndex = new SharedCall<>(this::askLeader);
  private final AtomicLong readIndexRequests = new AtomicLong();
  private final PeerBook peerBook;
  private volatile RaftPeerId leaderHint;
  private volatile boolean closed;
  /** Set when this peer's Raft server has stopped for good: the error every request gets. */
  private volatile String refusal;

  public RaftGateway(String peerName, RaftServer server, RaftGroupId groupId, RaftClient rpc,
      KvStateMachine stateMachine, Settings settings) {
    this(peerName, server, groupId, rpc, null, stateMachine, settings);
  }

  /**
   * {@code forward}: how this peer's writes and read index requests reach another peer that
   * leads ({@link DirectForward}); null: through {@code rpc}, Ratis' client.
   */
  public RaftGateway(String peerName, RaftServer server, RaftGroupId groupId, RaftClient rpc,
      DirectForward.Client forward, KvStateMachine stateMachine, Settings settings) {
    this.peerName = peerName;
    this.forward = forward;
    this.server = server;
    this.groupId = groupId;
    this.selfId = server.getId();
    this.rpc = rpc;
    this.stateMachine = stateMachine;
    this.settings = settings;
    this.retries = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, peerName + "-retry"));
    java.util.concurrent.atomic.AtomicInteger readerCount = new java.util.concurrent.atomic.AtomicInteger();
    this.readers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
        r -> daemon(r, peerName + "-reader-" + readerCount.incrementAndGet()));
    this.peerBook = new PeerBook(server, groupId, rpc);
    this.fence = new ReadFence(server, groupId, rpc, clientId, callIds,
        Math.min(settings.timeoutMs(), 1000), peerBook);
    stateMachine.setReadIndexSource(fence::confirmFor);
    stateMachine.setReadPointSource(this::readPoint);
    this.writes = new Batcher("write", true);
    this.reads = new Batcher("read", false);
  }

  /** Starts tracking a call's deadline; schedules the sweep if none is scheduled. */
  private void track(Call call) {
    synchronized (live) {
      // calls mostly finish in order: dropping the finished ones here keeps the queue short
      // (and young) between sweeps
      Call c;
      while ((c = live.peek()) != null && c.result.isDone()) {
        live.poll();
      }
      live.add(call);
    }
    if (sweepScheduled.compareAndSet(false, true)) {
      scheduleSweep(call.deadline);
    }
  }

  private void scheduleSweep(long deadlineNanos) {
    try {
      retries.schedule(this::expireCalls, Math.max(0, deadlineNanos - System.nanoTime()) + 1_000_000L,
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closing: close() fails every live call
    }
  }

  /**
   * Fails every call past its deadline and drops finished calls from the head of the queue;
   * then sleeps until the next unfinished call's deadline, or stops when no call is live.
   */
  private void expireCalls() {
    while (true) {
      long now = System.nanoTime();
      List<Call> expired = new ArrayList<>();
      Call next = null;
      synchronized (live) {
        Call c;
        while ((c = live.peek()) != null) {
          if (!c.result.isDone() && c.deadline - now > 0) {
            next = c;
            break;
          }
          live.poll();
          if (!c.result.isDone()) {
            expired.add(c);
          }
        }
      }
      expired.forEach(Call::expire);
      if (next != null) {
        scheduleSweep(next.deadline);
        return;
      }
      sweepScheduled.set(false);
      // a call added after the queue looked empty may have seen the flag still set
      if (live.isEmpty() || !sweepScheduled.compareAndSet(false, true)) {
        return;
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Proposes a normalized write command; completes with its RESP reply. */
  public CompletableFuture<byte[]> write(byte[][] argv) {
    return writes.add(argv);
  }

  /** From now on every request is answered with {@code error} (this peer's Raft server stopped). */
  public void refuseAll(String error) {
    refusal = error;
  }

  /** True while more than {@code maxQueuedBytes} of writes or of reads wait for a batch. */
  public boolean overloaded() {
    return writes.queuedBytes.get() > settings.maxQueuedBytes()
        || reads.queuedBytes.get() > settings.maxQueuedBytes();
  }

  /** Bytes of write commands waiting for a batch now. */
  public long queuedWriteBytes() {
    return writes.queuedBytes.get();
  }

  /** The most bytes of write commands that ever waited for a batch at once. */
  public long peakQueuedWriteBytes() {
    return writes.peakQueuedBytes.get();
  }

  /**
   * Counters of the read path: rounds of leader checks this peer ran as leader, followers' read
   * index requests it answered from their own claim without a round, and read index requests
   * it sent as a follower.
   */
  public record ReadCounters(long rounds, long claims, long requests) { }

  public ReadCounters readCounters() {
    return new ReadCounters(fence.rounds(), fence.claimsAccepted(), readIndexRequests.get());
  }

  /** A linearizable read (or a local one in stale mode); completes with its RESP reply. */
  public CompletableFuture<byte[]> read(byte[][] argv) {
    if (settings.staleReads()) {
      return CompletableFuture.completedFuture(stateMachine.read(new byte[][][] {argv}).get(0));
    }
    return reads.add(argv);
  }

  DivisionInfo info() throws IOException {
    return server.getDivision(groupId).getInfo();
  }

  /**
   * A read index for reads outside the client batches ({@code admin backup}): confirmed by the
   * leader's {@link ReadFence} after this call, on this peer when it leads, else asked of the leader.
   */
  CompletableFuture<Long> readPoint() {
    RaftPeerId leader = currentLeader();
    if (leader == null) {
      return CompletableFuture.failedFuture(new ReadFence.NotConfirmed(peerName + " knows no leader"));
    }
    return readIndex(leader);
  }

  /**
   * A read index confirmed after this call: this peer's own fence when it leads, else the
   * leader's answer to a request that reads share (one in flight at a time, sent after them;
   * the leader's cost is per request).
   */
  private CompletableFuture<Long> readIndex(RaftPeerId leader) {
    return leader.equals(selfId) ? fence.confirm() : leaderReadIndex.get();
  }

  /** One request to the leader for a read index, bounded: every read after it waits for it. */
  private CompletableFuture<Long> askLeader() {
    RaftPeerId leader = currentLeader();
    if (leader == null || leader.equals(selfId)) {
      return CompletableFuture.failedFuture(new ReadFence.NotConfirmed(peerName + " has no other leader to ask"));
    }
    long timeoutMs = Math.min(settings.timeoutMs(), 1000);
    readIndexRequests.incrementAndGet();
    return askReadIndex(leader, timeoutMs).orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** The index {@code leader} confirmed by a fence round after this request reached it. */
  private CompletableFuture<Long> askReadIndex(RaftPeerId leader, long remainingMs) {
    try {
      RaftClientRequest request = ReadFence.message(clientId, groupId, leader, callIds.incrementAndGet(),
          ReadFence.readIndexRequest(info(), selfId, leader), remainingMs);
      return sendToLeader(leader, request, remainingMs).thenApply(r -> {
        if (!r.isSuccess()) {
          throw new CompletionException(r.getException());
        }
        return r.getMessage().getContent().asReadOnlyByteBuffer().getLong();
      });
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Submits {@code request} to its division of {@code server} on the calling thread (the leader's
   * gateway for its own writes, {@link DirectForward} for forwarded ones). RaftServer's
   * submitClientRequestAsync runs the same call on Ratis' client executor and parks the caller
   * until it returns (RaftServerImpl.executeSubmitClientRequestAsync: supplyAsync, then join),
   * which cost two thread hand-offs per log entry and nothing else: the call only appends the
   * entry and returns the future of its reply.
   */
  static CompletableFuture<RaftClientReply> submitToDivision(RaftServer server, RaftClientRequest request)
      throws IOException {
    if (server.getDivision(request.getRaftGroupId()) instanceof RaftClientAsynchronousProtocol division) {
      return division.submitClientRequestAsync(request);
    }
    return server.submitClientRequestAsync(request);
  }

  /**
   * Sends a request to another peer (the leader): on the {@link DirectForward} stream when this
   * gateway has one and knows the peer's address, else through Ratis' client.
   */
  private CompletableFuture<RaftClientReply> sendToLeader(RaftPeerId leader, RaftClientRequest request,
      long timeoutMs) throws IOException {
    if (forward != null) {
      RaftPeer peer = server.getDivision(groupId).getRaftConf().getPeer(leader);
      if (peer != null) {
        return forward.send(peer, request, timeoutMs);
      }
    }
    return rpc.getClientRpc().sendRequestAsyncUnordered(request);
  }

  private RaftPeerId currentLeader() {
    try {
      DivisionInfo info = info();
      if (info.isLeader()) {
        return selfId;
      }
      RaftPeerId leader = info.getLeaderId();
      return leader != null ? leader : leaderHint;
    } catch (IOException e) {
      return null;
    }
  }

  /** One queued client command. */
  private static final class Pending {
    final byte[][] argv;
    final int size;
    final CompletableFuture<byte[]> future = new CompletableFuture<>();

    Pending(byte[][] argv) {
      this.argv = argv;
      this.size = CommandBatch.encodedSize(argv);
    }
  }

  /** Packs queued commands into batches and keeps up to maxInflight of them in Raft. */
  private final class Batcher implements Runnable {
    private final boolean isWrite;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Semaphore inflight = new Semaphore(settings.maxInflight());
    final AtomicLong queuedBytes = new AtomicLong();
    final AtomicLong peakQueuedBytes = new AtomicLong();
    private final Thread thread;

    Batcher(String kind, boolean isWrite) {
      this.isWrite = isWrite;
      this.thread = daemon(this, peerName + "-" + kind + "-batcher");
      thread.start();
    }

    CompletableFuture<byte[]> add(byte[][] argv) {
      Pending p = new Pending(argv);
      if (closed) {
        p.future.complete(RespOut.errorBytes("CLUSTERDOWN this peer is shutting down"));
      } else if (refusal != null) {
        p.future.complete(RespOut.errorBytes(refusal));
      } else if (isWrite && p.size > settings.maxCommandBytes()) {
        // it could never be appended: Ratis refuses a log entry over its buffer limit
        p.future.complete(RespOut.errorBytes(
            dev.raftkv.resp.LimitErrors.tooLarge(p.size, settings.maxCommandBytes())));
      } else {
        peakQueuedBytes.accumulateAndGet(queuedBytes.addAndGet(p.size), Math::max);
        queue.add(p);
      }
      return p.future;
    }

    @Override
    public void run() {
      List<Pending> batch = new ArrayList<>();
      while (!closed) {
        try {
          Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          inflight.acquire();
          batch.add(first);
          long bytes = first.size;
          Pending next;
          while (batch.size() < settings.maxBatchOps() && (next = queue.peek()) != null
              && bytes + next.size <= settings.batchBytes()) {
            batch.add(queue.poll());
            bytes += next.size;
          }
          queuedBytes.addAndGet(-bytes);
          List<Pending> sent = List.copyOf(batch);
          batch.clear();
          submit(sent).whenComplete((v, e) -> inflight.release());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        } catch (RuntimeException e) {
          LOG.error("{}: batcher failed", peerName, e);
          for (Pending p : batch) {
            p.future.complete(RespOut.errorBytes("ERR internal error: " + e));
          }
          batch.clear();
        }
      }
      Pending p;
      while ((p = queue.poll()) != null) {
        p.future.complete(RespOut.errorBytes("CLUSTERDOWN this peer is shutting down"));
      }
    }

    private CompletableFuture<Void> submit(List<Pending> batch) {
      List<byte[][]> commands = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        commands.add(p.argv);
      }
      long deadline = System.nanoTime() + settings.timeoutMs() * 1_000_000L;
      Call call = isWrite
          ? new Call(ByteString.copyFrom(CommandBatch.encode(System.currentTimeMillis(), settings.maxValueBytes(), commands)),
              null, deadline)
          : new Call(null, commands.toArray(new byte[0][][]), deadline);
      track(call);
      call.attempt();
      return call.result.handle((replies, failure) -> {
        if (failure != null) {
          byte[] err = RespOut.errorBytes(failure instanceof RaftKvFailure f ? f.getMessage()
              : "ERR internal error: " + failure);
          for (Pending p : batch) {
            p.future.complete(err);
          }
          return null;
        }
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).future.complete(i < replies.length ? replies[i]
              : RespOut.errorBytes("ERR internal error: missing reply"));
        }
        return null;
      });
    }
  }

  /** A failure whose message is the RESP error text to send. */
  static final class RaftKvFailure extends Exception {
    private static final long serialVersionUID = 1L;

    RaftKvFailure(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * One Raft request with its retries under the same client and call id. Its deadline is kept by
   * {@link #expireCalls}; an attempt's reply after that is ignored.
   */
  private final class Call {
    final boolean isWrite;
    /**
     * A write: the log entry; a read: its commands, run on this peer. Both are dropped once the
     * call is finished (finished calls may wait in {@link #live}).
     */
    volatile ByteString payload;
    volatile byte[][][] reads;
    final long deadline;
    final long callId = callIds.incrementAndGet();
    /** The replies, one per command. */
    final CompletableFuture<byte[][]> result = new CompletableFuture<>();
    /**
     * Sticky: some attempt may have been appended by a leader, so failure means "unknown". Set
     * before {@link #inFlight} is cleared, so an expiry never sees both false for such an attempt.
     */
    volatile boolean maybeApplied;
    /** An attempt is out and has not been answered. */
    volatile boolean inFlight;
    volatile Throwable lastFailure;

    Call(ByteString payload, byte[][][] reads, long deadline) {
      this.isWrite = payload != null;
      this.payload = payload;
      this.reads = reads;
      this.deadline = deadline;
      result.whenComplete((m, e) -> {
        this.payload = null;
        this.reads = null;
      });
    }

    void attempt() {
      long remainingMs = (deadline - System.nanoTime()) / 1_000_000L;
      ByteString message = payload;
      byte[][][] commands = reads;
      if (result.isDone() || (message == null && commands == null)) {
        return;
      }
      if (closed || remainingMs <= 0) {
        fail();
        return;
      }
      RaftPeerId target = currentLeader();
      if (target == null) {
        retryLater(null);
        return;
      }
      if (!target.equals(selfId)) {
        peerBook.refresh();
      }
      if (!isWrite) {
        readAttempt(target, commands);
        return;
      }
      RaftClientRequest.Builder b = RaftClientRequest.newBuilder()
          .setClientId(clientId)
          .setGroupId(groupId)
          .setCallId(callId)
          .setMessage(Message.valueOf(message))
          .setType(RaftClientRequest.writeRequestType())
          .setTimeoutMs(remainingMs);
      CompletableFuture<RaftClientReply> reply;
      inFlight = true;
      try {
        if (target.equals(selfId)) {
          reply = submitToDivision(server, b.setServerId(selfId).build());
        } else {
          reply = sendToLeader(target, b.setServerId(target).build(), remainingMs);
        }
      } catch (IOException | RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
      reply.whenComplete((r, e) -> onReply(target, r, e));
    }

    /**
     * A linearizable read (ReadIndex, Raft thesis 6.4): a read index that a leader confirmed
     * after the read arrived ({@link ReadFence}: asked of this peer's fence when it leads, of the
     * leader's otherwise), then the read on this peer's state once it has applied that far.
     */
    private void readAttempt(RaftPeerId leader, byte[][][] commands) {
      inFlight = true;
      readIndex(leader).thenCompose(stateMachine::whenApplied)
          // on the gateway's reader threads, never on the thread that completed the wait (often
          // Ratis' apply thread): a long KEYS or LRANGE must not stop this peer applying entries
          .thenApplyAsync(v -> stateMachine.read(commands).toArray(new byte[0][]), readers)
          .whenComplete((replies, e) -> onRead(leader, replies, e));
    }

    private void onRead(RaftPeerId leader, byte[][] replies, Throwable error) {
      inFlight = false;
      if (error == null) {
        result.complete(replies);
        return;
      }
      Throwable cause = unwrap(error);
      LOG.debug("{}: read {} via {} failed: {}", peerName, callId, leader, String.valueOf(cause));
      if (!leader.equals(selfId)) {
        rpc.getClientRpc().handleException(leader, cause, true);
      }
      if (result.isDone()) {
        return;
      }
      if (cause instanceof NotLeaderException nle && nle.getSuggestedLeader() != null) {
        leaderHint = nle.getSuggestedLeader().getId();
      }
      retryLater(cause);
    }

    /** The deadline passed: the answer is TIMEOUT for a write that may be in a leader's log. */
    void expire() {
      if (isWrite && inFlight) {
        maybeApplied = true;
      }
      if (lastFailure == null) {
        lastFailure = new TimeoutException("no reply within " + settings.timeoutMs() + " ms");
      }
      fail();
    }

    private void onReply(RaftPeerId target, RaftClientReply reply, Throwable error) {
      if (error == null && reply.isSuccess()) {
        inFlight = false;
        byte[][] replies;
        try {
          replies = CommandBatch.decodeReplies(reply.getMessage().getContent().asReadOnlyByteBuffer());
        } catch (IOException e) {
          replies = new byte[0][]; // every command then gets "missing reply"
        }
        result.complete(replies);
        return;
      }
      Throwable cause = error != null ? unwrap(error) : reply.getException();
      if (isWrite && mayHaveBeenAppended(cause)) {
        maybeApplied = true;
      }
      inFlight = false;
      LOG.debug("{}: call {} to {} failed: {}", peerName, callId, target, String.valueOf(cause));
      if (!target.equals(selfId)) {
        // Ratis' gRPC stream to that peer may be closed after a failure: reconnect next time
        rpc.getClientRpc().handleException(target, cause, true);
      }
      if (result.isDone()) {
        return; // expired meanwhile
      }
      if (cause instanceof StateMachineException sme) {
        result.completeExceptionally(new RaftKvFailure("ERR internal error: " + sme.getMessage()));
        return;
      }
      if (cause instanceof NotLeaderException nle && nle.getSuggestedLeader() != null) {
        leaderHint = nle.getSuggestedLeader().getId();
      }
      lastFailure = cause;
      if (cause instanceof TimeoutException) {
        fail();
      } else {
        retryLater(cause);
      }
    }

    private void retryLater(Throwable cause) {
      if (cause != null) {
        lastFailure = cause;
      }
      if (closed || System.nanoTime() + 50_000_000L >= deadline) {
        fail();
        return;
      }
      try {
        retries.schedule(this::attempt, 50, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        fail();
      }
    }

    private void fail() {
      if (isWrite && maybeApplied) {
        result.completeExceptionally(new RaftKvFailure("TIMEOUT the outcome of this write is unknown:"
            + " no reply from the leader within " + settings.timeoutMs()
            + " ms; it may or may not have been applied"));
      } else {
        String detail = lastFailure == null ? "no leader known" : lastFailure.getClass().getSimpleName();
        result.completeExceptionally(new RaftKvFailure("CLUSTERDOWN no Raft leader is reachable from "
            + peerName + " (" + detail + "); the command was not applied"));
      }
    }
  }

  /** Whether a failure could have happened after the request was appended to a leader's log. */
  private static boolean mayHaveBeenAppended(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof LeaderNotReadyException) {
        return false;
      }
    }
    return true;
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }


  @Override
  public void close() {
    closed = true;
    retries.shutdownNow();
    readers.shutdownNow();
    try {
      writes.thread.join(1000);
      reads.thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // the sweep has stopped: answer what is still waiting (TIMEOUT for a write that may be in
    // a leader's log, CLUSTERDOWN otherwise)
    for (Call c : live) {
      if (!c.result.isDone()) {
        c.expire();
      }
    }
  }
}

package dev.raftkv.resp;

import dev.raftkv.protocol.RespOut;
import dev.raftkv.acl.Acl;
import dev.raftkv.command.AclCommands;
import dev.raftkv.command.Args;
import dev.raftkv.command.BlockingCommands;
import dev.raftkv.command.CommandError;
import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.CommandSpec.Route;
import dev.raftkv.command.Commands;
import dev.raftkv.command.TransactionCommands;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Commands are dispatched as they arrive (pipelining) and replies are
 * written strictly in request order, flushed once per burst. Reads and writes of one connection
 * never overtake each other: a read waits for the connection's earlier writes to complete and
 * vice versa, so a pipelined {@code SET k v; GET k} sees its own write; the reads and writes that
 * waited together that way go as one pipelined run ({@link #dispatchRun}), ordered by the log.
 * Everything here runs on the channel's event loop and never blocks.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements Transaction.Session {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);

  /** A reply slot, in request order. */
  /** CLIENT REPLY OFF is in force. */
  private boolean replyOff;
  /** CLIENT REPLY SKIP was the previous command: the next one's reply is not written. */
  private boolean skipNext;
  /** The replies of the command being handled are not written (CLIENT REPLY). */
  private boolean silent;

  private static final class Slot {
    byte[] reply;
    boolean closeAfter;
    byte[][] resp3Argv; // the command as sent, when its reply must be converted to RESP3
    String cmd; // for INFO commandstats
    long startNanos;
    /** Pub/Sub messages produced after this reply, written right after it (see {@link #push}). */
    ArrayList<Push> after;
    boolean blocking; // a blocking command's slot: nothing of this connection runs until it completes
    /** CLIENT REPLY OFF or SKIP: the reply is not written (RESP3 push frames still are). */
    boolean silent;
    /** The Raft group that serves the command (cluster mode: its slot's group; else 0). */
    int group;
  }

  /** The Raft group of the command being handled (set by the route step; 0 without keys). */
  private int routedGroup;

  /** A Pub/Sub message for this connection; {@code written} runs once it left (or was dropped). */
  private record Push(byte[] frame, Runnable written) {}

  /** A blocking command's wait (BLPOP ...): the keys that may let it pop, its timeout (0: none). */
  private record Blocked(List<byte[]> keys, long timeoutMs) {}

  /**
   * A data command waiting until the opposite kind of command in flight has finished. {@code
   * plain}: a client's own READ or (normalized) WRITE, whose reply is the command's reply, that
   * may ride in a pipelined run ({@link #runLength}).
   */
  private record Waiting(Slot slot, Route route, Supplier<byte[][]> argv, UnaryOperator<byte[]> onReply,
      Blocked blocked, boolean plain) {
    Waiting(Slot slot, Route route, Supplier<byte[][]> argv, UnaryOperator<byte[]> onReply, Blocked blocked) {
      this(slot, route, argv, onReply, blocked, false);
    }
  }

  /**
   * The most commands, and bytes of them, in one pipelined run (one log entry); the bytes also at
   * most half of what a log entry may carry ({@code raftkv.write.max-command-bytes}).
   */
  static final int RUN_MAX_COMMANDS = 1000;
  static final int RUN_MAX_BYTES = 256 * 1024;
  private final long runMaxBytes;

  private final Backend backend;
  private final ServerStats stats;
  private final LocalCommands local;
  /** Cluster mode's groups and leaders; null when cluster mode is off. */
  private final dev.raftkv.cluster.Topology cluster;
  private final Transaction tx = new Transaction(this);
  /** Subscriptions and subscribed-mode rules (Pub/Sub). */
  final PubSubSession pubsub;
  private final int maxPending;
  private final long id;
  private final ArrayDeque<Slot> replies = new ArrayDeque<>();
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private Route inflightRoute;
  private int inflight;
  /** The blocking command in flight (its client is blocked), or null. */
  private volatile BlockingWaiters.Waiter blockedOn;
  private boolean blockingInflight;
  /** A pipelined run is in flight: nothing else of this connection starts until it answered. */
  private boolean runInflight;
  private boolean closing;
  /** Reading is paused because the peer as a whole has too much queued for Raft. */
  private boolean overloadPaused;
  /** Reading is paused because a command waits until its group's leader is known (cluster mode). */
  private boolean heldForLeader;
  /** READONLY (cluster mode): this connection's reads may be served by a follower. */
  volatile boolean readonly;
  /**
   * Requests that were already read when the pause began (Netty finishes decoding what it has
   * read); they wait here, in order, until the peer is below its bound again.
   */
  private final ArrayDeque<Runnable> backlog = new ArrayDeque<>();
  // read by CLIENT LIST on other connections' threads
  volatile String name;
  volatile String libName;
  volatile String libVersion;
  /** 2, or 3 after HELLO 3: replies are converted to RESP3 as they leave (see Resp3). */
  volatile int proto = 2;
  volatile String lastCommand = "NULL";
  volatile long lastMillis = System.currentTimeMillis();
  final long createdMillis = lastMillis;
  /** The ACL user this connection runs as; {@code authenticated} false: not logged in yet. */
  volatile String user = "default";
  boolean authenticated;

  ClientSession(Backend backend, ServerStats stats, LocalCommands local, int maxPending) {
    this(backend, stats, local, maxPending, stats.clientIds.incrementAndGet());
  }

  /** With {@code id}: the connection's number, given in the order the listener accepted them. */
  ClientSession(Backend backend, ServerStats stats, LocalCommands local, int maxPending, long id) {
    this.backend = backend;
    this.stats = stats;
    this.local = local;
    this.cluster = backend.cluster();
    this.maxPending = maxPending;
    this.id = id;
    this.authenticated = backend.acl().defaultOpen();
    this.pubsub = new PubSubSession(this, backend.pubsub());
    this.runMaxBytes = Math.min(RUN_MAX_BYTES,
        local.configLong("raftkv.write.max-command-bytes", 2L * RUN_MAX_BYTES) / 2);
  }

  /** AUTH or HELLO AUTH succeeded. */
  void login(String userName) {
    user = userName;
    authenticated = true;
  }

  long id() {
    return id;
  }

  /** True when every request read so far has been answered (for tests: nothing is stuck). */
  boolean idle() {
    return replies.isEmpty() && waiting.isEmpty() && inflight == 0 && backlog.isEmpty();
  }

  String remoteAddress() {
    return ctx == null ? "?" : String.valueOf(ctx.channel().remoteAddress()).replace("/", "");
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    stats.sessions.put(id, this);
    stats.connectedClients.incrementAndGet();
    stats.totalConnections.incrementAndGet();
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stats.sessions.remove(id);
    stats.connectedClients.decrementAndGet();
    closing = true;
    pubsub.clear();
    dropPushes();
    if (blockedOn != null) {
      backend.blocking().cancel(blockedOn); // a disconnected client takes nothing more
    }
    replies.clear();
    waiting.clear();
    backlog.clear();
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    byte[][] argv;
    try {
      argv = toArgv((RedisMessage) msg);
    } catch (ProtocolException e) {
      protocolError(e.getMessage());
      return;
    } finally {
      ReferenceCountUtil.release(msg);
    }
    if (argv.length == 0 || closing) {
      return; // an empty inline line is ignored, like Redis
    }
    if (paused()) {
      backlog.add(() -> {
        stats.totalCommands.incrementAndGet();
        handle(argv);
      });
      return;
    }
    stats.totalCommands.incrementAndGet();
    handle(argv);
  }

  private boolean paused() {
    return overloadPaused || heldForLeader;
  }

  private void handle(byte[][] argv) {
    silent = replyOff || skipNext; // CLIENT REPLY: this command's replies are not written
    skipNext = false;
    handle(argv, 0);
  }

  /** @param holdDeadline when the command already waits for a leader: until when (System.nanoTime()), else 0 */
  private void handle(byte[][] argv, long holdDeadline) {
    routedGroup = 0;
    CommandSpec spec = Commands.lookup(argv[0]);
    if (spec == null || Commands.isInternal(spec)) {
      byte[] unknown = RespOut.errorBytes(tx.rejected(null, Commands.unknownCommandError(argv)));
      stats.error(unknown);
      reply(unknown);
      return;
    }
    lastCommand = LocalCommands.statName(spec, argv);
    lastMillis = System.currentTimeMillis();
    if (!spec.arityOk(argv.length)) {
      byte[] arity = RespOut.errorBytes(
          tx.rejected(spec, "ERR wrong number of arguments for '" + spec.name() + "' command"));
      stats.rejected(lastCommand, arity);
      reply(arity);
      return;
    }
    Acl acl = backend.acl();
    String denied = acl.check(user, authenticated, spec, argv);
    if (denied != null) {
      byte[] error = RespOut.errorBytes(tx.rejected(spec, denied));
      stats.rejected(lastCommand, error);
      if (authenticated && acl.table().get(user) == null) {
        // the user was deleted (ACL DELUSER): like Redis, its connections are closed
        Slot s = newSlot();
        s.reply = error;
        s.closeAfter = true;
        replies.add(s);
        closing = true;
        ctx.channel().config().setAutoRead(false);
        drain();
        return;
      }
      reply(error);
      return;
    }
    if (cluster != null && !route(spec, argv, holdDeadline)) {
      return; // redirected, CROSSSLOT, or waiting for the leader of the keys' group
    }
    if (local.overMaxmemory() && refusedOverMaxmemory(spec)) {
      byte[] oom = RespOut.errorBytes(tx.rejected(spec, LocalCommands.OOM));
      stats.rejected(lastCommand, oom);
      reply(oom);
      return;
    }
    if (local.tooFewReplicas() && (isWrite(spec) || spec.name().equals("exec") && tx.inMulti()
        && tx.queues(ClientSession::isWrite))) {
      byte[] error = RespOut.errorBytes(tx.rejected(spec, LocalCommands.NOREPLICAS));
      stats.rejected(lastCommand, error);
      reply(error);
      return;
    }
    if (pubsub.intercept(spec, argv, tx.inMulti())) {
      return; // Pub/Sub commands, PUBLISH, and what RESP2's subscribed mode refuses
    }
    if (tx.handle(spec, argv)) {
      return; // MULTI EXEC DISCARD WATCH UNWATCH, or queued inside MULTI
    }
    if (cluster != null && spec.name().equals("cluster")) {
      byte[][] read = dev.raftkv.cluster.ClusterCommands.keyspaceRead(argv);
      if (read != null) {
        routedGroup = cluster.slots().group(dev.raftkv.command.Args.parseLong(read[1]).intValue());
        submit(Route.READ, read, argv); // COUNTKEYSINSLOT, GETKEYSINSLOT: a scan of the slot's group
        return;
      }
    }
    if (spec.name().equals("debug")) {
      byte[][] read = dev.raftkv.command.DebugCommands.keyspaceRead(argv);
      if (read != null) {
        submit(Route.READ, read, argv); // DIGEST, DIGEST-VALUE, OBJECT, RELOAD: read the keyspace
        return;
      }
    }
    if (spec.name().equals("acl") && AclCommands.isWrite(argv)) {
      byte[][] log;
      try {
        log = AclCommands.normalize(argv, acl.table(), acl.hasRequirepass());
      } catch (CommandError e) {
        byte[] error = RespOut.errorBytes(e.getMessage());
        stats.executed(lastCommand, 0, error);
        reply(error);
        return;
      }
      submit(Route.WRITE, log, argv);
      return;
    }
    if (spec.route() == Route.LOCAL && needsFreshAcl(acl, spec, argv)) {
      // Answer from an ACL table at least as new as every write acknowledged before this command
      // (a linearizable read first), so ACL SETUSER u ... then AUTH u on a follower works.
      submit(Route.READ, () -> ACL_BARRIER, r -> {
        RespOut out = new RespOut();
        local.execute(spec, argv, this, out);
        return proto == 3 ? Resp3.convert(argv, out.toByteArray()) : out.toByteArray();
      }, null);
      return;
    }
    switch (spec.route()) {
      case LOCAL -> {
        RespOut out = new RespOut();
        long t0 = System.nanoTime();
        boolean close = local.execute(spec, argv, this, out);
        Slot s = newSlot();
        s.reply = out.toByteArray();
        stats.executed(lastCommand, System.nanoTime() - t0, s.reply);
        s.reply = proto == 3 ? Resp3.convert(argv, s.reply) : s.reply;
        s.closeAfter = close;
        replies.add(s);
        if (close) {
          closing = true;
          ctx.channel().config().setAutoRead(false);
        }
        drain();
      }
      case READ -> submitData(Route.READ, argv, argv, fastRead(spec));
      case WRITE -> {
        byte[][] normalized;
        try {
          normalized = spec.normalizer().normalize(argv, System.currentTimeMillis());
        } catch (CommandError e) {
          byte[] error = RespOut.errorBytes(e.getMessage());
          stats.executed(lastCommand, 0, error);
          reply(error);
          return;
        }
        if (BlockingCommands.isBlocking(spec.name()) && backend.blocking() != null) {
          long timeout;
          try {
            timeout = BlockingCommands.timeout(argv);
          } catch (CommandError e) {
            timeout = 0; // not reached: the normalizer has checked the timeout
          }
          submit(Route.WRITE, () -> normalized, null, proto == 3 ? argv : null,
              new Blocked(BlockingCommands.wakeKeys(normalized), timeout));
          return;
        }
        submitData(Route.WRITE, normalized, argv, true);
      }
      default -> throw new IllegalStateException();
    }
  }

  /**
   * Cluster mode's route step ("The routing seam", docs/design.md): true when the command runs
   * here; otherwise it was answered (-MOVED, -CROSSSLOT; inside MULTI that also makes EXEC fail,
   * an EXEC discards the transaction, as in Redis) or it waits for its group's leader, with the
   * connection's later requests queued behind it.
   */
  private boolean route(CommandSpec spec, byte[][] argv, long holdDeadline) {
    boolean exec = tx.inMulti() && spec.name().equals("exec");
    java.util.List<byte[]> keys = exec ? tx.queuedKeys() : spec.keys(argv);
    if (keys.isEmpty()) {
      return true;
    }
    boolean read = exec ? tx.queuedReadsOnly() : spec.route() == Route.READ
        || spec.name().equals("ssubscribe") || spec.name().equals("sunsubscribe");
    boolean expired = holdDeadline != 0 && System.nanoTime() - holdDeadline >= 0;
    dev.raftkv.cluster.Router.Decision d =
        dev.raftkv.cluster.Router.route(cluster, keys, read, readonly, expired);
    if (d instanceof dev.raftkv.cluster.Router.Here here) {
      routedGroup = Math.max(0, here.group());
      return true;
    }
    if (d instanceof dev.raftkv.cluster.Router.Hold hold) {
      holdForLeader(argv, hold.group(), holdDeadline != 0 ? holdDeadline
          : System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(cluster.holdMillis()));
      return false;
    }
    String text = ((dev.raftkv.cluster.Router.Redirect) d).error();
    byte[] error;
    if (exec) {
      tx.reset();
      error = RespOut.errorBytes(text);
    } else {
      error = RespOut.errorBytes(tx.rejected(spec, text));
    }
    stats.rejected(lastCommand, error);
    reply(error);
    return false;
  }

  /**
   * No leader of the group is known (an election): the command waits, polling every 10 ms, until
   * one is or the request timeout passed, then runs through the pipeline again (and is redirected
   * or answered CLUSTERDOWN). The connection's later requests wait in the backlog, in order.
   */
  private void holdForLeader(byte[][] argv, int group, long deadline) {
    heldForLeader = true;
    ctx.channel().config().setAutoRead(false);
    ctx.executor().schedule(() -> {
      if (closing || !ctx.channel().isActive()) {
        return;
      }
      if (cluster.group(group).leader() == null && System.nanoTime() - deadline < 0) {
        holdForLeader(argv, group, deadline);
        return;
      }
      heldForLeader = false;
      handle(argv, deadline);
      runBacklog();
    }, 10, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Runs the requests read while reading was paused, in order, until something pauses it again. */
  private void runBacklog() {
    while (!backlog.isEmpty() && !paused() && !closing) {
      backlog.poll().run();
    }
    drain();
  }

  /**
   * Whether Redis 7.0 refuses the command while used memory is above maxmemory: one it flags
   * {@code denyoom}; inside MULTI any command but EXEC, DISCARD, QUIT and RESET (queueing takes
   * memory too); EXEC when it would run a {@code denyoom} command.
   */
  private boolean refusedOverMaxmemory(CommandSpec spec) {
    String name = spec.name();
    if (name.equals("exec")) {
      return tx.inMulti() && tx.queues(ClientSession::denyOom);
    }
    return denyOom(spec) || tx.inMulti() && !name.equals("discard") && !name.equals("quit")
        && !name.equals("reset");
  }

  /** Whether Redis flags the command {@code write} (refused while min-replicas-to-write is not met). */
  private static boolean isWrite(CommandSpec spec) {
    dev.raftkv.protocol.CommandMeta.Info info = dev.raftkv.protocol.CommandMeta.redis(spec.name());
    return info != null && info.flags().contains("write");
  }

  /** Whether Redis flags the command {@code denyoom}. */
  private static boolean denyOom(CommandSpec spec) {
    dev.raftkv.protocol.CommandMeta.Info info = dev.raftkv.protocol.CommandMeta.redis(spec.name());
    return info != null && info.flags().contains("denyoom");
  }

  /** A linearizable read whose only purpose is to wait until this peer has applied the latest writes. */
  private static final byte[][] ACL_BARRIER = {Args.bytes("dbsize")};

  /**
   * True for the commands answered from the replicated ACL table that must see the latest ACL
   * changes: AUTH and HELLO AUTH that the local table refuses (the user may have just been
   * created through another peer), and ACL GETUSER, LIST and USERS.
   */
  private static boolean needsFreshAcl(Acl acl, CommandSpec spec, byte[][] argv) {
    switch (spec.name()) {
      case "auth" -> {
        return argv.length <= 3 && !acl.authenticate(argv.length == 2 ? "default" : Args.str(argv[1]),
            argv[argv.length - 1]);
      }
      case "hello" -> {
        for (int i = 2; i + 2 < argv.length; i++) {
          if (Args.is(argv[i], "auth")) {
            return !acl.authenticate(Args.str(argv[i + 1]), argv[i + 2]);
          }
        }
        return false;
      }
      case "acl" -> {
        return argv.length == 2 && (Args.is(argv[1], "list") || Args.is(argv[1], "users"))
            || argv.length == 3 && Args.is(argv[1], "getuser");
      }
      default -> {
        return false;
      }
    }
  }

  private void submit(Route route, byte[][] argv, byte[][] asSent) {
    submit(route, () -> argv, null, proto == 3 ? asSent : null);
  }

  /** A client's own data command; {@code mayRide}: it may join a pipelined run. */
  private void submitData(Route route, byte[][] argv, byte[][] asSent, boolean mayRide) {
    submit(route, () -> argv, null, proto == 3 ? asSent : null, null, mayRide);
  }

  /**
   * Whether a read may run inside a pipelined run, i.e. on the apply thread of every peer: only
   * the reads Redis flags {@code fast} (O(1) or O(log N)), so a pipelined KEYS or LRANGE of a big
   * list never holds up applying; the others keep the read path.
   */
  private static boolean fastRead(CommandSpec spec) {
    dev.raftkv.protocol.CommandMeta.Info info = dev.raftkv.protocol.CommandMeta.redis(spec.name());
    return info != null && info.flags().contains("fast");
  }

  /** For a transaction: the reply is converted by {@code onReply} (RESP3 included). */
  @Override
  public void submit(Route route, Supplier<byte[][]> argv, UnaryOperator<byte[]> onReply) {
    submit(route, argv, onReply, null);
  }

  /**
   * A write answered only once this peer has applied it: the write's own reply is not written;
   * a linearizable read follows it (it starts once the write completed, so its read index covers
   * the write, and it waits until this peer applied that far) and its reply is {@code onReply}
   * of the write's. PUBLISH uses it: a follower learns that the leader applied an entry before it
   * applies the entry itself, and its subscribers must have the message before the publisher
   * hears back (a client that subscribes after the reply must not receive it).
   */
  void submitAppliedHere(byte[][] argv, UnaryOperator<byte[]> onReply) {
    byte[][] written = new byte[1][];
    boolean wasSilent = silent;
    silent = true;
    submit(Route.WRITE, () -> argv, r -> {
      written[0] = r;
      return r;
    });
    silent = wasSilent;
    String cmd = lastCommand;
    lastCommand = null; // counted once, as the write
    submit(Route.READ, () -> ACL_BARRIER, r -> written[0] == null ? r : onReply.apply(written[0]));
    lastCommand = cmd;
  }

  private void submit(Route route, Supplier<byte[][]> argv, UnaryOperator<byte[]> onReply,
      byte[][] resp3Argv) {
    submit(route, argv, onReply, resp3Argv, null);
  }

  /**
   * A command may start now when nothing waits before it and no blocking command is in flight,
   * and either nothing is in flight or (for a non-blocking command) only commands of its route.
   */
  private boolean mayStart(Route route, Blocked blocked) {
    return !blockingInflight && !runInflight
        && (inflight == 0 || blocked == null && inflightRoute == route);
  }

  private void submit(Route route, Supplier<byte[][]> argv, UnaryOperator<byte[]> onReply,
      byte[][] resp3Argv, Blocked blocked) {
    submit(route, argv, onReply, resp3Argv, blocked, false);
  }

  private void submit(Route route, Supplier<byte[][]> argv, UnaryOperator<byte[]> onReply,
      byte[][] resp3Argv, Blocked blocked, boolean plain) {
    Slot slot = newSlot();
    slot.resp3Argv = resp3Argv;
    slot.cmd = lastCommand;
    slot.startNanos = System.nanoTime();
    slot.group = routedGroup;
    replies.add(slot);
    if (waiting.isEmpty() && mayStart(route, blocked)) {
      dispatch(slot, route, argv.get(), onReply, blocked);
    } else {
      waiting.add(new Waiting(slot, route, argv, onReply, blocked, plain));
    }
    if (replies.size() >= maxPending && ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(false); // back-pressure: stop reading this client
    }
    if (!overloadPaused && backend.overloaded()) {
      // global back-pressure: the peer has more queued for Raft than it may hold; stop reading
      // from this client until the queue is below the bound again
      overloadPaused = true;
      ctx.channel().config().setAutoRead(false);

      ctx.executor().schedule(this::checkOverload, 5, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  private void checkOverload() {
    if (closing || !ctx.channel().isActive()) {
      return;
    }
    if (backend.overloaded()) {
      ctx.executor().schedule(this::checkOverload, 5, java.util.concurrent.TimeUnit.MILLISECONDS);
      return;
    }
    overloadPaused = false;
    runBacklog();
  }

  private void dispatch(Slot slot, Route route, byte[][] argv, UnaryOperator<byte[]> onReply,
      Blocked blocked) {
    inflight++;
    inflightRoute = route;
    CompletableFuture<byte[]> f;
    if (blocked != null) {
      // the client blocks: its later commands wait until this one has answered (as in Redis)
      slot.blocking = true;
      blockingInflight = true;
      blockedOn = backend.blocking().block(argv, BlockingCommands.wakeForm(argv), blocked.keys(),
          blocked.timeoutMs(), ctx.executor());
      f = blockedOn.result();
    } else {
      f = route == Route.WRITE ? backend.write(slot.group, argv) : backend.read(slot.group, argv);
    }
    f.whenComplete((reply, err) -> {
      byte[] r = err == null ? reply : RespOut.errorBytes("ERR internal error: " + err);
      if (ctx.executor().inEventLoop()) {
        complete(slot, onReply == null ? r : onReply.apply(r));
        drain();
      } else {
        // A batch completes many of this connection's commands at once (pipelining): hand them
        // to the event loop as one task, so their replies go out in one write and one flush.
        finished.add(new Finished(slot, r, onReply));
        if (!finishScheduled.getAndSet(true)) {
          ctx.executor().execute(this::completeFinished);
        }
      }
    });
  }

  /** A reply that arrived on another thread, waiting for the event loop. */
  private record Finished(Slot slot, byte[] reply, UnaryOperator<byte[]> onReply) {}

  private final java.util.concurrent.ConcurrentLinkedQueue<Finished> finished =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean finishScheduled =
      new java.util.concurrent.atomic.AtomicBoolean();

  private void completeFinished() {
    finishScheduled.set(false);
    Finished f;
    while ((f = finished.poll()) != null) {
      complete(f.slot(), f.onReply() == null ? f.reply() : f.onReply().apply(f.reply()));
    }
    drain();
  }

  /** Records a command's reply and dispatches what waited for it; the caller drains. */
  private void complete(Slot slot, byte[] reply) {
    record(slot, reply);
    startWaiting();
  }

  private void record(Slot slot, byte[] reply) {
    if (slot.cmd != null) {
      stats.executed(slot.cmd, System.nanoTime() - slot.startNanos, reply);
    }
    slot.reply = slot.resp3Argv == null ? reply : Resp3.convert(slot.resp3Argv, reply);
    inflight--;
    if (slot.blocking) {
      blockingInflight = false;
      blockedOn = null;
    }
  }

  /**
   * Dispatches the waiting commands that may start now. When nothing is in flight and the
   * waiting commands begin with a run of plain reads and writes mixed ({@link #runLength}), the
   * run goes as one log entry instead, and the rest waits for its reply.
   */
  private void startWaiting() {
    while (!waiting.isEmpty()) {
      Waiting w = waiting.peek();
      if (!mayStart(w.route(), w.blocked())) {
        break;
      }
      int run = inflight == 0 ? runLength() : 0;
      if (run > 0) {
        List<Waiting> commands = new ArrayList<>(run);
        for (int i = 0; i < run; i++) {
          commands.add(waiting.poll());
        }
        dispatchRun(commands);
        return;
      }
      waiting.poll();
      dispatch(w.slot(), w.route(), w.argv().get(), w.onReply(), w.blocked());
    }
  }

  /**
   * How many waiting commands, from the head, form a pipelined run: plain commands of one Raft
   * group, at most {@link #RUN_MAX_COMMANDS} and {@link #runMaxBytes}, with at least one read
   * and one write among them (0 otherwise: a run of one kind gains nothing, reads stay on the
   * read path and writes are batched anyway).
   */
  private int runLength() {
    int n = 0;
    long bytes = 0;
    boolean reads = false;
    boolean writes = false;
    int group = waiting.peek().slot().group;
    for (Waiting w : waiting) {
      if (!w.plain() || w.slot().group != group || n == RUN_MAX_COMMANDS) {
        break;
      }
      bytes += dev.raftkv.raft.CommandBatch.encodedSize(w.argv().get());
      if (bytes > runMaxBytes && n > 0) {
        break;
      }
      reads |= w.route() == Route.READ;
      writes |= w.route() == Route.WRITE;
      n++;
    }
    return reads && writes ? n : 0;
  }

  /**
   * A pipelined run: the commands go as one internal {@link TransactionCommands#EXEC} without
   * watched keys, one command of one log entry, run in order at apply time with nothing
   * interleaved; each command's reply (an error included) is its element of EXEC's reply, and an
   * error does not stop the others. The reads are ordered after the connection's earlier writes
   * and before its later ones by the log itself, so a pipelined {@code SET k v; GET k; ...} costs
   * one Raft round per run instead of one per alternation between reads and writes. Nothing else
   * of the connection starts until the run has answered.
   */
  private void dispatchRun(List<Waiting> run) {
    List<byte[]> items = new ArrayList<>(run.size());
    for (Waiting w : run) {
      items.add(TransactionCommands.commandItem(w.argv().get()));
    }
    inflight += run.size();
    inflightRoute = Route.WRITE;
    runInflight = true;
    backend.write(run.get(0).slot().group, TransactionCommands.execCommand(List.of(), List.of(), items))
        .whenComplete((reply, err) -> {
          Runnable done = () -> {
            byte[][] replies = splitRun(err == null ? reply
                : RespOut.errorBytes("ERR internal error: " + err), run.size());
            runInflight = false;
            for (int i = 0; i < run.size(); i++) {
              Waiting w = run.get(i);
              record(w.slot(), replies[i]);
            }
            startWaiting();
            drain();
          };
          if (ctx.executor().inEventLoop()) {
            done.run();
          } else {
            ctx.executor().execute(done);
          }
        });
  }

  /**
   * The replies of a run's commands: the elements of EXEC's array, or, when the run as a whole
   * failed (CLUSTERDOWN, TIMEOUT), that error for each.
   */
  static byte[][] splitRun(byte[] reply, int commands) {
    byte[][] replies = new byte[commands][];
    String header = "*" + commands + "\r\n";
    if (reply.length > header.length()
        && new String(reply, 0, header.length(), StandardCharsets.US_ASCII).equals(header)) {
      int[] pos = {header.length()};
      for (int i = 0; i < commands; i++) {
        int start = pos[0];
        dev.raftkv.protocol.RespReply.parse(reply, pos);
        replies[i] = java.util.Arrays.copyOfRange(reply, start, pos[0]);
      }
      return replies;
    }
    byte[] error = reply.length > 0 && reply[0] == '-' ? reply
        : RespOut.errorBytes("ERR internal error: unexpected pipelined run reply");
    java.util.Arrays.fill(replies, error);
    return replies;
  }

  @Override
  public byte[] runLocal(CommandSpec spec, byte[][] argv) {
    RespOut out = new RespOut();
    local.execute(spec, argv, this, out);
    return out.toByteArray();
  }

  @Override
  public boolean resp3() {
    return proto == 3;
  }

  /** A reply slot for the command being handled, silent when CLIENT REPLY says so. */
  private Slot newSlot() {
    Slot s = new Slot();
    s.silent = silent;
    return s;
  }

  /**
   * CLIENT REPLY ON, OFF or SKIP, from the command itself: OFF and SKIP silence their own reply
   * too; SKIP also silences the next command's.
   */
  void replyMode(String mode) {
    switch (mode) {
      case "on" -> {
        replyOff = false;
        silent = false;
      }
      case "off" -> {
        replyOff = true;
        silent = true;
      }
      case "skip" -> {
        silent = true;
        skipNext = !replyOff;
      }
      default -> throw new IllegalArgumentException(mode);
    }
  }

  @Override
  public void reply(byte[] r) {
    Slot s = newSlot();
    s.reply = r;
    replies.add(s);
    drain();
  }

  /** Writes every finished reply at the head of the queue, then flushes once. */
  private void drain() {
    if (!ctx.channel().isActive()) {
      dropPushes();
      replies.clear();
      return;
    }
    boolean wrote = false;
    Slot s;
    while ((s = replies.peek()) != null && s.reply != null) {
      replies.poll();
      if (!s.silent || proto == 3 && s.reply.length > 0 && s.reply[0] == '>') {
        ctx.write(ctx.alloc().buffer(s.reply.length).writeBytes(s.reply));
        wrote = true;
      }
      if (s.closeAfter) {
        if (s.after != null) {
          s.after.forEach(p -> p.written().run());
        }
        CloseAfterReply.close(ctx);
        dropPushes();
        replies.clear();
        return;
      }
      if (s.after != null) {
        s.after.forEach(this::writePush);
      }
    }
    if (wrote) {
      ctx.flush();
    }
    if (!closing && !paused() && !ctx.channel().config().isAutoRead()
        && replies.size() < maxPending / 2) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  /**
   * A Pub/Sub message, on the event loop: written at once, unless a reply that was produced
   * before it still waits for an earlier one (a SUBSCRIBE's confirmation behind a pipelined GET's
   * pending reply); then it goes right after that reply. Replies are whole frames, so a push never
   * splits one, and it never waits behind a reply that was not produced yet (a pending GET in
   * RESP3: like Redis, the push goes first and the GET's reply follows in order).
   */
  void push(byte[] frame, Runnable written) {
    Push p = new Push(frame, written);
    if (closing || !ctx.channel().isActive()) {
      written.run();
      return;
    }
    java.util.Iterator<Slot> it = replies.descendingIterator();
    while (it.hasNext()) {
      Slot s = it.next();
      if (s.reply != null) {
        if (s.after == null) {
          s.after = new ArrayList<>(2);
        }
        s.after.add(p);
        return;
      }
    }
    writePush(p);
    ctx.flush();
  }

  private void writePush(Push p) {
    ctx.write(ctx.alloc().buffer(p.frame().length).writeBytes(p.frame()))
        .addListener(f -> p.written().run());
  }

  /** The pushes waiting behind replies that will never be written (the connection closed). */
  private void dropPushes() {
    for (Slot s : replies) {
      if (s.after != null) {
        s.after.forEach(p -> p.written().run());
        s.after = null;
      }
    }
  }

  /** Runs {@code task} on this connection's event loop (from the apply thread); false: it will not run. */
  boolean onEventLoop(Runnable task) {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      return false;
    }
    try {
      c.executor().execute(task);
      return true;
    } catch (RuntimeException e) {
      return false; // the event loop is shutting down: the connection goes with it
    }
  }

  /** A reply produced on the spot by a Pub/Sub command (counted in INFO commandstats). */
  void replyLocal(byte[] r) {
    stats.executed(lastCommand, 0, r);
    reply(r);
  }

  /**
   * A subscription confirmation: written even under CLIENT REPLY OFF or SKIP, as Redis 7.0 writes
   * Pub/Sub replies (they are pushes in RESP3, and Redis flags them the same way in RESP2).
   */
  void replyLocalUnsilenced(byte[] r) {
    stats.executed(lastCommand, 0, r);
    Slot s = newSlot();
    s.silent = false;
    s.reply = r;
    replies.add(s);
    drain();
  }

  /** A command refused in RESP2's subscribed mode. */
  void rejectInSubscribedMode(String error) {
    byte[] e = RespOut.errorBytes(error);
    stats.rejected(lastCommand, e);
    reply(e);
  }

  ServerStats stats() {
    return stats;
  }

  /** RESET: back to a fresh connection's state (RESP2, no name). */
  void resetState() {
    pubsub.clear();
    proto = 2;
    user = "default";
    authenticated = backend.acl().defaultOpen();
    name = null;
    readonly = false;
    tx.reset();
  }

  private static final byte[] UNBLOCKED =
      RespOut.errorBytes("UNBLOCKED client unblocked via CLIENT UNBLOCK");

  /**
   * CLIENT UNBLOCK from any connection's thread: a blocked client gets the timeout's null, or the
   * UNBLOCKED error; true when it was blocked.
   */
  boolean unblock(boolean error) {
    BlockingWaiters.Waiter w = blockedOn;
    return w != null && backend.blocking().expire(w, error ? UNBLOCKED : BlockingWaiters.TIMED_OUT);
  }

  /** True while a blocking command of this client waits (CLIENT LIST flag {@code b}). */
  boolean blocked() {
    return blockedOn != null;
  }

  /** CLIENT KILL from any connection's thread: closes this connection. */
  void kill() {
    if (ctx != null) {
      ctx.channel().close();
    }
  }

  String localAddress() {
    return ctx == null ? "?" : String.valueOf(ctx.channel().localAddress()).replace("/", "");
  }

  /** Unparseable framing: Redis answers with an error and closes the connection. */
  void protocolError(String message) {
    if (closing) {
      return;
    }
    LOG.debug("client {}: protocol error: {}", remoteAddress(), message);
    Slot s = new Slot();
    s.reply = RespOut.errorBytes("ERR Protocol error: " + message);
    s.closeAfter = true;
    replies.add(s);
    closing = true;
    ctx.channel().config().setAutoRead(false);
    drain();
  }

  /**
   * A request FrameLimits threw away because it is larger than any command may be: answered with
   * an error in its place (inside MULTI it also makes EXEC fail, like any rejected command).
   */
  void tooLarge(byte[] commandName, long bytes, long limit) {
    if (closing) {
      return;
    }
    if (paused()) {
      backlog.add(() -> tooLarge(commandName, bytes, limit)); // keep the reply order
      return;
    }
    CommandSpec spec = commandName == null ? null : Commands.lookup(commandName);
    byte[] error = RespOut.errorBytes(tx.rejected(spec, LimitErrors.tooLarge(bytes, limit)));
    stats.error(error);
    reply(error);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException || cause.getCause() instanceof javax.net.ssl.SSLException) {
      ctx.close(); // connection reset by the client, or a failed TLS handshake
      return;
    }
    Throwable c = cause.getCause() != null && cause instanceof io.netty.handler.codec.DecoderException
        ? cause.getCause() : cause;
    protocolError(redisProtocolText(c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage()));
  }


  /**
   * Redis's wording for the RESP decoder's length errors: "length: N (expected: <= 65536)" is an
   * inline line over the decoder's inline limit, any other "length: ..." a bad bulk length.
   */
  static String redisProtocolText(String decoderMessage) {
    if (decoderMessage.startsWith("length: ")) {
      return decoderMessage.endsWith("(expected: <= 65536)") ? "too big inline request" : "invalid bulk length";
    }
    return decoderMessage;
  }

  private static final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
      super(message, null, false, false);
    }
  }

  private static byte[][] toArgv(RedisMessage msg) throws ProtocolException {
    if (msg instanceof InlineCommandRedisMessage inline) {
      byte[][] argv = Inline.split(inline.content());
      if (argv == null) {
        throw new ProtocolException("unbalanced quotes in request");
      }
      return argv;
    }
    if (msg instanceof ArrayRedisMessage array) {
      if (array.isNull()) {
        return new byte[0][];
      }
      List<RedisMessage> children = array.children();
      byte[][] argv = new byte[children.size()][];
      for (int i = 0; i < argv.length; i++) {
        RedisMessage c = children.get(i);
        if (c instanceof FullBulkStringRedisMessage bulk) {
          if (bulk.isNull()) {
            throw new ProtocolException("invalid bulk length");
          }
          ByteBuf content = bulk.content();
          argv[i] = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
        } else if (c instanceof SimpleStringRedisMessage s) {
          argv[i] = s.content().getBytes(StandardCharsets.UTF_8);
        } else if (c instanceof IntegerRedisMessage n) {
          argv[i] = Long.toString(n.value()).getBytes(StandardCharsets.US_ASCII);
        } else {
          throw new ProtocolException("expected '$', got '" + typeByte(c) + "'");
        }
      }
      return argv;
    }
    throw new ProtocolException("expected '*', got '" + msg.getClass().getSimpleName() + "'");
  }

  /** The first byte of an element that is not a bulk string, as Redis names it in its error. */
  private static char typeByte(RedisMessage m) {
    if (m instanceof InlineCommandRedisMessage inline) {
      return inline.content().isEmpty() ? ' ' : inline.content().charAt(0); // a line without a type byte
    }
    return m instanceof ArrayRedisMessage ? '*' : m instanceof io.netty.handler.codec.redis.ErrorRedisMessage ? '-' : '?';
  }

  static String lower(byte[] b) {
    return Args.str(b).toLowerCase(java.util.Locale.ROOT);
  }
}

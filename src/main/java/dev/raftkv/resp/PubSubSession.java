package dev.raftkv.resp;

import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.CommandSpec.Route;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.pubsub.PubSubHub;
import dev.raftkv.pubsub.PubSubHub.Kind;
import dev.raftkv.pubsub.PubSubHub.Name;
import dev.raftkv.pubsub.PubSubHub.OutputLimit;
import dev.raftkv.pubsub.PubSubHub.Space;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's Pub/Sub state: its channels, patterns and shard channels, the subscribed-mode
 * rules of RESP2, the (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE replies, and the messages the node's
 * {@link PubSubHub} hands it. Everything but {@link #push} runs on the connection's event loop.
 *
 * <p>Messages are encoded when they reach the event loop (RESP2 arrays, RESP3 {@code >} pushes)
 * and written between the connection's replies without reordering them ({@link
 * ClientSession#push}). A subscriber whose pushes are not written to its socket
 * (it does not read) is disconnected past {@link OutputLimit}, like Redis's
 * {@code client-output-buffer-limit pubsub 32mb 8mb 60}.
 */
final class PubSubSession implements PubSubHub.Subscriber {
  private static final Logger LOG = LoggerFactory.getLogger(PubSubSession.class);

  /** Redis 7.0.15's only commands in RESP2 subscribed mode. */
  private static final Set<String> ALLOWED_SUBSCRIBED = Set.of("subscribe", "ssubscribe", "psubscribe",
      "unsubscribe", "sunsubscribe", "punsubscribe", "ping", "quit", "reset");
  private static final Set<String> SUBSCRIPTION_COMMANDS = Set.of("subscribe", "ssubscribe",
      "psubscribe", "unsubscribe", "sunsubscribe", "punsubscribe");

  private final ClientSession session;
  private final PubSubHub hub;
  private final OutputLimit limit;
  private final LinkedHashSet<Name> channels = new LinkedHashSet<>();
  private final LinkedHashSet<Name> patterns = new LinkedHashSet<>();
  private final LinkedHashSet<Name> shards = new LinkedHashSet<>();
  // read by CLIENT LIST on other connections' threads
  volatile int channelCount;
  volatile int patternCount;
  volatile int shardCount;
  /** Bytes of messages handed to this connection and not yet written to its socket. */
  private final AtomicLong unwritten = new AtomicLong();
  private volatile long softSince;
  private final AtomicBoolean disconnected = new AtomicBoolean();

  PubSubSession(ClientSession session, PubSubHub hub) {
    this.session = session;
    this.hub = hub;
    this.limit = hub.outputLimit();
  }

  /** True when the connection has any subscription (Redis's CLIENT_PUBSUB flag). */
  boolean subscribed() {
    return channelCount + patternCount + shardCount > 0;
  }

  /**
   * Handles the Pub/Sub side of a command that passed the existence, arity and ACL checks;
   * returns true when it did (the reply is queued), false to let the session run it as usual.
   */
  boolean intercept(CommandSpec spec, byte[][] argv, boolean inMulti) {
    String name = spec.name();
    boolean resp2 = session.proto == 2;
    if (subscribed() && resp2 && !ALLOWED_SUBSCRIBED.contains(name)) {
      session.rejectInSubscribedMode("ERR Can't execute '" + session.lastCommand
          + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
      return true;
    }
    if (inMulti) {
      return false; // queued by the transaction; EXEC runs it (LocalCommands, the log)
    }
    if (name.equals("ping") && subscribed() && resp2 && argv.length <= 2) {
      RespOut out = new RespOut(32).array(2).bulk("pong").bulk(argv.length == 2 ? argv[1] : new byte[0]);
      session.replyLocal(out.toByteArray());
      return true;
    }
    if (SUBSCRIPTION_COMMANDS.contains(name)) {
      RespOut out = new RespOut(64);
      execute(name, argv, out);
      session.replyLocalUnsilenced(out.toByteArray()); // like Redis 7, even with CLIENT REPLY OFF
      return true;
    }
    if (name.equals("publish") || name.equals("spublish")) {
      // through the log; the reply counts this peer's receivers (docs/design.md "Pub/Sub")
      boolean shard = name.equals("spublish");
      // answered once this peer has applied it: its subscribers have the message by then
      session.submitAppliedHere(argv, r -> r.length > 0 && r[0] == ':'
          ? new RespOut(16).integer(hub.receivers(shard, argv[1])).toByteArray() : r);
      return true;
    }
    return false;
  }

  /** (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE: one confirmation per name, in this connection's protocol. */
  void execute(String command, byte[][] argv, RespOut out) {
    switch (command) {
      case "subscribe" -> subscribe(Space.CHANNEL, channels, argv, out);
      case "psubscribe" -> subscribe(Space.PATTERN, patterns, argv, out);
      case "ssubscribe" -> subscribe(Space.SHARD, shards, argv, out);
      case "unsubscribe" -> unsubscribe(Space.CHANNEL, channels, argv, out);
      case "punsubscribe" -> unsubscribe(Space.PATTERN, patterns, argv, out);
      case "sunsubscribe" -> unsubscribe(Space.SHARD, shards, argv, out);
      default -> throw new IllegalArgumentException(command);
    }
  }

  private void subscribe(Space space, Set<Name> set, byte[][] argv, RespOut out) {
    String kind = space == Space.CHANNEL ? "subscribe" : space == Space.PATTERN ? "psubscribe" : "ssubscribe";
    for (int i = 1; i < argv.length; i++) {
      Name n = new Name(argv[i]);
      if (set.add(n)) {
        hub.subscribe(space, argv[i], this);
        counted();
      }
      header(out, 3).bulk(kind).bulk(argv[i]).integer(count(space));
    }
  }

  private void unsubscribe(Space space, Set<Name> set, byte[][] argv, RespOut out) {
    String kind = space == Space.CHANNEL ? "unsubscribe" : space == Space.PATTERN ? "punsubscribe" : "sunsubscribe";
    List<byte[]> names = new ArrayList<>();
    if (argv.length == 1) {
      set.forEach(n -> names.add(n.bytes()));
      if (names.isEmpty()) {
        header(out, 3).bulk(kind);
        if (session.proto == 3) {
          out.append("_\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
          out.nil();
        }
        out.integer(count(space));
        return;
      }
    } else {
      for (int i = 1; i < argv.length; i++) {
        names.add(argv[i]);
      }
    }
    for (byte[] name : names) {
      if (set.remove(new Name(name))) {
        hub.unsubscribe(space, name, this);
        counted();
      }
      header(out, 3).bulk(kind).bulk(name).integer(count(space));
    }
  }

  /** Redis's count in a confirmation: channels plus patterns, or shard channels. */
  private long count(Space space) {
    return space == Space.SHARD ? shards.size() : channels.size() + patterns.size();
  }

  private void counted() {
    channelCount = channels.size();
    patternCount = patterns.size();
    shardCount = shards.size();
  }

  private RespOut header(RespOut out, int n) {
    return session.proto == 3 ? out.append((">" + n + "\r\n").getBytes(StandardCharsets.US_ASCII)) : out.array(n);
  }

  /** RESET, or the connection closed: every subscription ends, without replies. */
  void clear() {
    channels.forEach(n -> hub.unsubscribe(Space.CHANNEL, n.bytes(), this));
    patterns.forEach(n -> hub.unsubscribe(Space.PATTERN, n.bytes(), this));
    shards.forEach(n -> hub.unsubscribe(Space.SHARD, n.bytes(), this));
    channels.clear();
    patterns.clear();
    shards.clear();
    counted();
  }

  /** On Raft's apply thread: queue the message for the event loop, or disconnect a stuck subscriber. */
  @Override
  public void push(Kind kind, byte[] pattern, byte[] channel, byte[] message) {
    if (disconnected.get()) {
      return;
    }
    long size = 48L + channel.length + message.length + (pattern == null ? 0 : pattern.length);
    long pending = unwritten.addAndGet(size);
    if (overLimit(pending)) {
      unwritten.addAndGet(-size);
      if (disconnected.compareAndSet(false, true)) {
        LOG.warn("client id={} addr={} closed for overcoming of output buffer limits ({} bytes of"
            + " Pub/Sub messages not written; raftkv.pubsub.output-limit-bytes {})", session.id(),
            session.remoteAddress(), pending, limit.hard());
        session.stats().pubsubDisconnects.incrementAndGet();
        session.kill();
      }
      return;
    }
    if (!session.onEventLoop(() -> session.push(encode(kind, pattern, channel, message),
        () -> unwritten.addAndGet(-size)))) {
      unwritten.addAndGet(-size);
    }
  }

  private boolean overLimit(long pending) {
    if (limit.hard() > 0 && pending > limit.hard()) {
      return true;
    }
    if (limit.soft() > 0 && pending > limit.soft()) {
      long now = System.nanoTime();
      long since = softSince;
      if (since == 0) {
        softSince = now == 0 ? 1 : now;
        return false;
      }
      return now - since > TimeUnit.SECONDS.toNanos(limit.softSeconds());
    }
    softSince = 0;
    return false;
  }

  /** A message frame exactly as Redis 7.0 sends it, in this connection's protocol. */
  private byte[] encode(Kind kind, byte[] pattern, byte[] channel, byte[] message) {
    RespOut out = new RespOut(48 + channel.length + message.length);
    switch (kind) {
      case MESSAGE -> header(out, 3).bulk("message").bulk(channel).bulk(message);
      case SMESSAGE -> header(out, 3).bulk("smessage").bulk(channel).bulk(message);
      case PMESSAGE -> header(out, 4).bulk("pmessage").bulk(pattern).bulk(channel).bulk(message);
      default -> throw new IllegalStateException();
    }
    return out.toByteArray();
  }

  /** For CLIENT LIST: Redis's flags field. */
  String flags() {
    return subscribed() ? "P" : "N";
  }
}

package dev.raftkv.pubsub;

import dev.raftkv.command.Glob;
import dev.raftkv.command.Keyspace;
import dev.raftkv.raft.KvStateMachine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One peer's Pub/Sub fan-out, a node-wide service (docs/design.md "Pub/Sub"): which of this
 * peer's connections are subscribed to which channels, patterns and shard channels, and the
 * delivery of every message the state machine applies to them.
 *
 * <p>Messages arrive on Raft's apply thread, in log order, after their entry is committed
 * ({@link #published}); the hub only looks up subscribers and hands each message to the
 * subscriber ({@link Subscriber#push}), which queues it for its connection's event loop: nothing
 * here blocks. Entries re-applied while the peer replays its log after a restart are not
 * delivered ({@link #goLive}). Registrations are thread-safe (connections' event loops).
 */
public final class PubSubHub implements KvStateMachine.PublishListener {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PubSubHub.class);
  /** What a subscriber receives. */
  public enum Kind { MESSAGE, PMESSAGE, SMESSAGE }

  /** One connection's side of the hub. */
  public interface Subscriber {
    /**
     * A message for this subscriber, on the apply thread: must not block (queue it for the
     * connection). {@code pattern} is the matching pattern of a PMESSAGE, else null.
     */
    void push(Kind kind, byte[] pattern, byte[] channel, byte[] message);
  }

  /**
   * Bytes of messages handed to a subscriber and not yet written to its socket: past {@code hard}
   * it is disconnected at once, past {@code soft} for {@code softSeconds} too (0 disables a bound).
   * Redis's {@code client-output-buffer-limit pubsub 32mb 8mb 60} ({@link #REDIS}).
   */
  public record OutputLimit(long hard, long soft, long softSeconds) {
    public static final OutputLimit REDIS = new OutputLimit(32L << 20, 8L << 20, 60);
  }

  private final OutputLimit outputLimit;

  /** A hub with Redis's default output limit for subscribers. */
  public PubSubHub() {
    this(OutputLimit.REDIS);
  }

  public PubSubHub(OutputLimit outputLimit) {
    this.outputLimit = outputLimit;
  }

  /** The bound on each subscriber's unwritten messages. */
  public OutputLimit outputLimit() {
    return outputLimit;
  }

  /** Channels, patterns or shard channels to their subscribers. */
  public enum Space { CHANNEL, PATTERN, SHARD }

  private final ConcurrentHashMap<Name, Set<Subscriber>> channels = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Name, Set<Subscriber>> patterns = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Name, Set<Subscriber>> shards = new ConcurrentHashMap<>();
  /** Compiled patterns, while someone is subscribed to them. */
  private final ConcurrentHashMap<Name, Glob> globs = new ConcurrentHashMap<>();
  /**
   * Entries up to this index were in the log when the peer started (log replay): not delivered.
   * Until {@link #goLive} is called nothing is delivered.
   */
  private volatile long replayedUpTo = Long.MAX_VALUE;
  private final java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong skippedOnReplay = new java.util.concurrent.atomic.AtomicLong();

  /** A byte string as a map key. */
  public record Name(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Name n && Arrays.equals(bytes, n.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /**
   * From now on entries after {@code lastReplayedIndex} (the last index in this peer's log when
   * it started) are delivered; the ones up to it are the log's replay and are not.
   */
  public void goLive(long lastReplayedIndex) {
    replayedUpTo = lastReplayedIndex;
  }

  private ConcurrentHashMap<Name, Set<Subscriber>> map(Space space) {
    return switch (space) {
      case CHANNEL -> channels;
      case PATTERN -> patterns;
      case SHARD -> shards;
    };
  }

  /** Registers {@code s} (the connection keeps its own list and calls this once per name). */
  public void subscribe(Space space, byte[] name, Subscriber s) {
    Name n = new Name(name);
    map(space).compute(n, (k, set) -> {
      Set<Subscriber> r = set == null ? ConcurrentHashMap.newKeySet() : set;
      r.add(s);
      if (space == Space.PATTERN) {
        globs.computeIfAbsent(n, x -> Glob.compile(name));
      }
      return r;
    });
  }

  public void unsubscribe(Space space, byte[] name, Subscriber s) {
    Name n = new Name(name);
    map(space).computeIfPresent(n, (k, set) -> {
      set.remove(s);
      if (set.isEmpty()) {
        if (space == Space.PATTERN) {
          globs.remove(n);
        }
        return null;
      }
      return set;
    });
  }

  /** CONFIG SET notify-keyspace-events on this peer: which keyspace events its subscribers get. */
  private volatile int keyspaceEvents;

  @Override
  public int keyspaceEvents() {
    return keyspaceEvents;
  }

  public void setKeyspaceEvents(int flags) {
    keyspaceEvents = flags;
  }

  /** The subscribers that receive a message on {@code channel} now (patterns included). */
  @Override
  public long receivers(boolean shard, byte[] channel) {
    if (shard) {
      Set<Subscriber> s = shards.get(new Name(channel));
      return s == null ? 0 : s.size();
    }
    Set<Subscriber> s = channels.get(new Name(channel));
    long n = s == null ? 0 : s.size();
    for (var e : patterns.entrySet()) {
      if (matches(e.getKey(), channel)) {
        n += e.getValue().size();
      }
    }
    return n;
  }

  private boolean matches(Name pattern, byte[] channel) {
    Glob g = globs.get(pattern);
    return (g != null ? g : Glob.compile(pattern.bytes())).matches(channel);
  }

  /** The messages of one applied entry, on the apply thread, in log order. */
  @Override
  public void published(long index, List<Keyspace.Published> messages) {
    if (index <= replayedUpTo) {
      skippedOnReplay.addAndGet(messages.size());
      return;
    }
    for (Keyspace.Published m : messages) {
      deliver(m);
    }
  }

  private void deliver(Keyspace.Published m) {
    if (m.shard()) {
      Set<Subscriber> s = shards.get(new Name(m.channel()));
      if (s != null) {
        for (Subscriber sub : s) {
          push(sub, Kind.SMESSAGE, null, m.channel(), m.message());
        }
      }
      return;
    }
    // like Redis: the channel's subscribers first, then each matching pattern's
    Set<Subscriber> s = channels.get(new Name(m.channel()));
    if (s != null) {
      for (Subscriber sub : s) {
        push(sub, Kind.MESSAGE, null, m.channel(), m.message());
      }
    }
    if (patterns.isEmpty()) {
      return;
    }
    for (var e : patterns.entrySet()) {
      if (matches(e.getKey(), m.channel())) {
        for (Subscriber sub : e.getValue()) {
          push(sub, Kind.PMESSAGE, e.getKey().bytes(), m.channel(), m.message());
        }
      }
    }
  }

  /** One delivery; a subscriber's failure must never reach the apply thread. */
  private void push(Subscriber sub, Kind kind, byte[] pattern, byte[] channel, byte[] message) {
    try {
      sub.push(kind, pattern, channel, message);
      delivered.incrementAndGet();
    } catch (RuntimeException e) {
      LOG.warn("a Pub/Sub message could not be handed to a subscriber: {}", e.toString());
    }
  }

  /** PUBSUB CHANNELS / SHARDCHANNELS: the names with subscribers matching {@code pattern} (null: all). */
  public List<byte[]> active(Space space, byte[] pattern) {
    Glob g = pattern == null ? null : Glob.compile(pattern);
    List<byte[]> r = new ArrayList<>();
    for (Name n : map(space).keySet()) {
      if (g == null || g.matches(n.bytes())) {
        r.add(n.bytes());
      }
    }
    return r;
  }

  /** PUBSUB NUMSUB / SHARDNUMSUB: the subscribers of one name (patterns not counted). */
  public long subscribers(Space space, byte[] name) {
    Set<Subscriber> s = map(space).get(new Name(name));
    return s == null ? 0 : s.size();
  }

  /** INFO's pubsub_channels, pubsub_patterns, pubsubshard_channels: distinct names. */
  public long count(Space space) {
    return map(space).size();
  }

  /** Messages handed to subscribers (one per receiving subscription). */
  public long delivered() {
    return delivered.get();
  }

  /** Messages of entries re-applied during the log replay after a restart, not delivered. */
  public long skippedOnReplay() {
    return skippedOnReplay.get();
  }

  /** The names in sorted order (tests, INFO). */
  public Set<String> names(Space space) {
    Set<String> r = new TreeSet<>();
    map(space).keySet().forEach(n -> r.add(n.toString()));
    return r;
  }
}

package dev.raftkv.resp;

import dev.raftkv.protocol.RespOut;
import dev.raftkv.command.CommandError;
import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.CommandSpec.Route;
import dev.raftkv.command.TransactionCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The MULTI/EXEC/DISCARD/WATCH/UNWATCH state of one connection, with Redis 7.0's replies.
 *
 * <p>MULTI starts queueing; every command but EXEC, DISCARD, MULTI, WATCH and QUIT is then
 * answered {@code +QUEUED}. A command rejected while queueing (unknown, wrong arity) makes EXEC
 * answer EXECABORT. EXEC turns the queue into one internal write, {@link TransactionCommands#EXEC},
 * that is one command of one Raft log entry: its queued reads and writes run at apply time, in
 * order, with nothing interleaved, on every replica. Writes are normalized when EXEC arrives
 * (relative times count from EXEC, like Redis); a write the normalizer rejects becomes that
 * error in EXEC's reply, like the runtime error Redis gives. LOCAL commands (PING, ECHO, ...)
 * are answered on this peer when EXEC arrives and their replies travel in the entry.
 *
 * <p>WATCH is a linearizable read of a digest of each key's record ({@link
 * TransactionCommands#WATCH_READ}); EXEC carries (key, digest) pairs and aborts at apply time
 * when a record differs. The one difference from Redis: a key rewritten to the identical state
 * (same type, value and deadline, or created and deleted again) between WATCH and EXEC does not
 * abort, as only the state is compared, not the history of writes.
 *
 * <p>Runs on the connection's event loop only.
 */
final class Transaction {
  static final byte[] QUEUED = "+QUEUED\r\n".getBytes(StandardCharsets.US_ASCII);
  static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
  static final String EXECABORT = "EXECABORT Transaction discarded because of previous errors.";

  /** What the session provides. */
  interface Session {
    /** Queues an immediate reply. */
    void reply(byte[] resp);

    /** Runs a LOCAL command and returns its reply. */
    byte[] runLocal(CommandSpec spec, byte[][] argv);

    /**
     * Sends a data command in request order. {@code argv} is built when the command is
     * dispatched, i.e. after the connection's earlier commands of the other route completed;
     * {@code onReply} turns the backend's reply into the client's.
     */
    void submit(Route route, Supplier<byte[][]> argv, UnaryOperator<byte[]> onReply);

    /** Whether the connection speaks RESP3 (HELLO 3): EXEC's reply is converted element-wise. */
    boolean resp3();
  }

  /** One WATCH command: its keys and, once its read returned, their digests. */
  private static final class Watched {
    final byte[][] keys;
    List<byte[]> digests;
    boolean failed;

    Watched(byte[][] keys) {
      this.keys = keys;
    }
  }

  private record Queued(CommandSpec spec, byte[][] argv) {}

  private final Session session;
  private boolean multi;
  private boolean dirty;
  private List<Queued> queue = new ArrayList<>();
  /** Replaced (not cleared) on UNWATCH, EXEC, DISCARD: a WATCH read still in flight keeps its own. */
  private List<Watched> watches = new ArrayList<>();

  Transaction(Session session) {
    this.session = session;
  }

  boolean inMulti() {
    return multi;
  }

  /** Whether a queued command is one {@code which} accepts. */
  boolean queues(java.util.function.Predicate<CommandSpec> which) {
    return queue.stream().anyMatch(q -> which.test(q.spec()));
  }

  /**
   * A command was rejected before running (unknown command, wrong arity) with this error; returns
   * the error text to send. Inside MULTI it makes EXEC abort; a rejected EXEC discards at once.
   */
  String rejected(CommandSpec spec, String error) {
    if (spec != null && spec.name().equals("exec")) {
      discardAll();
      return "EXECABORT Transaction discarded because of: "
          + (error.startsWith("ERR ") ? error.substring(4) : error);
    }
    if (multi) {
      dirty = true;
    }
    return error;
  }

  /** Handles a known command of the right arity when it concerns transactions; false otherwise. */
  boolean handle(CommandSpec spec, byte[][] argv) {
    String name = spec.name();
    if (multi) {
      switch (name) {
        case "exec" -> exec();
        case "discard" -> {
          discardAll();
          session.reply(OK);
        }
        case "multi" -> session.reply(RespOut.errorBytes("ERR MULTI calls can not be nested"));
        case "watch" -> session.reply(RespOut.errorBytes("ERR WATCH inside MULTI is not allowed"));
        case "quit", "reset" -> {
          return false; // never queued: QUIT closes the connection, RESET ends the transaction
        }
        default -> {
          queue.add(new Queued(spec, argv));
          session.reply(QUEUED);
        }
      }
      return true;
    }
    switch (name) {
      case "multi" -> {
        multi = true;
        session.reply(OK);
      }
      case "exec" -> session.reply(RespOut.errorBytes("ERR EXEC without MULTI"));
      case "discard" -> session.reply(RespOut.errorBytes("ERR DISCARD without MULTI"));
      case "watch" -> watch(argv);
      case "unwatch" -> {
        watches = new ArrayList<>();
        session.reply(OK);
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The keys of every queued command, in order (cluster mode routes EXEC by them). */
  List<byte[]> queuedKeys() {
    List<byte[]> keys = new ArrayList<>();
    for (Queued q : queue) {
      keys.addAll(q.spec().keys(q.argv()));
    }
    return keys;
  }

  /** True when no queued command writes (a READONLY connection may run EXEC on a follower). */
  boolean queuedReadsOnly() {
    for (Queued q : queue) {
      if (q.spec().route() == Route.WRITE) {
        return false;
      }
    }
    return true;
  }

  /** RESET: no transaction, no watched keys. */
  void reset() {
    discardAll();
  }

  private void discardAll() {
    multi = false;
    dirty = false;
    queue = new ArrayList<>();
    watches = new ArrayList<>();
  }

  private void watch(byte[][] argv) {
    byte[][] keys = Arrays.copyOfRange(argv, 1, argv.length);
    Watched w = new Watched(keys);
    watches.add(w);
    byte[][] read = new byte[argv.length][];
    read[0] = TransactionCommands.WATCH_READ.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(keys, 0, read, 1, keys.length);
    session.submit(Route.READ, () -> read, reply -> {
      byte[] payload = bulkPayload(reply);
      List<byte[]> digests = payload == null ? null : TransactionCommands.parseDigests(payload, keys.length);
      if (digests == null) {
        w.failed = true; // EXEC will abort: the client saw this error instead of OK
        return reply.length > 0 && reply[0] == '-' ? reply
            : RespOut.errorBytes("ERR internal error: unexpected WATCH reply");
      }
      w.digests = digests;
      return OK;
    });
  }

  /** The payload of a RESP bulk string reply, or null when the reply is anything else. */
  private static byte[] bulkPayload(byte[] reply) {
    if (reply.length < 4 || reply[0] != '$') {
      return null;
    }
    int i = 1;
    int len = 0;
    while (i < reply.length && reply[i] >= '0' && reply[i] <= '9') {
      len = len * 10 + (reply[i++] - '0');
    }
    if (i + 2 + len + 2 != reply.length || reply[i] != '\r') {
      return null;
    }
    return Arrays.copyOfRange(reply, i + 2, i + 2 + len);
  }

  private void exec() {
    if (dirty) {
      discardAll();
      session.reply(RespOut.errorBytes(EXECABORT));
      return;
    }
    List<Queued> queued = queue;
    List<Watched> watched = watches;
    discardAll();
    long now = System.currentTimeMillis();
    List<byte[]> items = new ArrayList<>(queued.size());
    boolean data = false;
    for (Queued q : queued) {
      switch (q.spec().route()) {
        case LOCAL -> items.add(TransactionCommands.replyItem(q.spec().name().equals("unwatch")
            ? OK : session.runLocal(q.spec(), q.argv())));
        case READ -> {
          items.add(TransactionCommands.commandItem(q.argv()));
          data = true;
        }
        case WRITE -> {
          try {
            items.add(TransactionCommands.commandItem(q.spec().normalizer().normalize(q.argv(), now)));
            data = true;
          } catch (CommandError e) {
            items.add(TransactionCommands.replyItem(RespOut.errorBytes(e.getMessage())));
          }
        }
        default -> throw new IllegalStateException();
      }
    }
    List<byte[][]> argvs = new ArrayList<>(queued.size());
    for (Queued q : queued) {
      argvs.add(q.argv());
    }
    UnaryOperator<byte[]> toClient = session.resp3() ? r -> Resp3.convertExec(argvs, r) : null;
    if (!data && watched.isEmpty()) {
      RespOut out = new RespOut().array(items.size());
      for (byte[] item : items) {
        out.append(Arrays.copyOfRange(item, 1, item.length));
      }
      byte[] reply = out.toByteArray();
      session.reply(toClient == null ? reply : toClient.apply(reply));
      return;
    }
    // built at dispatch time: by then every earlier WATCH read of this connection has completed
    session.submit(Route.WRITE, () -> {
      List<byte[]> keys = new ArrayList<>();
      List<byte[]> digests = new ArrayList<>();
      for (Watched w : watched) {
        for (int i = 0; i < w.keys.length; i++) {
          keys.add(w.keys[i]);
          digests.add(w.failed || w.digests == null ? TransactionCommands.NEVER_MATCHES : w.digests.get(i));
        }
      }
      return TransactionCommands.execCommand(keys, digests, items);
    }, toClient);
  }
}

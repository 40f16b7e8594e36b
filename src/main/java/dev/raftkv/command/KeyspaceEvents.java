package dev.raftkv.command;

import java.util.Arrays;
import java.util.List;

/**
 * Keyspace notifications (Redis's {@code notify-keyspace-events}): after a command applied
 * without an error, one {@code __keyspace@0__:<key>} and/or {@code __keyevent@0__:<event>}
 * message per event, published through the entry's keyspace like a PUBLISH, so they reach this
 * peer's subscribers after the commit, in log order.
 *
 * <p>The events are derived from the command and from the records of its keys before and after
 * it ran, the same on every peer; which of them are delivered is the flags of the peer applying
 * the entry ({@code CONFIG SET notify-keyspace-events}, per peer like Redis's own setting per
 * server), so the flags are not replicated state and never change what is stored.
 */
public final class KeyspaceEvents {
  public static final int KEYSPACE = 1;
  public static final int KEYEVENT = 1 << 1;
  public static final int GENERIC = 1 << 2;
  public static final int STRING = 1 << 3;
  public static final int LIST = 1 << 4;
  public static final int SET = 1 << 5;
  public static final int HASH = 1 << 6;
  public static final int ZSET = 1 << 7;
  public static final int EXPIRED = 1 << 8;
  public static final int EVICTED = 1 << 9;
  public static final int STREAM = 1 << 10;
  public static final int KEY_MISS = 1 << 11;
  public static final int MODULE = 1 << 12;
  public static final int NEW = 1 << 13;
  /** Redis's 'A': g$lshzxetd. */
  public static final int ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

  private static final byte[] KEYSPACE_PREFIX = Args.bytes("__keyspace@0__:");
  private static final byte[] KEYEVENT_PREFIX = Args.bytes("__keyevent@0__:");

  private KeyspaceEvents() {}

  /** Redis's keyspaceEventsStringToFlags: -1 for a character that is not a class. */
  public static int parse(String classes) {
    int flags = 0;
    for (char c : classes.toCharArray()) {
      flags |= switch (c) {
        case 'A' -> ALL;
        case 'g' -> GENERIC;
        case '$' -> STRING;
        case 'l' -> LIST;
        case 's' -> SET;
        case 'h' -> HASH;
        case 'z' -> ZSET;
        case 'x' -> EXPIRED;
        case 'e' -> EVICTED;
        case 'K' -> KEYSPACE;
        case 'E' -> KEYEVENT;
        case 't' -> STREAM;
        case 'm' -> KEY_MISS;
        case 'd' -> MODULE;
        case 'n' -> NEW;
        default -> Integer.MIN_VALUE;
      };
    }
    return flags < 0 ? -1 : flags;
  }

  /** Redis's keyspaceEventsFlagsToString (CONFIG GET's answer). */
  public static String format(int flags) {
    StringBuilder s = new StringBuilder();
    if ((flags & ALL) == ALL) {
      s.append('A');
    } else {
      // 'n' only here, as in Redis 7.0 (with 'A' it is left out of the answer)
      char[] c = {'g', '$', 'l', 's', 'h', 'z', 'x', 'e', 't', 'd', 'n'};
      int[] f = {GENERIC, STRING, LIST, SET, HASH, ZSET, EXPIRED, EVICTED, STREAM, MODULE, NEW};
      for (int i = 0; i < c.length; i++) {
        if ((flags & f[i]) != 0) {
          s.append(c[i]);
        }
      }
    }
    if ((flags & KEYSPACE) != 0) {
      s.append('K');
    }
    if ((flags & KEYEVENT) != 0) {
      s.append('E');
    }
    if ((flags & KEY_MISS) != 0) {
      s.append('m');
    }
    return s.toString();
  }

  /** The records of a command's keys before it runs (raw: expired ones too), or null when not notifying. */
  static byte[][] before(CommandSpec spec, byte[][] argv, Keyspace ks) {
    if ((ks.keyspaceEvents() & (KEYSPACE | KEYEVENT)) == 0) {
      return null;
    }
    List<byte[]> keys = keys(spec, argv);
    byte[][] records = new byte[keys.size()][];
    for (int i = 0; i < records.length; i++) {
      records[i] = ks.getRaw(keys.get(i));
    }
    return records;
  }

  /** Publishes the events of a command that ran without an error. */
  static void after(CommandSpec spec, byte[][] argv, Keyspace ks, byte[][] before, boolean nilReply) {
    int flags = ks.keyspaceEvents();
    List<byte[]> keys = keys(spec, argv);
    String name = spec.name();
    // a move notifies the push on the destination first, then the pop (Redis's lmoveHandlePush)
    boolean destinationFirst = name.equals("rpoplpush") || name.equals("lmove")
        || name.equals("brpoplpush") || name.equals("blmove");
    for (int n = 0; n < keys.size(); n++) {
      int i = destinationFirst ? keys.size() - 1 - n : n;
      byte[] key = keys.get(i);
      if (keys.subList(0, i).stream().anyMatch(k -> Arrays.equals(k, key))) {
        continue; // a key named twice (RPOPLPUSH l l, DEL k k) is looked at once
      }
      byte[] was = before[i];
      byte[] now = ks.getRaw(key);
      if (now != null && Record.isExpired(now, ks.now())) {
        now = null; // left in place by a command that did not touch it: absent all the same
      }
      if (event(name, argv, i, was, now) == null && !name.equals(KeyCommands.EXPIRED)) {
        continue; // a key this command only reads, or a script/EXEC: its own commands notify
      }
      if (was != null && Record.isExpired(was, ks.now())) {
        if (!name.equals(KeyCommands.EXPIRED)) {
          emit(flags, EXPIRED, "expired", key, ks); // removed on access, as Redis does lazily
        }
        was = name.equals(KeyCommands.EXPIRED) ? was : null;
      }
      boolean changed = !Arrays.equals(was, now);
      if (was == null && now != null) {
        emit(flags, NEW, "new", key, ks);
      }
      String[] event = event(name, argv, i, was, now);
      boolean set = SET_FAMILY.contains(name);
      if (event != null && (set ? !nilReply && now != null : changed || ALWAYS.contains(name) && now != null)) {
        emit(flags, classOf(event[1]), event[0], key, ks);
        if (set && !name.equals("getset") && !name.equals("mset") && Record.expireAt(now) != 0
            && (name.endsWith("setex") || hasExpiry(argv))) {
          emit(flags, GENERIC, "expire", key, ks); // SET k v EX n, SETEX: 'set' then 'expire'
        }
      }
      if (was != null && now == null && event != null && !event[0].equals("del")
          && !event[0].equals("expired") && !event[0].equals("rename_from")) {
        emit(flags, GENERIC, "del", key, ks); // a collection emptied by the command
      }
    }
  }

  /** Commands that notify 'set' whenever they set (a nil reply: SET NX or XX that did not). */
  private static final java.util.Set<String> SET_FAMILY = java.util.Set.of("set", "setex", "psetex",
      "getset", "mset");

  /** Commands Redis notifies even when the value stays the same. */
  private static final java.util.Set<String> ALWAYS = java.util.Set.of("hset", "hmset", "lset", "incr", "decr", "incrby", "decrby", "incrbyfloat",
      "hincrby", "hincrbyfloat", "setrange", "expire", "pexpire", "expireat", "pexpireat");

  /** Whether a SET's log form gives the key a deadline (EX, PX, EXAT and PXAT are logged as PXAT). */
  private static boolean hasExpiry(byte[][] argv) {
    for (int i = 3; i < argv.length; i++) {
      if (Args.is(argv[i], "pxat") || Args.is(argv[i], "px") || Args.is(argv[i], "ex")
          || Args.is(argv[i], "exat")) {
        return true;
      }
    }
    return false;
  }

  private static List<byte[]> keys(CommandSpec spec, byte[][] argv) {
    if (spec.name().equals(KeyCommands.EXPIRED)) {
      return Arrays.asList(argv).subList(1, argv.length);
    }
    return Commands.isInternal(spec) ? List.of() : spec.keys(argv);
  }

  /** {event name, class} for the i-th key of the command, or null when it notifies nothing. */
  private static String[] event(String name, byte[][] argv, int i, byte[] was, byte[] now) {
    switch (name) {
      case "set", "setnx", "setex", "psetex", "getset", "mset", "msetnx" -> {
        return new String[] {"set", "$"};
      }
      case "incr", "decr", "incrby", "decrby" -> {
        return new String[] {"incrby", "$"};
      }
      case "incrbyfloat", "append", "setrange", "setbit" -> {
        return new String[] {name, "$"};
      }
      case "bitfield" -> {
        return new String[] {"setbit", "$"};
      }
      case "bitop" -> {
        return i == 0 ? new String[] {now == null ? "del" : "set", now == null ? "g" : "$"} : null;
      }
      case "pfadd", "pfmerge" -> {
        return i == 0 ? new String[] {"pfadd", "$"} : null;
      }
      case "getdel", "del", "unlink" -> {
        return new String[] {"del", "g"};
      }
      case "expire", "pexpire", "expireat", "pexpireat" -> {
        return new String[] {now == null ? "del" : "expire", "g"};
      }
      case "getex" -> {
        if (now == null) {
          return new String[] {"del", "g"};
        }
        return new String[] {Record.expireAt(now) == 0 ? "persist" : "expire", "g"};
      }
      case "restore" -> {
        return new String[] {"restore", "g"};
      }
      case "persist" -> {
        return new String[] {"persist", "g"};
      }
      case "rename", "renamenx" -> {
        return new String[] {i == 0 ? "rename_from" : "rename_to", "g"};
      }
      case "copy" -> {
        return i == 1 ? new String[] {"copy_to", "g"} : null;
      }
      case KeyCommands.EXPIRED -> {
        return now == null ? new String[] {"expired", "x"} : null;
      }
      case "lpush", "lpushx", "rpush", "rpushx", "lpop", "rpop", "linsert", "lset", "ltrim", "lrem" -> {
        return new String[] {name, "l"};
      }
      case "blpop" -> {
        return new String[] {"lpop", "l"};
      }
      case "brpop" -> {
        return new String[] {"rpop", "l"};
      }
      case "rpoplpush", "brpoplpush" -> {
        return new String[] {i == 0 ? "rpop" : "lpush", "l"};
      }
      case "lmove", "blmove" -> {
        String side = Args.is(argv[3 + i], "left") ? "l" : "r"; // LMOVE src dst LEFT|RIGHT LEFT|RIGHT
        return new String[] {side + (i == 0 ? "pop" : "push"), "l"};
      }
      case "lmpop", "blmpop" -> {
        return new String[] {direction(argv, name.equals("lmpop") ? 1 : 2, "left", "lpop", "rpop"), "l"};
      }
      case "hset", "hmset", "hsetnx" -> {
        return new String[] {"hset", "h"};
      }
      case "hdel", "hincrby", "hincrbyfloat" -> {
        return new String[] {name, "h"};
      }
      case "sadd", "srem", "spop" -> {
        return new String[] {name, "s"};
      }
      case "smove" -> {
        return new String[] {i == 0 ? "srem" : "sadd", "s"};
      }
      case "sinterstore", "sunionstore", "sdiffstore" -> {
        return i == 0 ? new String[] {now == null ? "del" : name, now == null ? "g" : "s"} : null;
      }
      case "zadd", "geoadd" -> {
        boolean incr = false;
        for (int j = 2; name.equals("zadd") && j < argv.length; j++) {
          incr |= Args.is(argv[j], "incr");
        }
        return new String[] {incr ? "zincr" : "zadd", "z"};
      }
      case "zincrby" -> {
        return new String[] {"zincr", "z"};
      }
      case "zrem", "zremrangebyrank", "zremrangebyscore", "zremrangebylex", "zpopmin", "zpopmax" -> {
        return new String[] {name, "z"};
      }
      case "bzpopmin", "bzpopmax" -> {
        return new String[] {name.substring(1), "z"};
      }
      case "zmpop", "bzmpop" -> {
        return new String[] {direction(argv, name.equals("zmpop") ? 1 : 2, "min", "zpopmin", "zpopmax"), "z"};
      }
      case "zunionstore", "zinterstore", "zdiffstore", "zrangestore" -> {
        return i == 0 ? new String[] {now == null ? "del" : name, now == null ? "g" : "z"} : null;
      }
      default -> {
        return null; // no keyspace event (reads, scripts and EXEC notify through their own commands)
      }
    }
  }

  /** LMPOP/ZMPOP's LEFT|RIGHT or MIN|MAX word, after numkeys and the keys. */
  private static String direction(byte[][] argv, int numkeysAt, String first, String ifFirst, String otherwise) {
    Long n = Args.parseLong(argv[numkeysAt]);
    int at = numkeysAt + 1 + (n == null ? 0 : n.intValue());
    return at < argv.length && Args.is(argv[at], first) ? ifFirst : otherwise;
  }

  private static int classOf(String c) {
    return switch (c) {
      case "$" -> STRING;
      case "l" -> LIST;
      case "s" -> SET;
      case "h" -> HASH;
      case "z" -> ZSET;
      case "x" -> EXPIRED;
      default -> GENERIC;
    };
  }

  private static void emit(int flags, int type, String event, byte[] key, Keyspace ks) {
    if ((flags & type) == 0) {
      return;
    }
    byte[] ev = Args.bytes(event);
    if ((flags & KEYSPACE) != 0) {
      ks.publish(false, concat(KEYSPACE_PREFIX, key), ev);
    }
    if ((flags & KEYEVENT) != 0) {
      ks.publish(false, concat(KEYEVENT_PREFIX, ev), key);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}

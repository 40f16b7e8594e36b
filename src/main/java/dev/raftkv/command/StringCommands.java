package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import dev.raftkv.protocol.RespOut;

/**
 * String commands: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX INCR DECR
 * INCRBY DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SUBSTR SETRANGE.
 */
final class StringCommands {
  private StringCommands() {}

  /** The string payload of a live key, null when absent; WRONGTYPE for another type. */
  static byte[] getString(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r == null) {
      return null;
    }
    if (Record.type(r) != Record.STRING) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    return Record.payload(r);
  }

  static void get(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    out.bulk(getString(ks, a[1]));
  }

  static void strlen(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = ks.get(a[1]);
    if (r != null && Record.type(r) != Record.STRING) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    out.integer(r == null ? 0 : Record.payloadLength(r));
  }

  static void mget(byte[][] a, Keyspace ks, RespOut out) {
    out.array(a.length - 1);
    for (int i = 1; i < a.length; i++) {
      byte[] r = ks.get(a[i]);
      out.bulk(r == null || Record.type(r) != Record.STRING ? null : Record.payload(r));
    }
  }

  private static final int NX = 1;
  private static final int XX = 1 << 1;
  private static final int GET = 1 << 2;
  private static final int KEEPTTL = 1 << 3;
  private static final int PERSIST = 1 << 4;
  private static final int EX = 1 << 5;
  private static final int PX = 1 << 6;
  private static final int EXAT = 1 << 7;
  private static final int PXAT = 1 << 8;
  private static final int ANY_EXPIRE = EX | PX | EXAT | PXAT;

  /** SET's or GETEX's options: flag bits and the expire argument (null when none). */
  record Options(int flags, byte[] expire) {
    boolean has(int flag) {
      return (flags & flag) != 0;
    }
  }

  /**
   * Redis's parseExtendedStringArgumentsOrReply: the options of SET (from argument 3) or GETEX
   * (from argument 2). Only the combination is checked here, not the expire value; a repeated
   * option is accepted, the last expire value wins.
   */
  static Options parseOptions(byte[][] a, boolean isSet) throws CommandError {
    int f = 0;
    byte[] expire = null;
    for (int j = isSet ? 3 : 2; j < a.length; j++) {
      byte[] o = a[j];
      boolean next = j + 1 < a.length;
      if (is(o, "nx") && (f & XX) == 0 && isSet) {
        f |= NX;
      } else if (is(o, "xx") && (f & NX) == 0 && isSet) {
        f |= XX;
      } else if (is(o, "get") && isSet) {
        f |= GET;
      } else if (is(o, "keepttl") && (f & (PERSIST | ANY_EXPIRE)) == 0 && isSet) {
        f |= KEEPTTL;
      } else if (is(o, "persist") && !isSet && (f & (ANY_EXPIRE | KEEPTTL)) == 0) {
        f |= PERSIST;
      } else if (next && expireOption(o) != 0
          && (f & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~expireOption(o)))) == 0) {
        f |= expireOption(o);
        expire = a[++j];
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    return new Options(f, expire);
  }

  private static int expireOption(byte[] o) {
    if (is(o, "ex")) {
      return EX;
    } else if (is(o, "px")) {
      return PX;
    } else if (is(o, "exat")) {
      return EXAT;
    } else if (is(o, "pxat")) {
      return PXAT;
    }
    return 0;
  }

  static CommandError invalidExpire(String command) {
    return new CommandError("ERR invalid expire time in '" + command + "' command");
  }

  /**
   * Redis's getExpireMillisecondsOrReply: the absolute deadline in ms for an expire option, with
   * Redis's checks (positive, no overflow in the unit conversion or the addition of now).
   */
  static long deadline(Options o, long now, String command) throws CommandError {
    long v = Args.longArg(o.expire());
    boolean seconds = o.has(EX) || o.has(EXAT);
    if (v <= 0 || (seconds && v > Long.MAX_VALUE / 1000)) {
      throw invalidExpire(command);
    }
    if (seconds) {
      v *= 1000;
    }
    if (o.has(EX) || o.has(PX)) {
      v += now; // wraps around on overflow, like Redis, and is caught below
    }
    if (v <= 0) {
      throw invalidExpire(command);
    }
    return v;
  }

  /**
   * SET's log form: {@code SET k v [NX|XX] [GET] [KEEPTTL] [PXAT ms]}, every expiry absolute. All
   * of SET's errors except WRONGTYPE (which depends on the key) are answered here.
   */
  static byte[][] normalizeSet(byte[][] a, long now) throws CommandError {
    Options o = parseOptions(a, true);
    long pxat = o.expire() == null ? 0 : deadline(o, now, "set");
    return setLogForm(a[1], a[2], o.flags(), pxat);
  }

  private static byte[][] setLogForm(byte[] key, byte[] value, int flags, long pxat) {
    java.util.List<byte[]> r = new java.util.ArrayList<>(8);
    r.add(Args.bytes("SET"));
    r.add(key);
    r.add(value);
    if ((flags & NX) != 0) {
      r.add(Args.bytes("NX"));
    }
    if ((flags & XX) != 0) {
      r.add(Args.bytes("XX"));
    }
    if ((flags & GET) != 0) {
      r.add(Args.bytes("GET"));
    }
    if ((flags & KEEPTTL) != 0) {
      r.add(Args.bytes("KEEPTTL"));
    }
    if (pxat != 0) {
      r.add(Args.bytes("PXAT"));
      r.add(Args.bytes(Long.toString(pxat)));
    }
    return r.toArray(new byte[0][]);
  }

  static void set(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    Options o = parseOptions(a, true);
    long pxat = o.expire() == null ? 0 : deadline(o, ks.now(), "set");
    byte[] old = ks.get(a[1]);
    if (o.has(GET) && old != null && Record.type(old) != Record.STRING) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    boolean apply = !(o.has(NX) && old != null) && !(o.has(XX) && old == null);
    if (apply) {
      long expireAt = pxat;
      if (o.has(KEEPTTL) && old != null) {
        expireAt = Record.expireAt(old);
      }
      ks.put(a[1], Record.encode(Record.STRING, expireAt, a[2]));
    }
    if (o.has(GET)) {
      out.bulk(old == null ? null : Record.payload(old));
    } else if (apply) {
      out.ok();
    } else {
      out.nil();
    }
  }

  static void setnx(byte[][] a, Keyspace ks, RespOut out) {
    if (ks.get(a[1]) != null) {
      out.integer(0);
      return;
    }
    ks.put(a[1], Record.encode(Record.STRING, 0, a[2]));
    out.integer(1);
  }

  /** SETEX k seconds v: validated here and logged as SET k v PXAT ms (same reply: OK). */
  static byte[][] normalizeSetex(byte[][] a, long now) throws CommandError {
    return setLogForm(a[1], a[3], 0, deadline(new Options(EX, a[2]), now, "setex"));
  }

  /** SETEX/PSETEX arrive as SET (their log form); a raw one is converted with the entry's time. */
  static void setex(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    set(is(a[0], "setex") ? normalizeSetex(a, ks.now()) : normalizePsetex(a, ks.now()), ks, out);
  }

  static byte[][] normalizePsetex(byte[][] a, long now) throws CommandError {
    return setLogForm(a[1], a[3], 0, deadline(new Options(PX, a[2]), now, "psetex"));
  }

  static void getset(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] old = getString(ks, a[1]);
    ks.put(a[1], Record.encode(Record.STRING, 0, a[2]));
    out.bulk(old);
  }

  static void getdel(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] old = getString(ks, a[1]);
    if (old != null) {
      ks.delete(a[1]);
    }
    out.bulk(old);
  }

  /**
   * GETEX's log form. Syntax errors are answered here; a valid relative expiry becomes PXAT. An
   * invalid expire value stays as it is: Redis answers nil for a missing key before it looks at
   * the value, so the error (or not) is decided when the entry is applied.
   */
  static byte[][] normalizeGetex(byte[][] a, long now) throws CommandError {
    Options o = parseOptions(a, false);
    if (o.expire() == null) {
      return o.has(PERSIST)
          ? new byte[][] {Args.bytes("GETEX"), a[1], Args.bytes("PERSIST")}
          : new byte[][] {Args.bytes("GETEX"), a[1]};
    }
    long at;
    try {
      at = deadline(o, now, "getex");
    } catch (CommandError e) {
      return a;
    }
    return new byte[][] {Args.bytes("GETEX"), a[1], Args.bytes("PXAT"), Args.bytes(Long.toString(at))};
  }

  static void getex(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    Options o = parseOptions(a, false);
    byte[] r = ks.get(a[1]);
    if (r == null) {
      out.nil();
      return;
    }
    if (Record.type(r) != Record.STRING) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    long at = o.expire() == null ? 0 : deadline(o, ks.now(), "getex");
    out.bulk(Record.payload(r));
    if ((o.has(PXAT) || o.has(EXAT)) && at <= ks.now()) {
      ks.delete(a[1]);
    } else if (o.expire() != null) {
      ks.put(a[1], Record.encode(Record.STRING, at, Record.payload(r)));
    } else if (o.has(PERSIST) && Record.expireAt(r) != 0) {
      ks.put(a[1], Record.encode(Record.STRING, 0, Record.payload(r)));
    }
  }

  static void mset(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (a.length % 2 != 1) {
      throw CommandError.arity("mset");
    }
    for (int i = 1; i < a.length; i += 2) {
      ks.put(a[i], Record.encode(Record.STRING, 0, a[i + 1]));
    }
    out.ok();
  }

  static void incrBy(Keyspace ks, byte[] key, long by, RespOut out) throws CommandError {
    byte[] r = ks.get(key);
    long current = 0;
    long expireAt = 0;
    if (r != null) {
      if (Record.type(r) != Record.STRING) {
        throw new CommandError(CommandError.WRONGTYPE);
      }
      Long v = Args.parseLong(Record.payload(r));
      if (v == null) {
        throw new CommandError(CommandError.NOT_INTEGER);
      }
      current = v;
      expireAt = Record.expireAt(r);
    }
    long next;
    try {
      next = Math.addExact(current, by);
    } catch (ArithmeticException e) {
      throw new CommandError(CommandError.OVERFLOW);
    }
    ks.put(key, Record.encode(Record.STRING, expireAt, Args.bytes(Long.toString(next))));
    out.integer(next);
  }

  static void incr(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    incrBy(ks, a[1], 1, out);
  }

  static void decr(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    incrBy(ks, a[1], -1, out);
  }

  static void incrby(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    incrBy(ks, a[1], Args.longArg(a[2]), out);
  }

  static void decrby(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long by = Args.longArg(a[2]);
    if (by == Long.MIN_VALUE) {
      throw new CommandError("ERR decrement would overflow");
    }
    incrBy(ks, a[1], -by, out);
  }

  /** Validates the increment on the receiving peer so a bad one never reaches the log. */
  static byte[][] checkIncrement(byte[][] a, long now) throws CommandError {
    Args.longArg(a[2]);
    return a;
  }

  static void append(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = ks.get(a[1]);
    byte[] value;
    long expireAt = 0;
    if (r == null) {
      value = a[2];
    } else {
      if (Record.type(r) != Record.STRING) {
        throw new CommandError(CommandError.WRONGTYPE);
      }
      int old = Record.payloadLength(r);
      if ((long) old + a[2].length > Commands.MAX_STRING) {
        throw new CommandError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
      }
      Commands.checkValueSize(ks, (long) old + a[2].length);
      value = new byte[old + a[2].length];
      System.arraycopy(r, Record.HEADER, value, 0, old);
      System.arraycopy(a[2], 0, value, old, a[2].length);
      expireAt = Record.expireAt(r);
    }
    ks.put(a[1], Record.encode(Record.STRING, expireAt, value));
    out.integer(value.length);
  }

  static byte[][] checkMset(byte[][] a, long now) throws CommandError {
    if (a.length % 2 != 1) {
      throw CommandError.arity(Args.str(a[0]).toLowerCase());
    }
    return a;
  }

  static void msetnx(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (a.length % 2 != 1) {
      throw CommandError.arity("msetnx");
    }
    for (int i = 1; i < a.length; i += 2) {
      if (ks.get(a[i]) != null) {
        out.integer(0);
        return;
      }
    }
    for (int i = 1; i < a.length; i += 2) {
      ks.put(a[i], Record.encode(Record.STRING, 0, a[i + 1]));
    }
    out.integer(1);
  }

  static void incrbyfloat(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = ks.get(a[1]);
    if (r != null && Record.type(r) != Record.STRING) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    java.math.BigDecimal value =
        r == null ? java.math.BigDecimal.ZERO : RedisLongDouble.parse(Record.payload(r));
    java.math.BigDecimal incr = RedisLongDouble.parse(a[2]);
    if (value == null || incr == null) {
      throw new CommandError("ERR value is not a valid float");
    }
    java.math.BigDecimal sum = RedisLongDouble.isInfinite(value) || RedisLongDouble.isInfinite(incr)
        ? null : RedisLongDouble.add(value, incr);
    if (sum == null) {
      throw new CommandError("ERR increment would produce NaN or Infinity");
    }
    byte[] text = Args.bytes(RedisLongDouble.format(sum));
    ks.put(a[1], Record.encode(Record.STRING, r == null ? 0 : Record.expireAt(r), text));
    out.bulk(text);
  }

  static void getrange(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long start = Args.longArg(a[2]);
    long end = Args.longArg(a[3]);
    byte[] s = getString(ks, a[1]);
    if (s == null) {
      out.bulk(new byte[0]);
      return;
    }
    long len = s.length;
    if (start < 0 && end < 0 && start > end) {
      out.bulk(new byte[0]);
      return;
    }
    if (start < 0) {
      start = len + start;
    }
    if (end < 0) {
      end = len + end;
    }
    if (start < 0) {
      start = 0;
    }
    if (end < 0) {
      end = 0;
    }
    if (end >= len) {
      end = len - 1;
    }
    if (start > end || len == 0) {
      out.bulk(new byte[0]);
    } else {
      out.bulk(java.util.Arrays.copyOfRange(s, (int) start, (int) end + 1));
    }
  }

  private static long setrangeOffset(byte[][] a) throws CommandError {
    long offset = Args.longArg(a[2]);
    if (offset < 0) {
      throw new CommandError("ERR offset is out of range");
    }
    return offset;
  }

  static byte[][] checkSetrange(byte[][] a, long now) throws CommandError {
    setrangeOffset(a);
    return a;
  }

  static void setrange(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long offset = setrangeOffset(a);
    byte[] value = a[3];
    byte[] r = ks.get(a[1]);
    if (r != null && Record.type(r) != Record.STRING) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    int oldLen = r == null ? 0 : Record.payloadLength(r);
    if (value.length == 0) {
      out.integer(oldLen);
      return;
    }
    if (offset > Commands.MAX_STRING - value.length) { // offset + length, without overflow
      throw new CommandError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    }
    Commands.checkValueSize(ks, Math.max(oldLen, offset + value.length));
    int newLen = (int) Math.max(oldLen, offset + value.length);
    byte[] s = new byte[newLen];
    if (r != null) {
      System.arraycopy(r, Record.HEADER, s, 0, oldLen);
    }
    System.arraycopy(value, 0, s, (int) offset, value.length);
    ks.put(a[1], Record.encode(Record.STRING, r == null ? 0 : Record.expireAt(r), s));
    out.integer(newLen);
  }

}

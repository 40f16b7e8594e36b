package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import dev.raftkv.resp.RespOut;

/** String commands: GET SET MGET MSET INCR DECR INCRBY DECRBY APPEND STRLEN. */
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

  /** Parsed SET options. */
  record SetOptions(boolean nx, boolean xx, boolean get, boolean keepTtl, long pxat) {}

  /**
   * Parses SET's options the way Redis does. Relative expiries are made absolute with {@code now};
   * the log form only ever holds PXAT.
   */
  static SetOptions parseSet(byte[][] a, long now) throws CommandError {
    boolean nx = false;
    boolean xx = false;
    boolean get = false;
    boolean keepTtl = false;
    String unit = null;
    long pxat = 0;
    for (int i = 3; i < a.length; i++) {
      byte[] o = a[i];
      boolean hasNext = i + 1 < a.length;
      if (is(o, "nx") && !xx) {
        nx = true;
      } else if (is(o, "xx") && !nx) {
        xx = true;
      } else if (is(o, "get")) {
        get = true;
      } else if (is(o, "keepttl") && unit == null) {
        keepTtl = true;
      } else if ((is(o, "ex") || is(o, "px") || is(o, "exat") || is(o, "pxat"))
          && unit == null && !keepTtl && hasNext) {
        unit = Args.str(o).toLowerCase();
        long v = Args.longArg(a[++i]);
        if (v <= 0) {
          throw new CommandError("ERR invalid expire time in 'set' command");
        }
        try {
          pxat = switch (unit) {
            case "ex" -> Math.addExact(now, Math.multiplyExact(v, 1000L));
            case "px" -> Math.addExact(now, v);
            case "exat" -> Math.multiplyExact(v, 1000L);
            default -> v;
          };
        } catch (ArithmeticException e) {
          throw new CommandError("ERR invalid expire time in 'set' command");
        }
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    return new SetOptions(nx, xx, get, keepTtl, pxat);
  }

  static byte[][] normalizeSet(byte[][] a, long now) throws CommandError {
    SetOptions o = parseSet(a, now);
    int n = 3 + (o.nx() || o.xx() ? 1 : 0) + (o.get() ? 1 : 0) + (o.keepTtl() ? 1 : 0)
        + (o.pxat() != 0 ? 2 : 0);
    byte[][] r = new byte[n][];
    int i = 0;
    r[i++] = Args.bytes("SET");
    r[i++] = a[1];
    r[i++] = a[2];
    if (o.nx()) {
      r[i++] = Args.bytes("NX");
    }
    if (o.xx()) {
      r[i++] = Args.bytes("XX");
    }
    if (o.get()) {
      r[i++] = Args.bytes("GET");
    }
    if (o.keepTtl()) {
      r[i++] = Args.bytes("KEEPTTL");
    }
    if (o.pxat() != 0) {
      r[i++] = Args.bytes("PXAT");
      r[i++] = Args.bytes(Long.toString(o.pxat()));
    }
    return r;
  }

  static void set(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    SetOptions o = parseSet(a, ks.now());
    byte[] old = ks.get(a[1]);
    if (o.get() && old != null && Record.type(old) != Record.STRING) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    boolean apply = !(o.nx() && old != null) && !(o.xx() && old == null);
    if (apply) {
      long expireAt = o.pxat();
      if (o.keepTtl() && old != null) {
        expireAt = Record.expireAt(old);
      }
      ks.put(a[1], Record.encode(Record.STRING, expireAt, a[2]));
    }
    if (o.get()) {
      out.bulk(old == null ? null : Record.payload(old));
    } else if (apply) {
      out.ok();
    } else {
      out.nil();
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
      value = new byte[old + a[2].length];
      System.arraycopy(r, Record.HEADER, value, 0, old);
      System.arraycopy(a[2], 0, value, old, a[2].length);
      expireAt = Record.expireAt(r);
    }
    ks.put(a[1], Record.encode(Record.STRING, expireAt, value));
    out.integer(value.length);
  }
}

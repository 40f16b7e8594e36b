package dev.raftkv.command;


import dev.raftkv.protocol.RespOut;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HKEYS HVALS HGETALL HINCRBY
 * HINCRBYFLOAT HSTRLEN HSCAN.
 *
 * <p>A hash is stored whole as {@code f1 v1 f2 v2 ...} ({@link Packed}) in insertion order: a new
 * field goes to the end, an updated field keeps its place, like Redis's listpack encoding, so
 * HGETALL, HKEYS and HVALS answer in the order Redis gives for hashes of up to 128 short fields.
 * (Larger hashes have no defined order in Redis; here they keep insertion order.)
 */
final class HashCommands {
  /** Redis's hash-max-listpack-entries and hash-max-listpack-value defaults. */
  static final int LISTPACK_ENTRIES = 128;
  static final int LISTPACK_VALUE = 64;

  private HashCommands() {}

  /** The live hash at {@code key} as a mutable field/value list, null when absent. */
  static List<byte[]> load(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r == null) {
      return null;
    }
    if (Record.type(r) != Record.HASH) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    return Packed.unpack(Record.payload(r));
  }

  /** The live HASH record at {@code key}, null when absent. */
  private static byte[] record(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r != null && Record.type(r) != Record.HASH) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    return r;
  }

  /** Writes the hash back, keeping the key's deadline; an empty hash deletes the key. */
  private static void store(Keyspace ks, byte[] key, List<byte[]> pairs) {
    if (pairs.isEmpty()) {
      ks.delete(key);
      return;
    }
    byte[] old = ks.get(key);
    long expireAt = old == null ? 0 : Record.expireAt(old);
    ks.put(key, Record.encode(Record.HASH, expireAt, Packed.pack(pairs)));
  }

  /** Position of the field's name in the pair list, or -1. */
  private static int find(List<byte[]> pairs, byte[] field) {
    for (int i = 0; i < pairs.size(); i += 2) {
      if (Arrays.equals(pairs.get(i), field)) {
        return i;
      }
    }
    return -1;
  }

  /** Sets a field; true when it is new. */
  private static boolean set(List<byte[]> pairs, byte[] field, byte[] value) {
    int i = find(pairs, field);
    if (i >= 0) {
      pairs.set(i + 1, value);
      return false;
    }
    pairs.add(field);
    pairs.add(value);
    return true;
  }

  // ---- writes

  /** HSET and HMSET need field/value pairs; rejected on the receiving peer. */
  static byte[][] checkPairs(byte[][] a, long now) throws CommandError {
    if (a.length % 2 != 0) {
      throw CommandError.arity(Args.str(a[0]).toLowerCase());
    }
    return a;
  }

  private static int setPairs(byte[][] a, Keyspace ks) throws CommandError {
    checkPairs(a, 0);
    if (a.length <= 10) {
      // a few fields: splice the record once per field
      byte[] r = record(ks, a[1]);
      long expireAt = r == null ? 0 : Record.expireAt(r);
      int created = 0;
      for (int i = 2; i < a.length; i += 2) {
        int pos = r == null ? -1 : HashRecord.find(r, a[i]);
        if (pos < 0) {
          created++;
        }
        r = HashRecord.set(r, expireAt, pos, a[i], a[i + 1]);
      }
      ks.put(a[1], r);
      return created;
    }
    List<byte[]> pairs = load(ks, a[1]);
    if (pairs == null) {
      pairs = new ArrayList<>(a.length - 2);
    }
    int created = 0;
    for (int i = 2; i < a.length; i += 2) {
      if (set(pairs, a[i], a[i + 1])) {
        created++;
      }
    }
    store(ks, a[1], pairs);
    return created;
  }

  static void hset(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    out.integer(setPairs(a, ks));
  }

  static void hmset(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    setPairs(a, ks);
    out.ok();
  }

  static void hsetnx(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = record(ks, a[1]);
    if (r != null && HashRecord.find(r, a[2]) >= 0) {
      out.integer(0);
      return;
    }
    ks.put(a[1], HashRecord.set(r, r == null ? 0 : Record.expireAt(r), -1, a[2], a[3]));
    out.integer(1);
  }

  static void hdel(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    List<byte[]> pairs = load(ks, a[1]);
    if (pairs == null) {
      out.integer(0);
      return;
    }
    int deleted = 0;
    for (int j = 2; j < a.length; j++) {
      int i = find(pairs, a[j]);
      if (i >= 0) {
        pairs.remove(i + 1);
        pairs.remove(i);
        deleted++;
      }
    }
    if (deleted > 0) {
      store(ks, a[1], pairs);
    }
    out.integer(deleted);
  }

  /** HINCRBY's increment is checked on the receiving peer, as Redis checks it first. */
  static byte[][] checkIncrBy(byte[][] a, long now) throws CommandError {
    Args.longArg(a[3]);
    return a;
  }

  static void hincrby(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long incr = Args.longArg(a[3]);
    byte[] r = record(ks, a[1]);
    int pos = r == null ? -1 : HashRecord.find(r, a[2]);
    long current = 0;
    byte[] old = pos < 0 ? null : HashRecord.valueAt(r, pos);
    if (old != null) {
      Long v = Args.parseLong(old);
      if (v == null) {
        throw new CommandError("ERR hash value is not an integer");
      }
      current = v;
    }
    long next;
    try {
      next = Math.addExact(current, incr);
    } catch (ArithmeticException e) {
      throw new CommandError(CommandError.OVERFLOW);
    }
    byte[] text = Args.bytes(Long.toString(next));
    ks.put(a[1], HashRecord.set(r, r == null ? 0 : Record.expireAt(r), pos, a[2], text));
    out.integer(next);
  }

  private static BigDecimal floatIncrement(byte[] arg) throws CommandError {
    BigDecimal incr = RedisLongDouble.parse(arg);
    if (incr == null) {
      throw new CommandError("ERR value is not a valid float");
    }
    if (incr == RedisLongDouble.POSITIVE_INFINITY || incr == RedisLongDouble.NEGATIVE_INFINITY) {
      throw new CommandError("ERR value is NaN or Infinity");
    }
    return incr;
  }

  /** HINCRBYFLOAT's increment is checked on the receiving peer, as Redis checks it first. */
  static byte[][] checkIncrByFloat(byte[][] a, long now) throws CommandError {
    floatIncrement(a[3]);
    return a;
  }

  /**
   * Adds in x87 80-bit long double arithmetic, as Redis does, and stores the result formatted like
   * Redis (%.17Lf without trailing zeros). The arithmetic is exact big-number emulation, so every
   * replica computes and stores the same bytes.
   */
  static void hincrbyfloat(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    BigDecimal incr = floatIncrement(a[3]);
    byte[] r = record(ks, a[1]);
    int pos = r == null ? -1 : HashRecord.find(r, a[2]);
    BigDecimal current = BigDecimal.ZERO;
    byte[] old = pos < 0 ? null : HashRecord.valueAt(r, pos);
    if (old != null) {
      current = RedisLongDouble.parse(old);
      if (current == null) {
        throw new CommandError("ERR hash value is not a float");
      }
      if (current == RedisLongDouble.POSITIVE_INFINITY || current == RedisLongDouble.NEGATIVE_INFINITY) {
        throw new CommandError("ERR increment would produce NaN or Infinity");
      }
    }
    BigDecimal sum = RedisLongDouble.add(current, incr);
    if (sum == null) {
      throw new CommandError("ERR increment would produce NaN or Infinity");
    }
    byte[] text = Args.bytes(RedisLongDouble.format(sum));
    ks.put(a[1], HashRecord.set(r, r == null ? 0 : Record.expireAt(r), pos, a[2], text));
    out.bulk(text);
  }

  // ---- reads

  static void hget(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    out.bulk(HashRecord.value(record(ks, a[1]), a[2]));
  }

  static void hmget(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = record(ks, a[1]);
    out.array(a.length - 2);
    for (int i = 2; i < a.length; i++) {
      out.bulk(HashRecord.value(r, a[i]));
    }
  }

  static void hexists(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = record(ks, a[1]);
    out.integer(r != null && HashRecord.find(r, a[2]) >= 0 ? 1 : 0);
  }

  static void hlen(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = record(ks, a[1]);
    out.integer(r == null ? 0 : HashRecord.fields(r));
  }

  static void hstrlen(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] v = HashRecord.value(record(ks, a[1]), a[2]);
    out.integer(v == null ? 0 : v.length);
  }

  private static void all(byte[][] a, Keyspace ks, RespOut out, boolean fields, boolean values)
      throws CommandError {
    List<byte[]> pairs = load(ks, a[1]);
    if (pairs == null) {
      out.array(0);
      return;
    }
    out.array(fields && values ? pairs.size() : pairs.size() / 2);
    for (int i = 0; i < pairs.size(); i += 2) {
      if (fields) {
        out.bulk(pairs.get(i));
      }
      if (values) {
        out.bulk(pairs.get(i + 1));
      }
    }
  }

  static void hkeys(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    all(a, ks, out, true, false);
  }

  static void hvals(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    all(a, ks, out, false, true);
  }

  static void hgetall(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    all(a, ks, out, true, true);
  }

  /**
   * HRANDFIELD key [count [WITHVALUES]]: ZRANDMEMBER's rules (ZSetCommands.randomArgs and
   * randomPositions); a count covering the whole hash lists it in HGETALL's order. A read answered
   * by one peer, so its randomness is local.
   */
  static void hrandfield(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    ZSetCommands.RandomArgs r = ZSetCommands.randomArgs(a, "withvalues");
    List<byte[]> pairs = load(ks, a[1]);
    if (!r.hasCount()) {
      out.bulk(pairs == null ? null
          : pairs.get(2 * java.util.concurrent.ThreadLocalRandom.current().nextInt(pairs.size() / 2)));
      return;
    }
    if (pairs == null || r.count() == 0) {
      out.array(0);
      return;
    }
    int[] pos = ZSetCommands.randomPositions(r.count(), pairs.size() / 2, false);
    out.array(r.with() ? pos.length * 2 : pos.length);
    for (int p : pos) {
      out.bulk(pairs.get(2 * p));
      if (r.with()) {
        out.bulk(pairs.get(2 * p + 1));
      }
    }
  }

  // ---- HSCAN

  /** Whether Redis 7.0 would keep this hash in its listpack encoding (the defaults). */
  static boolean compact(List<byte[]> pairs) {
    if (pairs.size() / 2 > LISTPACK_ENTRIES) {
      return false;
    }
    for (byte[] b : pairs) {
      if (b.length > LISTPACK_VALUE) {
        return false;
      }
    }
    return true;
  }

  /**
   * HSCAN. A hash Redis would keep compact is returned whole with cursor 0, as Redis does. A larger
   * one is walked in the order of a fixed hash of each field, and the cursor is one more than the
   * hash where the next call starts: a field present during the whole iteration is returned
   * whatever else is added or removed meanwhile, on whichever peer each call lands.
   */
  static void hscan(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long cursor = Args.scanCursor(a[2]);
    List<byte[]> pairs = load(ks, a[1]);
    if (pairs == null) {
      out.array(2).bulk("0").array(0);
      return;
    }
    SetScan.Options o = SetScan.options(a, 3, cursor);
    List<byte[]> found = new ArrayList<>();
    long next = 0;
    if (compact(pairs)) {
      for (int i = 0; i < pairs.size(); i += 2) {
        if (matches(o, pairs.get(i))) {
          found.add(pairs.get(i));
          found.add(pairs.get(i + 1));
        }
      }
    } else {
      int n = pairs.size() / 2;
      long[] order = new long[n];
      for (int i = 0; i < n; i++) {
        // hash in the high bits, position in the low ones: sorted by hash, ties in stored order
        order[i] = (SetScan.hash(pairs.get(2 * i)) << 31) | i;
      }
      Arrays.sort(order);
      long start = cursor == 0 ? 0 : cursor - 1;
      int taken = 0;
      long lastHash = -1;
      for (long entry : order) {
        long h = entry >>> 31;
        if (Long.compareUnsigned(h, start) < 0) {
          continue;
        }
        if (taken >= o.count() && h != lastHash) {
          next = h + 1; // never 0: hashes are below 2^32
          break;
        }
        int i = (int) (entry & 0x7fffffffL);
        if (matches(o, pairs.get(2 * i))) {
          found.add(pairs.get(2 * i));
          found.add(pairs.get(2 * i + 1));
        }
        taken++;
        lastHash = h;
      }
    }
    out.array(2).bulk(Long.toUnsignedString(next)).array(found.size());
    for (byte[] b : found) {
      out.bulk(b);
    }
  }

  private static boolean matches(SetScan.Options o, byte[] field) {
    return o.pattern() == null || Glob.matches(o.pattern(), field);
  }
}

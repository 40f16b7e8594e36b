package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import dev.raftkv.protocol.RespOut;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LREM LTRIM LINSERT
 * LPOS LMOVE RPOPLPUSH LMPOP. A list is stored whole, its elements in order ({@link Packed}).
 *
 * <p>The blocking forms (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP) are in {@link BlockingCommands}.
 */
final class ListCommands {

  private ListCommands() {}

  /** The live list at {@code key} as a mutable list, null when absent. */
  private static List<byte[]> load(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r == null) {
      return null;
    }
    if (Record.type(r) != Record.LIST) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    return Packed.unpack(Record.payload(r));
  }

  /** The live LIST record at {@code key}, null when absent. */
  private static byte[] record(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r != null && Record.type(r) != Record.LIST) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    return r;
  }

  /** Stores what a pop left: the rest of the list, or nothing when it is empty. */
  private static void storeRest(Keyspace ks, byte[] key, byte[] rest) {
    if (rest == null) {
      ks.delete(key);
    } else {
      ks.put(key, rest);
    }
  }

  /** Writes the list back, keeping the key's deadline; an empty list deletes the key. */
  private static void store(Keyspace ks, byte[] key, List<byte[]> list) {
    if (list.isEmpty()) {
      ks.delete(key);
      return;
    }
    byte[] old = ks.get(key);
    long expireAt = old == null ? 0 : Record.expireAt(old);
    ks.put(key, Record.encode(Record.LIST, expireAt, Packed.pack(list)));
  }

  /** Redis's getLongFromObjectOrReply with a custom message for both bad syntax and range. */
  private static long longArg(byte[] b, String message) throws CommandError {
    Long v = Args.parseLong(b);
    if (v == null) {
      throw new CommandError(message);
    }
    return v;
  }

  /** Redis's getPositiveLongFromObjectOrReply. */
  private static long positive(byte[] b, String message) throws CommandError {
    long v = longArg(b, message);
    if (v < 0) {
      throw new CommandError(message);
    }
    return v;
  }

  // ---- push

  private static void push(byte[][] a, Keyspace ks, RespOut out, boolean left, boolean onlyIfExists)
      throws CommandError {
    byte[] old = record(ks, a[1]);
    if (old == null && onlyIfExists) {
      out.integer(0);
      return;
    }
    byte[] r = ListRecord.push(old, old == null ? 0 : Record.expireAt(old), a, 2, left);
    ks.put(a[1], r);
    out.integer(ListRecord.count(r));
  }

  static void lpush(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    push(a, ks, out, true, false);
  }

  static void rpush(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    push(a, ks, out, false, false);
  }

  static void lpushx(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    push(a, ks, out, true, true);
  }

  static void rpushx(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    push(a, ks, out, false, true);
  }

  // ---- pop

  /** LPOP/RPOP take at most one count, checked first (on the receiving peer). */
  static byte[][] checkPop(byte[][] a, long now) throws CommandError {
    if (a.length > 3) {
      throw CommandError.arity(Args.str(a[0]).toLowerCase());
    }
    if (a.length == 3) {
      positive(a[2], "ERR value is out of range, must be positive");
    }
    return a;
  }

  private static void pop(byte[][] a, Keyspace ks, RespOut out, boolean left) throws CommandError {
    checkPop(a, 0);
    boolean hasCount = a.length == 3;
    long count = hasCount ? positive(a[2], "ERR value is out of range, must be positive") : 1;
    byte[] r = record(ks, a[1]);
    if (r == null) {
      if (hasCount) {
        out.nilArray();
      } else {
        out.nil();
      }
      return;
    }
    if (hasCount && count == 0) {
      out.array(0);
      return;
    }
    byte[][] rest = new byte[1][];
    List<byte[]> popped = ListRecord.pop(r, left, (int) Math.min(count, Integer.MAX_VALUE), rest);
    storeRest(ks, a[1], rest[0]);
    if (hasCount) {
      out.array(popped.size());
      for (byte[] e : popped) {
        out.bulk(e);
      }
    } else {
      out.bulk(popped.get(0));
    }
  }

  static void lpop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    pop(a, ks, out, true);
  }

  static void rpop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    pop(a, ks, out, false);
  }

  /** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count], validated on the receiving peer. */
  record MpopArgs(int firstKey, int numKeys, boolean left, long count) {}

  static MpopArgs parseMpop(byte[][] a, int numKeysIndex) throws CommandError {
    String numKeysError = "ERR numkeys should be greater than 0";
    long numKeys = longArg(a[numKeysIndex], numKeysError);
    if (numKeys < 1) {
      throw new CommandError(numKeysError);
    }
    if (numKeys >= a.length - numKeysIndex - 1) {
      throw new CommandError(CommandError.SYNTAX);
    }
    int whereIndex = numKeysIndex + (int) numKeys + 1;
    boolean left = where(a[whereIndex]);
    long count = -1;
    for (int j = whereIndex + 1; j < a.length; j++) {
      if (count == -1 && is(a[j], "count") && j + 1 < a.length) {
        j++;
        String countError = "ERR count should be greater than 0";
        count = longArg(a[j], countError);
        if (count < 1) {
          throw new CommandError(countError);
        }
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    return new MpopArgs(numKeysIndex + 1, (int) numKeys, left, count == -1 ? 1 : count);
  }

  static byte[][] checkMpop(byte[][] a, long now) throws CommandError {
    parseMpop(a, 1);
    return a;
  }

  static void lmpop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    MpopArgs m = parseMpop(a, 1);
    for (int i = m.firstKey(); i < m.firstKey() + m.numKeys(); i++) {
      byte[] r = record(ks, a[i]);
      if (r == null) {
        continue;
      }
      byte[][] rest = new byte[1][];
      List<byte[]> popped =
          ListRecord.pop(r, m.left(), (int) Math.min(m.count(), Integer.MAX_VALUE), rest);
      storeRest(ks, a[i], rest[0]);
      out.array(2).bulk(a[i]).array(popped.size());
      for (byte[] e : popped) {
        out.bulk(e);
      }
      return;
    }
    out.nilArray();
  }

  // ---- reads

  static void llen(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = record(ks, a[1]);
    out.integer(r == null ? 0 : ListRecord.count(r));
  }

  static void lrange(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long start = Args.longArg(a[2]);
    long end = Args.longArg(a[3]);
    byte[] r = record(ks, a[1]);
    if (r == null) {
      out.array(0);
      return;
    }
    long n = ListRecord.count(r);
    long[] bounds = Args.indexRange(start, end, n);
    if (bounds == null) {
      out.array(0);
      return;
    }
    start = bounds[0];
    end = bounds[1];
    List<byte[]> range = ListRecord.range(r, (int) start, (int) end);
    out.array(range.size());
    for (byte[] e : range) {
      out.bulk(e);
    }
  }

  /** The position of a Redis index (negative counts from the tail), or -1 when out of range. */
  private static int position(int size, long index) {
    long i = index < 0 ? size + index : index;
    return i < 0 || i >= size ? -1 : (int) i;
  }

  static void lindex(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = record(ks, a[1]);
    if (r == null) {
      out.nil();
      return;
    }
    int i = position(ListRecord.count(r), Args.longArg(a[2]));
    out.bulk(i < 0 ? null : ListRecord.element(r, ListRecord.offset(r, i)));
  }

  static void lpos(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] element = a[2];
    long rank = 1;
    long count = -1;
    long maxlen = 0;
    for (int j = 3; j < a.length; j++) {
      boolean more = j + 1 < a.length;
      if (is(a[j], "rank") && more) {
        rank = Args.longArg(a[++j]);
        if (rank == 0) {
          throw new CommandError("ERR RANK can't be zero: use 1 to start from the first match, "
              + "2 from the second ... or use negative to start from the end of the list");
        }
      } else if (is(a[j], "count") && more) {
        count = positive(a[++j], "ERR COUNT can't be negative");
      } else if (is(a[j], "maxlen") && more) {
        maxlen = positive(a[++j], "ERR MAXLEN can't be negative");
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    boolean fromTail = false;
    if (rank < 0) {
      rank = -rank; // like Redis, Long.MIN_VALUE stays negative: every match then counts
      fromTail = true;
    }
    List<byte[]> list = load(ks, a[1]);
    if (list == null) {
      if (count != -1) {
        out.array(0);
      } else {
        out.nil();
      }
      return;
    }
    int n = list.size();
    List<Long> found = new ArrayList<>();
    long matches = 0;
    for (long index = 0; index < n && (maxlen == 0 || index < maxlen); index++) {
      int at = (int) (fromTail ? n - index - 1 : index);
      if (Arrays.equals(list.get(at), element)) {
        matches++;
        if (matches >= rank) {
          found.add((long) at);
          if (count == -1 || (count != 0 && matches - rank + 1 >= count)) {
            break;
          }
        }
      }
    }
    if (count != -1) {
      out.array(found.size());
      for (long f : found) {
        out.integer(f);
      }
    } else if (found.isEmpty()) {
      out.nil();
    } else {
      out.integer(found.get(0));
    }
  }

  // ---- in-place writes

  static void lset(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    List<byte[]> list = load(ks, a[1]);
    if (list == null) {
      throw new CommandError("ERR no such key");
    }
    int i = position(list.size(), Args.longArg(a[2]));
    if (i < 0) {
      throw new CommandError("ERR index out of range");
    }
    list.set(i, a[3]);
    store(ks, a[1], list);
    out.ok();
  }

  /** LREM's count is parsed before the key is looked at. */
  static byte[][] checkRem(byte[][] a, long now) throws CommandError {
    Args.longArg(a[2]);
    return a;
  }

  static void lrem(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long toRemove = Args.longArg(a[2]);
    List<byte[]> list = load(ks, a[1]);
    if (list == null) {
      out.integer(0);
      return;
    }
    boolean fromTail = toRemove < 0;
    long limit = fromTail ? -toRemove : toRemove; // Long.MIN_VALUE: no limit is ever reached
    long removed = 0;
    int n = list.size();
    boolean[] drop = new boolean[n];
    for (int k = 0; k < n; k++) {
      int i = fromTail ? n - 1 - k : k;
      if (Arrays.equals(list.get(i), a[3])) {
        drop[i] = true;
        removed++;
        if (limit != 0 && removed == limit) {
          break;
        }
      }
    }
    if (removed > 0) {
      List<byte[]> kept = new ArrayList<>(n - (int) removed);
      for (int i = 0; i < n; i++) {
        if (!drop[i]) {
          kept.add(list.get(i));
        }
      }
      store(ks, a[1], kept);
    }
    out.integer(removed);
  }

  /** LTRIM's range is parsed before the key is looked at. */
  static byte[][] checkTrim(byte[][] a, long now) throws CommandError {
    Args.longArg(a[2]);
    Args.longArg(a[3]);
    return a;
  }

  static void ltrim(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long start = Args.longArg(a[2]);
    long end = Args.longArg(a[3]);
    List<byte[]> list = load(ks, a[1]);
    if (list == null) {
      out.ok();
      return;
    }
    long n = list.size();
    long[] range = Args.indexRange(start, end, n);
    List<byte[]> kept = range == null ? List.of() : list.subList((int) range[0], (int) range[1] + 1);
    if (kept.size() != n) {
      store(ks, a[1], new ArrayList<>(kept));
    }
    out.ok();
  }

  /** LINSERT's BEFORE|AFTER is checked before the key is looked at. */
  static byte[][] checkInsert(byte[][] a, long now) throws CommandError {
    if (!is(a[2], "before") && !is(a[2], "after")) {
      throw new CommandError(CommandError.SYNTAX);
    }
    return a;
  }

  static void linsert(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    checkInsert(a, 0);
    boolean after = is(a[2], "after");
    List<byte[]> list = load(ks, a[1]);
    if (list == null) {
      out.integer(0);
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      if (Arrays.equals(list.get(i), a[3])) {
        list.add(after ? i + 1 : i, a[4]);
        store(ks, a[1], list);
        out.integer(list.size());
        return;
      }
    }
    out.integer(-1);
  }

  // ---- moves

  /** LEFT or RIGHT (true for LEFT), else a syntax error. */
  private static boolean where(byte[] b) throws CommandError {
    if (is(b, "left")) {
      return true;
    }
    if (is(b, "right")) {
      return false;
    }
    throw new CommandError(CommandError.SYNTAX);
  }

  static byte[][] checkMove(byte[][] a, long now) throws CommandError {
    where(a[3]);
    where(a[4]);
    return a;
  }

  private static void move(byte[] source, byte[] destination, boolean fromLeft, boolean toLeft,
      Keyspace ks, RespOut out) throws CommandError {
    byte[] src = record(ks, source);
    if (src == null) {
      out.nil();
      return;
    }
    boolean same = Arrays.equals(source, destination);
    byte[] dst = same ? null : record(ks, destination);
    byte[][] rest = new byte[1][];
    byte[] value = ListRecord.pop(src, fromLeft, 1, rest).get(0);
    byte[][] pushed = {value};
    if (same) {
      // the list never stops existing: it keeps its deadline even when it held one element
      ks.put(source, ListRecord.push(rest[0], Record.expireAt(src), pushed, 0, toLeft));
    } else {
      storeRest(ks, source, rest[0]);
      long expireAt = dst == null ? 0 : Record.expireAt(dst);
      ks.put(destination, ListRecord.push(dst, expireAt, pushed, 0, toLeft));
    }
    out.bulk(value);
  }

  static void lmove(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    move(a[1], a[2], where(a[3]), where(a[4]), ks, out);
  }

  static void rpoplpush(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    move(a[1], a[2], false, true, ks, out);
  }
}

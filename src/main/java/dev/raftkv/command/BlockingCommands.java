package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.
 *
 * <p>Each is an ordinary WRITE row. Its normalizer checks the arguments (the timeout included,
 * with Redis 7.0's errors, in Redis's order) on the receiving peer and logs the command with its
 * timeout replaced by {@code 0}: the timeout is the receiving peer's business and never reaches
 * the log. Its executor is the command's non-blocking form, as Redis runs a blocking command
 * inside MULTI or a script: it pops when a key has something, and otherwise answers a null (a nil
 * array; BLMOVE and BRPOPLPUSH a nil bulk). Outside MULTI the receiving peer reads such a null as
 * "would block" and makes the client wait ({@code resp.BlockingWaiters}); no client ever sees it
 * except inside EXEC, where it is Redis's reply.
 *
 * <p>An attempt made after a wake-up is logged with {@code wake} in the timeout's place (see
 * {@link #wakeForm}; no client can send that, the normalizer refuses it): like Redis 7.0 serving
 * a blocked client, it passes over keys that now hold another type instead of answering
 * WRONGTYPE, so a blocked BLPOP stays blocked when its key is SET to a string. (BLMOVE's
 * destination of another type is still WRONGTYPE, as in Redis.)
 */
public final class BlockingCommands {
  private static final Set<String> NAMES = Set.of("blpop", "brpop", "blmove", "brpoplpush",
      "blmpop", "bzpopmin", "bzpopmax", "bzmpop");
  private static final byte[] ZERO = {'0'};
  private static final byte[] WAKE = {'w', 'a', 'k', 'e'};
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);

  private BlockingCommands() {}

  /** True for the rows whose client waits when there is nothing to pop. */
  public static boolean isBlocking(String name) {
    return NAMES.contains(name);
  }

  /**
   * Redis 7.0's getTimeoutFromObjectOrReply in seconds: a long double (strtold: hex, exponents),
   * times 1000, rounded up to a whole millisecond; 0 waits forever. Like Redis on x86-64, a value
   * whose milliseconds do not fit a long long (inf, 1e30) converts to LLONG_MIN and is therefore
   * "negative"; a tiny negative one (-0.0001) rounds up to 0 and waits forever.
   */
  static long timeoutMillis(byte[] arg) throws CommandError {
    BigDecimal v = RedisLongDouble.parse(arg);
    if (v == null) {
      throw new CommandError("ERR timeout is not a float or out of range");
    }
    if (v == RedisLongDouble.POSITIVE_INFINITY || v == RedisLongDouble.NEGATIVE_INFINITY) {
      throw new CommandError("ERR timeout is negative");
    }
    BigDecimal ms = v.multiply(THOUSAND).setScale(0, RoundingMode.CEILING);
    if (ms.signum() < 0 || ms.compareTo(LONG_MAX) > 0 || ms.compareTo(LONG_MIN) < 0) {
      throw new CommandError("ERR timeout is negative");
    }
    return ms.longValueExact();
  }

  /** Where the timeout is: last for most, second (after the name) for BLMPOP and BZMPOP. */
  private static int timeoutIndex(byte[][] a) {
    String n = Args.str(a[0]).toLowerCase(java.util.Locale.ROOT);
    return n.equals("blmpop") || n.equals("bzmpop") ? 1 : a.length - 1;
  }

  /**
   * The client's timeout in milliseconds (0: forever) of a command its normalizer accepted; the
   * receiving peer calls it with the command as sent.
   */
  public static long timeout(byte[][] asSent) throws CommandError {
    return timeoutMillis(asSent[timeoutIndex(asSent)]);
  }

  /** The keys whose changes may let the command pop (BLMOVE's destination is not one). */
  public static List<byte[]> wakeKeys(byte[][] a) {
    String n = Args.str(a[0]).toLowerCase(java.util.Locale.ROOT);
    switch (n) {
      case "blmove", "brpoplpush" -> {
        return List.of(a[1]);
      }
      case "blmpop", "bzmpop" -> {
        Long numKeys = Args.parseLong(a[2]);
        int k = numKeys == null ? 0 : (int) Math.min(numKeys, a.length - 3);
        return Arrays.asList(a).subList(3, 3 + Math.max(0, k));
      }
      default -> {
        return Arrays.asList(a).subList(1, a.length - 1);
      }
    }
  }

  /** The log form of an attempt after a wake-up: {@code wake} where the timeout was. */
  public static byte[][] wakeForm(byte[][] logged) {
    byte[][] c = logged.clone();
    c[timeoutIndex(logged)] = WAKE;
    return c;
  }

  private static boolean isWake(byte[][] a, int timeoutIndex) {
    return Arrays.equals(a[timeoutIndex], WAKE);
  }

  /**
   * For a wake-up attempt: the keys from {@code first} on ({@code n} of them) that are absent or
   * hold {@code type}; the others are passed over, as Redis does when it serves a blocked client.
   */
  private static List<byte[]> ofType(Keyspace ks, byte[][] a, int first, int n, byte type) {
    List<byte[]> keep = new java.util.ArrayList<>(n);
    for (int i = first; i < first + n; i++) {
      byte[] r = ks.get(a[i]);
      if (r == null || Record.type(r) == type) {
        keep.add(a[i]);
      }
    }
    return keep;
  }

  /** LMPOP/ZMPOP arguments over other keys: name numkeys keys... rest-from-{@code restFrom}. */
  private static byte[][] mpopOver(String name, List<byte[]> keys, byte[][] a, int restFrom) {
    List<byte[]> c = new java.util.ArrayList<>();
    c.add(Args.bytes(name));
    c.add(Args.bytes(Integer.toString(keys.size())));
    c.addAll(keys);
    c.addAll(Arrays.asList(a).subList(restFrom, a.length));
    return c.toArray(new byte[0][]);
  }

  /** The log form: the timeout replaced by 0, so nothing of the client's clock is logged. */
  private static byte[][] logged(byte[][] a, int timeoutIndex) {
    byte[][] c = a.clone();
    c[timeoutIndex] = ZERO;
    return c;
  }

  /** The command without its timeout, under another name (BLMPOP as LMPOP, BZMPOP as ZMPOP). */
  private static byte[][] withoutTimeout(byte[][] a, String name) {
    byte[][] c = new byte[a.length - 1][];
    c[0] = Args.bytes(name);
    System.arraycopy(a, 2, c, 1, a.length - 2);
    return c;
  }

  // ---- normalizers: Redis's checks in Redis's order

  /** BLPOP BRPOP BZPOPMIN BZPOPMAX key [key ...] timeout: the timeout is checked first. */
  static byte[][] normalizeKeysTimeout(byte[][] a, long now) throws CommandError {
    timeoutMillis(a[a.length - 1]);
    return logged(a, a.length - 1);
  }

  /** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: the directions first. */
  static byte[][] normalizeBlmove(byte[][] a, long now) throws CommandError {
    ListCommands.checkMove(a, now);
    timeoutMillis(a[5]);
    return logged(a, 5);
  }

  /** BRPOPLPUSH source destination timeout. */
  static byte[][] normalizeBrpoplpush(byte[][] a, long now) throws CommandError {
    timeoutMillis(a[3]);
    return logged(a, 3);
  }

  /** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: LMPOP's checks, then the timeout. */
  static byte[][] normalizeBlmpop(byte[][] a, long now) throws CommandError {
    ListCommands.parseMpop(a, 2);
    timeoutMillis(a[1]);
    return logged(a, 1);
  }

  /** BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: ZMPOP's checks, then the timeout. */
  static byte[][] normalizeBzmpop(byte[][] a, long now) throws CommandError {
    ZSetCommands.parseZmpop(withoutTimeout(a, "zmpop"));
    timeoutMillis(a[1]);
    return logged(a, 1);
  }

  // ---- executors: the non-blocking forms

  /** BLPOP/BRPOP: [key, element] from the first non-empty list; the keys before it must be lists. */
  private static void listPop(byte[][] a, Keyspace ks, RespOut out, boolean left) throws CommandError {
    boolean wake = isWake(a, a.length - 1);
    for (int i = 1; i < a.length - 1; i++) {
      byte[] r = ks.get(a[i]);
      if (r == null || wake && Record.type(r) != Record.LIST) {
        continue;
      }
      if (Record.type(r) != Record.LIST) {
        throw new CommandError(CommandError.WRONGTYPE);
      }
      byte[][] rest = new byte[1][];
      byte[] value = ListRecord.pop(r, left, 1, rest).get(0);
      if (rest[0] == null) {
        ks.delete(a[i]);
      } else {
        ks.put(a[i], rest[0]);
      }
      out.array(2).bulk(a[i]).bulk(value);
      return;
    }
    out.nilArray();
  }

  static void blpop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    listPop(a, ks, out, true);
  }

  static void brpop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    listPop(a, ks, out, false);
  }

  /** A wake-up attempt whose source now holds another type finds nothing (it stays blocked). */
  private static boolean sourceOfOtherType(byte[][] a, int timeoutIndex, Keyspace ks) {
    if (!isWake(a, timeoutIndex)) {
      return false;
    }
    byte[] r = ks.get(a[1]);
    return r != null && Record.type(r) != Record.LIST;
  }

  static void blmove(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (sourceOfOtherType(a, 5, ks)) {
      out.nil();
      return;
    }
    ListCommands.lmove(a, ks, out);
  }

  static void brpoplpush(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (sourceOfOtherType(a, 3, ks)) {
      out.nil();
      return;
    }
    ListCommands.rpoplpush(a, ks, out);
  }

  static void blmpop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (isWake(a, 1)) {
      ListCommands.MpopArgs m = ListCommands.parseMpop(a, 2);
      List<byte[]> keys = ofType(ks, a, m.firstKey(), m.numKeys(), Record.LIST);
      if (keys.isEmpty()) {
        out.nilArray();
      } else {
        ListCommands.lmpop(mpopOver("lmpop", keys, a, m.firstKey() + m.numKeys()), ks, out);
      }
      return;
    }
    ListCommands.lmpop(withoutTimeout(a, "lmpop"), ks, out);
  }

  /** BZPOPMIN/BZPOPMAX: [key, member, score] from the first non-empty sorted set. */
  private static void zsetPop(byte[][] a, Keyspace ks, RespOut out, boolean max) throws CommandError {
    boolean wake = isWake(a, a.length - 1);
    for (int i = 1; i < a.length - 1; i++) {
      if (wake) {
        byte[] r = ks.get(a[i]);
        if (r != null && Record.type(r) != Record.ZSET) {
          continue;
        }
      }
      ZSetData z = ZSetData.read(ks, a[i]);
      if (z == null) {
        continue;
      }
      ZSetData.Entry e = z.get(max ? z.size() - 1 : 0);
      if (max) {
        z.removeRange(z.size() - 1, z.size());
      } else {
        z.removeRange(0, 1);
      }
      z.write(ks, a[i]);
      out.array(3).bulk(a[i]).bulk(e.member());
      ZSetCommands.score(out, e.score());
      return;
    }
    out.nilArray();
  }

  static void bzpopmin(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    zsetPop(a, ks, out, false);
  }

  static void bzpopmax(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    zsetPop(a, ks, out, true);
  }

  static void bzmpop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (isWake(a, 1)) {
      Long numKeys = Args.parseLong(a[2]);
      int n = numKeys == null ? 0 : numKeys.intValue(); // checked by the normalizer
      List<byte[]> keys = ofType(ks, a, 3, n, Record.ZSET);
      if (keys.isEmpty()) {
        out.nilArray();
      } else {
        ZSetCommands.zmpop(mpopOver("zmpop", keys, a, 3 + n), ks, out);
      }
      return;
    }
    ZSetCommands.zmpop(withoutTimeout(a, "zmpop"), ks, out);
  }
}

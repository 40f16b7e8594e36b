package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import dev.raftkv.command.ZSetData.Entry;
import dev.raftkv.command.ZSetData.LexRange;
import dev.raftkv.command.ZSetData.Range;
import dev.raftkv.command.ZSetData.ScoreRange;
import dev.raftkv.resp.RespOut;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sorted set commands, with Redis 7.0's parsing, errors and score formatting (see
 * {@link ZSetDoubles}). Elements are ordered by (score, member bytes).
 */
final class ZSetCommands {
  private static final String NAN = "ERR resulting score is not a number (NaN)";
  private static final String NOT_FLOAT_RANGE = "ERR min or max is not a float";
  private static final String NOT_LEX_RANGE = "ERR min or max not valid string range item";
  private static final String NOT_POSITIVE = "ERR value is out of range, must be positive";

  private ZSetCommands() {}

  /** A score in a reply (RESP2: a bulk string in C's %.17g). */
  static void score(RespOut out, double d) {
    out.bulk(ZSetDoubles.format(d));
  }

  // ---------------------------------------------------------------- ZADD, ZINCRBY

  /** Parsed ZADD: flags, then the score/member pairs. */
  record ZAdd(boolean nx, boolean xx, boolean gt, boolean lt, boolean ch, boolean incr,
      double[] scores, byte[][] members) {}

  /**
   * Parses ZADD (options from argv[2]) or ZINCRBY (the same parser with INCR set, as in Redis,
   * where an option word in the increment's place is a syntax error).
   */
  static ZAdd parseZadd(byte[][] a, boolean incr) throws CommandError {
    boolean nx = false;
    boolean xx = false;
    boolean gt = false;
    boolean lt = false;
    boolean ch = false;
    int i = 2;
    for (; i < a.length; i++) {
      byte[] o = a[i];
      if (is(o, "nx")) {
        nx = true;
      } else if (is(o, "xx")) {
        xx = true;
      } else if (is(o, "ch")) {
        ch = true;
      } else if (is(o, "incr")) {
        incr = true;
      } else if (is(o, "gt")) {
        gt = true;
      } else if (is(o, "lt")) {
        lt = true;
      } else {
        break;
      }
    }
    int elements = a.length - i;
    if (elements == 0 || elements % 2 != 0) {
      throw new CommandError(CommandError.SYNTAX);
    }
    elements /= 2;
    if (nx && xx) {
      throw new CommandError("ERR XX and NX options at the same time are not compatible");
    }
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
      throw new CommandError("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if (incr && elements > 1) {
      throw new CommandError("ERR INCR option supports a single increment-element pair");
    }
    double[] scores = new double[elements];
    byte[][] members = new byte[elements][];
    for (int j = 0; j < elements; j++) {
      scores[j] = ZSetDoubles.scoreArg(a[i + 2 * j]);
      members[j] = a[i + 2 * j + 1];
    }
    return new ZAdd(nx, xx, gt, lt, ch, incr, scores, members);
  }

  static byte[][] normalizeZadd(byte[][] a, long now) throws CommandError {
    parseZadd(a, false);
    return a;
  }

  static byte[][] normalizeZincrby(byte[][] a, long now) throws CommandError {
    parseZadd(a, true);
    return a;
  }

  static void zadd(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    addGeneric(parseZadd(a, false), a[1], ks, out);
  }

  static void zincrby(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    addGeneric(parseZadd(a, true), a[1], ks, out);
  }

  private static void addGeneric(ZAdd p, byte[] key, Keyspace ks, RespOut out) throws CommandError {
    ZSetData z = ZSetData.read(ks, key);
    long added = 0;
    long updated = 0;
    long processed = 0;
    double last = 0;
    if (z != null || !p.xx()) {
      if (z == null) {
        z = ZSetData.empty();
      }
      for (int j = 0; j < p.scores().length; j++) {
        double s = p.scores()[j];
        byte[] m = p.members()[j];
        Double cur = z.score(m);
        if (cur != null) {
          if (p.nx()) {
            continue;
          }
          if (p.incr()) {
            s += cur;
            if (Double.isNaN(s)) {
              throw new CommandError(NAN); // only one pair with INCR: nothing written yet
            }
          }
          if ((p.lt() && s >= cur) || (p.gt() && s <= cur)) {
            continue;
          }
          if (s != cur) {
            z.put(m, s);
            updated++;
          }
        } else if (!p.xx()) {
          z.put(m, s);
          added++;
        } else {
          continue;
        }
        processed++;
        last = s;
      }
      if (added + updated > 0) {
        z.write(ks, key);
      }
    }
    if (p.incr()) {
      if (processed > 0) {
        score(out, last);
      } else {
        out.nil();
      }
    } else {
      out.integer(p.ch() ? added + updated : added);
    }
  }

  // ---------------------------------------------------------------- simple reads and removal

  static void zrem(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    ZSetData z = ZSetData.read(ks, a[1]);
    long removed = 0;
    if (z != null) {
      for (int i = 2; i < a.length; i++) {
        if (z.remove(a[i])) {
          removed++;
        }
      }
      if (removed > 0) {
        z.write(ks, a[1]);
      }
    }
    out.integer(removed);
  }

  static void zscore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    ZSetData z = ZSetData.read(ks, a[1]);
    Double s = z == null ? null : z.score(a[2]);
    if (s == null) {
      out.nil();
    } else {
      score(out, s);
    }
  }

  static void zmscore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    ZSetData z = ZSetData.read(ks, a[1]);
    out.array(a.length - 2);
    for (int i = 2; i < a.length; i++) {
      Double s = z == null ? null : z.score(a[i]);
      if (s == null) {
        out.nil();
      } else {
        score(out, s);
      }
    }
  }

  static void zcard(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    ZSetData z = ZSetData.read(ks, a[1]);
    out.integer(z == null ? 0 : z.size());
  }

  static void zrank(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    rank(a, ks, out, false);
  }

  static void zrevrank(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    rank(a, ks, out, true);
  }

  private static void rank(byte[][] a, Keyspace ks, RespOut out, boolean reverse) throws CommandError {
    ZSetData z = ZSetData.read(ks, a[1]);
    int r = z == null ? -1 : z.rank(a[2]);
    if (r < 0) {
      out.nil();
    } else {
      out.integer(reverse ? z.size() - 1 - r : r);
    }
  }

  // ---------------------------------------------------------------- ranges

  /** A score range from two arguments, "(" making a bound exclusive. */
  static ScoreRange scoreRange(byte[] min, byte[] max) throws CommandError {
    boolean minEx = min.length > 0 && min[0] == '(';
    boolean maxEx = max.length > 0 && max[0] == '(';
    Double lo = ZSetDoubles.parseBound(min, minEx ? 1 : 0);
    Double hi = ZSetDoubles.parseBound(max, maxEx ? 1 : 0);
    if (lo == null || hi == null) {
      throw new CommandError(NOT_FLOAT_RANGE);
    }
    return new ScoreRange(lo, minEx, hi, maxEx);
  }

  /** A member range: "[x" inclusive, "(x" exclusive, "-" and "+" the ends. */
  static LexRange lexRange(byte[] min, byte[] max) throws CommandError {
    int[] kinds = new int[2];
    boolean[] ex = new boolean[2];
    byte[][] values = new byte[2][];
    byte[][] args = {min, max};
    for (int i = 0; i < 2; i++) {
      byte[] b = args[i];
      if (b.length == 0) {
        throw new CommandError(NOT_LEX_RANGE);
      }
      switch (b[0]) {
        case '+', '-' -> {
          if (b.length != 1) {
            throw new CommandError(NOT_LEX_RANGE);
          }
          kinds[i] = b[0] == '+' ? 1 : -1;
          ex[i] = true;
          values[i] = new byte[0];
        }
        case '(', '[' -> {
          ex[i] = b[0] == '(';
          values[i] = Arrays.copyOfRange(b, 1, b.length);
        }
        default -> throw new CommandError(NOT_LEX_RANGE);
      }
    }
    return new LexRange(values[0], kinds[0], ex[0], values[1], kinds[1], ex[1]);
  }

  private enum Kind { AUTO, RANK, SCORE, LEX }

  /** The entries selected by [start, end] ranks (negative from the end), walking down if reverse. */
  private static List<Entry> byRank(ZSetData z, long start, long end, boolean reverse) {
    long n = z.size();
    List<Entry> out = new ArrayList<>();
    long[] range = Args.indexRange(start, end, n);
    if (range == null) {
      return out;
    }
    for (long r = range[0]; r <= range[1]; r++) {
      out.add(z.get((int) (reverse ? n - 1 - r : r)));
    }
    return out;
  }

  /**
   * ZRANGE and its older forms, like Redis's zrangeGenericCommand: options after the range,
   * LIMIT only with BYSCORE/BYLEX, WITHSCORES not with BYLEX, REV swaps min and max for score
   * and lex ranges. With store, the result goes to argv[1] (ZRANGESTORE).
   */
  private static void range(byte[][] a, Keyspace ks, RespOut out, boolean store, Kind kind,
      Boolean reverseFixed) throws CommandError {
    int keyIdx = store ? 2 : 1;
    boolean withScores = false;
    long offset = 0;
    long limit = -1;
    Boolean reverse = reverseFixed;
    for (int j = keyIdx + 3; j < a.length; j++) {
      int left = a.length - j - 1;
      if (!store && is(a[j], "withscores")) {
        withScores = true;
      } else if (is(a[j], "limit") && left >= 2) {
        offset = Args.longArg(a[j + 1]);
        limit = Args.longArg(a[j + 2]);
        j += 2;
      } else if (reverse == null && is(a[j], "rev")) {
        reverse = true;
      } else if (kind == Kind.AUTO && is(a[j], "bylex")) {
        kind = Kind.LEX;
      } else if (kind == Kind.AUTO && is(a[j], "byscore")) {
        kind = Kind.SCORE;
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    boolean rev = reverse != null && reverse;
    if (kind == Kind.AUTO) {
      kind = Kind.RANK;
    }
    if (limit != -1 && kind == Kind.RANK) {
      throw new CommandError(
          "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    }
    if (withScores && kind == Kind.LEX) {
      throw new CommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    byte[] minArg = a[keyIdx + 1];
    byte[] maxArg = a[keyIdx + 2];
    if (rev && kind != Kind.RANK) {
      byte[] t = minArg;
      minArg = maxArg;
      maxArg = t;
    }
    long start = 0;
    long end = 0;
    Range range = null;
    switch (kind) {
      case SCORE -> range = scoreRange(minArg, maxArg);
      case LEX -> range = lexRange(minArg, maxArg);
      default -> {
        start = Args.longArg(minArg);
        end = Args.longArg(maxArg);
      }
    }
    ZSetData z = ZSetData.read(ks, a[keyIdx]);
    List<Entry> result;
    if (z == null) {
      result = List.of();
    } else if (kind == Kind.RANK) {
      result = byRank(z, start, end, rev);
    } else {
      result = z.select(range, rev, offset, limit);
    }
    if (store) {
      ZSetData dst = ZSetData.empty();
      for (Entry e : result) {
        dst.put(e.member(), e.score());
      }
      dst.write(ks, a[1], 0);
      out.integer(result.size());
      return;
    }
    out.array(withScores ? result.size() * 2 : result.size());
    for (Entry e : result) {
      out.bulk(e.member());
      if (withScores) {
        score(out, e.score());
      }
    }
  }

  static void zrange(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    range(a, ks, out, false, Kind.AUTO, null);
  }

  static void zrevrange(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    range(a, ks, out, false, Kind.RANK, true);
  }

  static void zrangebyscore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    range(a, ks, out, false, Kind.SCORE, false);
  }

  static void zrevrangebyscore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    range(a, ks, out, false, Kind.SCORE, true);
  }

  static void zrangebylex(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    range(a, ks, out, false, Kind.LEX, false);
  }

  static void zrevrangebylex(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    range(a, ks, out, false, Kind.LEX, true);
  }

  static void zrangestore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    range(a, ks, out, true, Kind.AUTO, null);
  }

  static void zcount(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    countIn(scoreRange(a[2], a[3]), a[1], ks, out);
  }

  static void zlexcount(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    countIn(lexRange(a[2], a[3]), a[1], ks, out);
  }

  private static void countIn(Range r, byte[] key, Keyspace ks, RespOut out) throws CommandError {
    ZSetData z = ZSetData.read(ks, key);
    int first = z == null ? -1 : z.firstIn(r);
    out.integer(first < 0 ? 0 : z.endOfRun(r, first) - first);
  }

  // ---------------------------------------------------------------- removal by range, pops

  static void zremrangebyrank(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long start = Args.longArg(a[2]);
    long end = Args.longArg(a[3]);
    ZSetData z = ZSetData.read(ks, a[1]);
    if (z == null) {
      out.integer(0);
      return;
    }
    long n = z.size();
    long[] range = Args.indexRange(start, end, n);
    if (range == null) {
      out.integer(0);
      return;
    }
    z.removeRange((int) range[0], (int) range[1] + 1);
    z.write(ks, a[1]);
    out.integer(range[1] - range[0] + 1);
  }

  static void zremrangebyscore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    removeIn(scoreRange(a[2], a[3]), a[1], ks, out);
  }

  static void zremrangebylex(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    removeIn(lexRange(a[2], a[3]), a[1], ks, out);
  }

  private static void removeIn(Range r, byte[] key, Keyspace ks, RespOut out) throws CommandError {
    ZSetData z = ZSetData.read(ks, key);
    int first = z == null ? -1 : z.firstIn(r);
    if (first < 0) {
      out.integer(0);
      return;
    }
    int end = z.endOfRun(r, first);
    z.removeRange(first, end);
    z.write(ks, key);
    out.integer(end - first);
  }

  /** Validates a range-removal on the receiving peer so a malformed one never reaches the log. */
  static byte[][] normalizeRemoveRange(byte[][] a, long now) throws CommandError {
    if (is(a[0], "zremrangebyrank")) {
      Args.longArg(a[2]);
      Args.longArg(a[3]);
    } else if (is(a[0], "zremrangebyscore")) {
      scoreRange(a[2], a[3]);
    } else {
      lexRange(a[2], a[3]);
    }
    return a;
  }

  /** ZPOPMIN/ZPOPMAX's count: -1 when absent. */
  private static long popCount(byte[][] a) throws CommandError {
    if (a.length > 3) {
      throw new CommandError(CommandError.SYNTAX);
    }
    if (a.length < 3) {
      return -1;
    }
    Long v = Args.parseLong(a[2]);
    if (v == null || v < 0) {
      throw new CommandError(NOT_POSITIVE);
    }
    return v;
  }

  static byte[][] normalizePop(byte[][] a, long now) throws CommandError {
    popCount(a);
    return a;
  }

  static void zpopmin(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    pop(a, ks, out, false);
  }

  static void zpopmax(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    pop(a, ks, out, true);
  }

  private static void pop(byte[][] a, Keyspace ks, RespOut out, boolean max) throws CommandError {
    long count = popCount(a);
    ZSetData z = ZSetData.read(ks, a[1]);
    if (z == null || count == 0) {
      out.array(0);
      return;
    }
    int n = (int) Math.min(count < 0 ? 1 : count, z.size());
    List<Entry> popped = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      popped.add(z.get(max ? z.size() - 1 - i : i));
    }
    if (max) {
      z.removeRange(z.size() - n, z.size());
    } else {
      z.removeRange(0, n);
    }
    z.write(ks, a[1]);
    out.array(n * 2);
    for (Entry e : popped) {
      out.bulk(e.member());
      score(out, e.score());
    }
  }

  // ---------------------------------------------------------------- ZSCAN

  static void zscan(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long cursor = Args.scanCursor(a[2]);
    ZSetData z = ZSetData.read(ks, a[1]);
    if (z == null) {
      out.array(2).bulk("0").array(0);
      return;
    }
    List<Entry> entries = new ArrayList<>(z.size());
    for (int i = 0; i < z.size(); i++) {
      entries.add(z.get(i));
    }
    SetScan.Page<Entry> page = SetScan.page(entries, Entry::member, SetScan.options(a, 3, cursor));
    out.array(2).bulk(Long.toUnsignedString(page.next()));
    out.array(page.items().size() * 2);
    for (Entry e : page.items()) {
      out.bulk(e.member());
      out.bulk(ZSetDoubles.formatStored(e.score()));
    }
  }
}

package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import dev.raftkv.command.ZSetData.Entry;
import dev.raftkv.command.ZSetData.LexRange;
import dev.raftkv.command.ZSetData.Range;
import dev.raftkv.command.ZSetData.ScoreRange;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.store.Key;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

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

  // ---------------------------------------------------------------- ZUNION, ZINTER, ZDIFF, ZINTERCARD

  private enum SetOp { UNION, INTER, DIFF }

  private enum Aggregate { SUM, MIN, MAX }

  /** One input of the set algebra: a sorted set, a set (every member scores 1) or a missing key. */
  private static final class Source {
    final ZSetData zset;
    final List<byte[]> set;
    double weight = 1;

    Source(ZSetData zset, List<byte[]> set) {
      this.zset = zset;
      this.set = set;
    }

    int size() {
      return zset != null ? zset.size() : set != null ? set.size() : 0;
    }

    byte[] member(int i) {
      return zset != null ? zset.get(i).member() : set.get(i);
    }

    double score(int i) {
      return zset != null ? zset.get(i).score() : 1.0;
    }

    /** The member's score here, null when absent. */
    Double find(byte[] m) {
      if (zset != null) {
        return zset.score(m);
      }
      return set != null && Collections.binarySearch(set, m, SetCommands.BYTEWISE) >= 0
          ? 1.0 : null;
    }
  }

  /** The input at key: a sorted set or a set; WRONGTYPE for any other type. */
  private static Source source(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r == null) {
      return new Source(null, null);
    }
    if (Record.type(r) == Record.SET) {
      return new Source(null, SetCommands.read(ks, key).members());
    }
    return new Source(ZSetData.read(ks, key), null); // WRONGTYPE unless a sorted set
  }

  /** numkeys at a[idx], with Redis's checks made before any key is read. */
  private static int numKeys(byte[][] a, int idx, String command) throws CommandError {
    long n = Args.longArg(a[idx]);
    if (n < 1) {
      throw new CommandError("ERR at least 1 input key is needed for '" + command + "' command");
    }
    if (n > a.length - (idx + 1)) {
      throw new CommandError(CommandError.SYNTAX);
    }
    return (int) n;
  }

  /** ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: numkeys is checked on the receiving peer, the rest (after the key types, as in Redis) at apply time. */
  static byte[][] normalizeStore(byte[][] a, long now) throws CommandError {
    numKeys(a, 2, Args.str(a[0]).toLowerCase(Locale.ROOT));
    return a;
  }

  private static double aggregate(double target, double value, Aggregate agg) {
    return switch (agg) {
      case SUM -> {
        double s = target + value;
        yield Double.isNaN(s) ? 0.0 : s; // inf + -inf is 0, as in Redis
      }
      case MIN -> value < target ? value : target;
      case MAX -> value > target ? value : target;
    };
  }

  /**
   * Redis's zunionInterDiffGenericCommand: numkeys at a[idx] (1, or 2 after a destination), the
   * keys' types, then WEIGHTS / AGGREGATE (not for ZDIFF or ZINTERCARD), WITHSCORES (not when
   * storing), LIMIT (ZINTERCARD only). Inputs are ordered by size (stably) for union and
   * intersection, which fixes the order weighted scores are summed in. A NaN product (0 * inf)
   * counts as 0, and so does a NaN sum.
   */
  private static void setOp(byte[][] a, Keyspace ks, RespOut out, String command, SetOp op,
      boolean store, boolean cardinalityOnly) throws CommandError {
    int idx = store ? 2 : 1;
    int n = numKeys(a, idx, command);
    Source[] src = new Source[n];
    for (int i = 0; i < n; i++) {
      src[i] = source(ks, a[idx + 1 + i]);
    }
    Aggregate agg = Aggregate.SUM;
    boolean withScores = false;
    long limit = 0;
    int j = idx + 1 + n;
    while (j < a.length) {
      int remaining = a.length - j;
      if (op != SetOp.DIFF && !cardinalityOnly && remaining >= n + 1 && is(a[j], "weights")) {
        j++;
        for (int i = 0; i < n; i++, j++) {
          Double w = ZSetDoubles.parseScore(a[j]);
          if (w == null) {
            throw new CommandError("ERR weight value is not a float");
          }
          src[i].weight = w;
        }
      } else if (op != SetOp.DIFF && !cardinalityOnly && remaining >= 2 && is(a[j], "aggregate")) {
        byte[] v = a[j + 1];
        if (is(v, "sum")) {
          agg = Aggregate.SUM;
        } else if (is(v, "min")) {
          agg = Aggregate.MIN;
        } else if (is(v, "max")) {
          agg = Aggregate.MAX;
        } else {
          throw new CommandError(CommandError.SYNTAX);
        }
        j += 2;
      } else if (!store && !cardinalityOnly && is(a[j], "withscores")) {
        withScores = true;
        j++;
      } else if (cardinalityOnly && remaining >= 2 && is(a[j], "limit")) {
        Long l = Args.parseLong(a[j + 1]);
        if (l == null || l < 0) {
          throw new CommandError("ERR LIMIT can't be negative");
        }
        limit = l;
        j += 2;
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    if (op != SetOp.DIFF) {
      Arrays.sort(src, Comparator.comparingInt(Source::size)); // stable, like glibc's qsort here
    }
    List<Entry> result = new ArrayList<>();
    long cardinality = 0;
    switch (op) {
      case INTER -> {
        Source first = src[0];
        for (int e = 0; e < first.size(); e++) {
          byte[] m = first.member(e);
          double score = first.weight * first.score(e);
          if (Double.isNaN(score)) {
            score = 0;
          }
          int k = 1;
          for (; k < n; k++) {
            Double v = src[k].find(m);
            if (v == null) {
              break;
            }
            score = aggregate(score, v * src[k].weight, agg);
          }
          if (k < n) {
            continue;
          }
          if (cardinalityOnly) {
            if (++cardinality == limit) {
              break;
            }
          } else {
            result.add(new Entry(m, score));
          }
        }
      }
      case UNION -> {
        Map<Key, double[]> acc = new HashMap<>();
        for (Source s : src) {
          for (int e = 0; e < s.size(); e++) {
            double score = s.weight * s.score(e);
            if (Double.isNaN(score)) {
              score = 0;
            }
            byte[] m = s.member(e);
            double[] cur = acc.get(new Key(m));
            if (cur == null) {
              acc.put(new Key(m), new double[] {score});
              result.add(new Entry(m, 0)); // the score is filled in below
            } else {
              cur[0] = aggregate(cur[0], score, agg);
            }
          }
        }
        for (int i = 0; i < result.size(); i++) {
          byte[] m = result.get(i).member();
          result.set(i, new Entry(m, acc.get(new Key(m))[0]));
        }
      }
      case DIFF -> {
        Source first = src[0];
        for (int e = 0; e < first.size(); e++) {
          byte[] m = first.member(e);
          boolean elsewhere = false;
          for (int k = 1; k < n && !elsewhere; k++) {
            elsewhere = src[k].find(m) != null;
          }
          if (!elsewhere) {
            result.add(new Entry(m, first.score(e)));
          }
        }
      }
      default -> throw new IllegalStateException();
    }
    if (cardinalityOnly) {
      out.integer(cardinality);
      return;
    }
    result.sort((x, y) -> ZSetData.compare(x.score(), x.member(), y.score(), y.member()));
    if (store) {
      ZSetData.ofSorted(result).write(ks, a[1], 0);
      out.integer(result.size());
      return;
    }
    out.array(withScores ? result.size() * 2 : result.size());
    for (Entry e : result) {
      out.bulk(e.member());
      if (withScores) {
        score(out, e.score()); // not stored, so a -0 is replied as -0, like Redis
      }
    }
  }

  static void zunion(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    setOp(a, ks, out, "zunion", SetOp.UNION, false, false);
  }

  static void zinter(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    setOp(a, ks, out, "zinter", SetOp.INTER, false, false);
  }

  static void zdiff(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    setOp(a, ks, out, "zdiff", SetOp.DIFF, false, false);
  }

  static void zintercard(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    setOp(a, ks, out, "zintercard", SetOp.INTER, false, true);
  }

  static void zunionstore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    setOp(a, ks, out, "zunionstore", SetOp.UNION, true, false);
  }

  static void zinterstore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    setOp(a, ks, out, "zinterstore", SetOp.INTER, true, false);
  }

  static void zdiffstore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    setOp(a, ks, out, "zdiffstore", SetOp.DIFF, true, false);
  }

  // ---------------------------------------------------------------- ZMPOP

  /** Parsed ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]. */
  record Mpop(int numKeys, boolean max, long count) {}

  /** ZMPOP's arguments with Redis's errors, all checked before any key is read. */
  static Mpop parseZmpop(byte[][] a) throws CommandError {
    String numKeysError = "ERR numkeys should be greater than 0";
    Long numKeys = Args.parseLong(a[1]);
    if (numKeys == null || numKeys < 1) {
      throw new CommandError(numKeysError);
    }
    if (numKeys >= a.length - 2) {
      throw new CommandError(CommandError.SYNTAX);
    }
    int whereIndex = 2 + numKeys.intValue();
    boolean max;
    if (is(a[whereIndex], "min")) {
      max = false;
    } else if (is(a[whereIndex], "max")) {
      max = true;
    } else {
      throw new CommandError(CommandError.SYNTAX);
    }
    long count = -1;
    for (int j = whereIndex + 1; j < a.length; j++) {
      if (count == -1 && is(a[j], "count") && j + 1 < a.length) {
        Long c = Args.parseLong(a[++j]);
        if (c == null || c < 1) {
          throw new CommandError("ERR count should be greater than 0");
        }
        count = c;
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    return new Mpop(numKeys.intValue(), max, count == -1 ? 1 : count);
  }

  static byte[][] normalizeZmpop(byte[][] a, long now) throws CommandError {
    parseZmpop(a);
    return a;
  }

  /**
   * Pops from the first non-empty sorted set of the keys; the keys before it that exist must be
   * sorted sets (the ones after it are not looked at). Reply: [key, [[member, score], ...]], or a
   * nil array when every key is missing.
   */
  static void zmpop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    Mpop p = parseZmpop(a);
    for (int i = 2; i < 2 + p.numKeys(); i++) {
      ZSetData z = ZSetData.read(ks, a[i]);
      if (z == null) {
        continue;
      }
      int n = (int) Math.min(p.count(), z.size());
      List<Entry> popped = new ArrayList<>(n);
      for (int k = 0; k < n; k++) {
        popped.add(z.get(p.max() ? z.size() - 1 - k : k));
      }
      if (p.max()) {
        z.removeRange(z.size() - n, z.size());
      } else {
        z.removeRange(0, n);
      }
      z.write(ks, a[i]);
      out.array(2).bulk(a[i]).array(n);
      for (Entry e : popped) {
        out.array(2).bulk(e.member());
        score(out, e.score());
      }
      return;
    }
    out.nilArray();
  }

  // ---------------------------------------------------------------- ZRANDMEMBER (and HRANDFIELD's rules)

  /** Parsed ZRANDMEMBER/HRANDFIELD key [count [WITHSCORES|WITHVALUES]]. */
  record RandomArgs(boolean hasCount, long count, boolean with) {}

  /** Redis's checks of ZRANDMEMBER's and HRANDFIELD's arguments, in its order. */
  static RandomArgs randomArgs(byte[][] a, String withOption) throws CommandError {
    if (a.length < 3) {
      return new RandomArgs(false, 1, false);
    }
    long l = Args.longArg(a[2]);
    if (l == Long.MIN_VALUE) {
      throw new CommandError("ERR value is out of range, value must between " + -Long.MAX_VALUE
          + " and " + Long.MAX_VALUE);
    }
    if (a.length > 4 || (a.length == 4 && !is(a[3], withOption))) {
      throw new CommandError(CommandError.SYNTAX);
    }
    boolean with = a.length == 4;
    if (with && (l < -Long.MAX_VALUE / 2 || l > Long.MAX_VALUE / 2)) {
      throw new CommandError("ERR value is out of range");
    }
    return new RandomArgs(true, l, with);
  }

  /**
   * The positions (of n > 0 elements) a random read with this count answers, like Redis: a
   * negative count picks |count| positions that may repeat, a count of at least n gives every
   * position (last to first when reverse: Redis walks a sorted set from its end), any other count
   * distinct positions in random order. A negative count beyond {@link
   * SetCommands#MAX_RANDOM_REPEATS} is refused (Redis has no bound), as SRANDMEMBER.
   */
  static int[] randomPositions(long count, int n, boolean reverse) throws CommandError {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    if (count < 0) {
      if (-count > SetCommands.MAX_RANDOM_REPEATS) {
        throw new CommandError("ERR value is out of range, value must between "
            + -SetCommands.MAX_RANDOM_REPEATS + " and " + Long.MAX_VALUE);
      }
      int[] pos = new int[(int) -count];
      for (int i = 0; i < pos.length; i++) {
        pos[i] = rnd.nextInt(n);
      }
      return pos;
    }
    if (count >= n) {
      int[] pos = new int[n];
      for (int i = 0; i < n; i++) {
        pos[i] = reverse ? n - 1 - i : i;
      }
      return pos;
    }
    return SetCommands.distinct(new SplittableRandom(rnd.nextLong()), n, (int) count);
  }

  /** ZRANDMEMBER: a read answered by one peer, so its randomness is local. */
  static void zrandmember(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    RandomArgs r = randomArgs(a, "withscores");
    ZSetData z = ZSetData.read(ks, a[1]);
    if (!r.hasCount()) {
      if (z == null) {
        out.nil();
      } else {
        out.bulk(z.get(ThreadLocalRandom.current().nextInt(z.size())).member());
      }
      return;
    }
    if (z == null || r.count() == 0) {
      out.array(0);
      return;
    }
    int[] pos = randomPositions(r.count(), z.size(), true);
    out.array(r.with() ? pos.length * 2 : pos.length);
    for (int p : pos) {
      Entry e = z.get(p);
      out.bulk(e.member());
      if (r.with()) {
        score(out, e.score());
      }
    }
  }
}

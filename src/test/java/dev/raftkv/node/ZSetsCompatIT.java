package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sorted set commands give redis-server 7.0's replies byte for byte: options, errors, ranges,
 * LIMIT, infinities, score formatting (C's %.17g) and NaN results. Runs on RocksDB; one test
 * replays the scenarios on a memory-store cluster.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ZSetsCompatIT {
  /** Started before the first test, flushed before each, stopped after the last. */
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  @Test
  void zaddOptions() throws Exception {
    zaddOptions(diff);
  }

  static void zaddOptions(RedisDiff d) throws Exception {
    d.script("""
        ZADD z 1 a 2 b 3 c
        ZADD z 1 a
        ZADD z 10 a 20 d
        ZADD z CH 10 a 11 b 12 e
        ZADD z NX 99 a 4 f
        ZADD z XX 5 a 99 nothere
        ZADD z XX CH 6 a 99 nothere
        ZADD z GT 1 a
        ZADD z GT CH 100 a
        ZADD z LT CH 200 a
        ZADD z LT CH 50 a
        ZADD z XX GT CH 60 a
        ZADD z XX LT CH 70 a
        ZADD z GT CH 1 newgt
        ZADD z LT 1 newlt
        ZADD z CH 50 a
        ZADD z 1 dup 2 dup
        ZADD z CH 3 dup 3 dup
        ZRANGE z 0 -1 WITHSCORES
        ZADD z INCR 5 a
        ZADD z INCR NX 5 a
        ZADD z INCR XX 5 nothere
        ZADD z INCR GT -1 a
        ZADD z INCR LT -1 a
        ZADD z incr ch xx 0 a
        ZADD fresh XX 1 a
        EXISTS fresh
        ZADD fresh XX INCR 1 a
        ZADD fresh NX 1 a
        ZADD z NX XX 1 a
        ZADD z GT LT 1 a
        ZADD z GT NX 1 a
        ZADD z LT NX 1 a
        ZADD z INCR 1 a 2 b
        ZADD z 1
        ZADD z 1 a 2
        ZADD z NX
        ZADD z CH CH
        ZADD z nan a
        ZADD z abc a
        ZADD z 1 a x b
        ZADD z 1e400 a
        ZADD z
        ZADD
        ZADD z NX XX 1
        ZADD z NX XX nan a
        ZADD z INCR nan a 1 b
        SET str v
        ZADD str 1 a
        ZADD str XX 1 a
        ZADD str nan a
        ZRANGE z 0 -1 WITHSCORES
        ZCARD z
        """);
  }

  @Test
  void scoresParseAndFormatLikeRedis() throws Exception {
    scoresParseAndFormatLikeRedis(diff);
  }

  static void scoresParseAndFormatLikeRedis(RedisDiff d) throws Exception {
    String[] good = {"1", "1.5", "0.1", "1e20", "1e+20", "inf", "-inf", "+inf", "-0", "0", "+0",
        "1e15", "1e16", "1e17", "123456789012345678", "0.000001", "0.0000001", "1e-5", "3.14159",
        "-2.5e-10", "1.7976931348623157e308", "4.9e-324", "2.2250738585072014e-308", "0x1p-3",
        "0X1P4", "0x.8", "0x1.8p1", "0x10", ".5", "5.", "-.5", "+5", "1E3", "Infinity", "-INF",
        "infinity", "007", "1e0001", "9007199254740993", "4611686018427387904",
        "4611686018427387905", "-4611686018427387904", "99999999999999999999", "1.0E-5",
        "0.30000000000000004", "100", "1e-300", "12345.678e-3"};
    for (int i = 0; i < good.length; i++) {
      d.same("ZADD", "s" + i, good[i], "m");
      d.same("ZSCORE", "s" + i, "m");
      d.same("ZRANGE", "s" + i, "0", "-1", "WITHSCORES");
      d.same("ZSCAN", "s" + i, "0");
      d.same("ZINCRBY", "s" + i, good[i], "m");
      d.same("ZINCRBY", "new" + i, good[i], "m");
    }
    String[] bad = {"", " 1", "1 ", "nan", "NaN", "-nan", "1e400", "-1e400", "1e-400", "abc", "1e",
        "1e+", "0x", "--1", "inf1", "1..2", "1,5", "infinit", "0x1p", "1f", "1d", "+", "-", ".",
        "\u00001", "1\u0000"};
    for (String b : bad) {
      d.same("ZADD", "bad", b, "m");
      d.same("ZINCRBY", "bad", b, "m");
    }
    // many random doubles (chunks of 100 keep Redis's compact encoding), seeded for reproducibility
    Random rnd = new Random(42);
    for (int chunk = 0; chunk < 4; chunk++) {
      List<String> add = new ArrayList<>(List.of("ZADD", "r" + chunk));
      for (int i = 0; i < 100; i++) {
        double v;
        switch (i % 4) {
          case 0 -> v = Double.longBitsToDouble(rnd.nextLong());
          case 1 -> v = rnd.nextDouble() * Math.pow(10, rnd.nextInt(40) - 20);
          case 2 -> v = rnd.nextInt(2000) / 8.0 - 100;
          default -> v = (double) rnd.nextLong();
        }
        if (Double.isNaN(v)) {
          v = 1;
        }
        add.add(Double.toString(v));
        add.add("m" + i);
      }
      d.same(add.toArray(new String[0]));
      d.same("ZRANGE", "r" + chunk, "0", "-1", "WITHSCORES");
      d.same("ZSCAN", "r" + chunk, "0", "COUNT", "1000");
    }
  }

  @Test
  void zincrbyAndNaN() throws Exception {
    zincrbyAndNaN(diff);
  }

  static void zincrbyAndNaN(RedisDiff d) throws Exception {
    d.script("""
        ZINCRBY z 1 a
        ZINCRBY z 2.5 a
        ZINCRBY z -3.5 a
        ZINCRBY z -0 b
        ZINCRBY z -0 b
        ZRANGE z 0 -1 WITHSCORES
        ZINCRBY z inf a
        ZINCRBY z inf a
        ZINCRBY z -inf a
        ZSCORE z a
        ZADD z INCR -inf a
        ZADD z -inf c
        ZINCRBY z +inf c
        ZRANGE z 0 -1 WITHSCORES
        ZINCRBY z nx a
        ZINCRBY z incr a
        ZINCRBY z abc a
        ZINCRBY z 1
        ZINCRBY z 1 a b
        SET str v
        ZINCRBY str 1 a
        ZINCRBY str x a
        """);
  }

  @Test
  void readsAndRemoval() throws Exception {
    readsAndRemoval(diff);
  }

  static void readsAndRemoval(RedisDiff d) throws Exception {
    d.script("""
        ZADD z 1 a 2 b 3 c 3 cc -1 neg inf top -inf bottom
        ZCARD z
        ZCARD nokey
        ZSCORE z a
        ZSCORE z top
        ZSCORE z nothere
        ZSCORE nokey a
        ZMSCORE z a nothere top bottom
        ZMSCORE nokey a b
        ZRANK z a
        ZRANK z bottom
        ZRANK z top
        ZRANK z nothere
        ZRANK nokey a
        ZREVRANK z a
        ZREVRANK z top
        ZREVRANK z nothere
        ZREM z a nothere a
        ZREM z nothere
        ZREM nokey a
        ZCARD z
        ZREM z b c cc neg top bottom
        EXISTS z
        SET str v
        ZSCORE str a
        ZMSCORE str a
        ZCARD str
        ZRANK str a
        ZREVRANK str a
        ZREM str a
        ZSCORE z
        ZMSCORE z
        ZRANK z a extra
        ZREM z
        ZCARD
        """);
  }

  @Test
  void rangesByRankScoreAndLex() throws Exception {
    rangesByRankScoreAndLex(diff);
  }

  static void rangesByRankScoreAndLex(RedisDiff d) throws Exception {
    d.script("""
        ZADD z -inf ninf 1 a 1 b 2 c 2.5 d 3 e 10 f inf pinf
        ZRANGE z 0 -1
        ZRANGE z 0 -1 WITHSCORES
        ZRANGE z 2 4 withscores
        ZRANGE z -3 -1
        ZRANGE z -100 100
        ZRANGE z 5 2
        ZRANGE z 100 200
        ZRANGE z -1 -3
        ZRANGE z 0 -1 REV
        ZRANGE z 1 2 REV WITHSCORES
        ZRANGE z -9223372036854775808 9223372036854775807
        ZRANGE z x 1
        ZRANGE z 0 1.5
        ZRANGE z 0 -1 LIMIT 0 1
        ZRANGE z 0 -1 LIMIT 0 -1
        ZRANGE z 0 -1 BYSCORE
        ZRANGE z 1 2 BYSCORE WITHSCORES
        ZRANGE z (1 2 BYSCORE
        ZRANGE z 1 (2 BYSCORE
        ZRANGE z (1 (2 BYSCORE
        ZRANGE z (2 (2 BYSCORE
        ZRANGE z 2 2 BYSCORE
        ZRANGE z 3 1 BYSCORE
        ZRANGE z -inf +inf BYSCORE
        ZRANGE z -inf inf BYSCORE WITHSCORES
        ZRANGE z (-inf (inf BYSCORE
        ZRANGE z 1e400 inf BYSCORE
        ZRANGE z inf -inf BYSCORE REV
        ZRANGE z 2 1 BYSCORE REV WITHSCORES
        ZRANGE z -inf +inf BYSCORE LIMIT 2 3
        ZRANGE z -inf +inf BYSCORE LIMIT 2 -1
        ZRANGE z -inf +inf BYSCORE LIMIT 2 0
        ZRANGE z -inf +inf BYSCORE LIMIT -1 3
        ZRANGE z -inf +inf BYSCORE LIMIT 100 3
        ZRANGE z -inf +inf BYSCORE LIMIT 7 3
        ZRANGE z -inf +inf BYSCORE LIMIT 8 3
        ZRANGE z +inf -inf BYSCORE REV LIMIT 1 2 WITHSCORES
        ZRANGE z 1 2 BYSCORE LIMIT 1 1 LIMIT 0 5
        ZRANGE z a b BYSCORE
        ZRANGE z (a 1 BYSCORE
        ZRANGE z nan 1 BYSCORE
        ZRANGE z 1 BYSCORE
        ZRANGE z 0 -1 BYSCORE BYLEX
        ZRANGE z 0 -1 BYLEX
        ZRANGE z - + BYLEX
        ZRANGE z - + BYLEX WITHSCORES
        ZRANGE z 0 -1 REV REV
        ZRANGE z 0 -1 FOO
        ZRANGE z 0 -1 LIMIT 1
        ZRANGE z 0 -1 LIMIT x 1 BYSCORE
        ZRANGE nokey 0 -1
        ZRANGE nokey 0 -1 BYSCORE
        ZRANGE nokey a b BYSCORE
        ZREVRANGE z 0 -1
        ZREVRANGE z 0 2 WITHSCORES
        ZREVRANGE z 0 -1 REV
        ZREVRANGE z 0 -1 BYSCORE
        ZREVRANGE z 0 -1 LIMIT 0 1
        ZRANGEBYSCORE z -inf +inf
        ZRANGEBYSCORE z 1 2 WITHSCORES
        ZRANGEBYSCORE z (1 +inf LIMIT 1 2
        ZRANGEBYSCORE z 1 2 LIMIT 0 1 WITHSCORES
        ZRANGEBYSCORE z 2 1
        ZRANGEBYSCORE z x 1
        ZRANGEBYSCORE z 1 2 REV
        ZRANGEBYSCORE z 1 2 BYLEX
        ZREVRANGEBYSCORE z +inf -inf
        ZREVRANGEBYSCORE z 2 1 WITHSCORES
        ZREVRANGEBYSCORE z 1 2
        ZREVRANGEBYSCORE z (10 (1 LIMIT 1 10
        ZCOUNT z -inf +inf
        ZCOUNT z 1 2
        ZCOUNT z (1 (2
        ZCOUNT z 2 1
        ZCOUNT z (inf +inf
        ZCOUNT z x 1
        ZCOUNT nokey 1 2
        ZCOUNT nokey x 2
        SET str v
        ZRANGE str 0 -1
        ZRANGE str x 1
        ZRANGEBYSCORE str 0 1
        ZCOUNT str 0 1
        ZCOUNT str x 1
        ZLEXCOUNT str - +
        ZRANGE z
        ZRANGEBYSCORE z 1
        ZCOUNT z 1
        """);
    d.same("ZRANGEBYSCORE", "z", "", "(");
    d.same("ZRANGEBYSCORE", "z", " 1", "  2");
    d.same("ZRANGEBYSCORE", "z", "1 ", "2");
    d.same("ZRANGEBYSCORE", "z", "(", "10");
    d.same("ZRANGEBYSCORE", "z", "0x1", "0x2p0", "WITHSCORES");
    d.same("ZRANGEBYSCORE", "z", "   ", "2");
    d.same("ZCOUNT", "z", "", "");
    d.same("ZRANGEBYSCORE", "z", "1\u0000junk", "2");
    d.script("""
        ZADD lex 0 a 0 b 0 c 0 d 0 e 0 f 0 g 0 aa 0 ab
        ZRANGEBYLEX lex - +
        ZRANGEBYLEX lex [b [e
        ZRANGEBYLEX lex (b (e
        ZRANGEBYLEX lex [a (b
        ZRANGEBYLEX lex (a [ab
        ZRANGEBYLEX lex [e -
        ZRANGEBYLEX lex + -
        ZRANGEBYLEX lex - -
        ZRANGEBYLEX lex + +
        ZRANGEBYLEX lex [z +
        ZRANGEBYLEX lex - [0
        ZRANGEBYLEX lex [b [b
        ZRANGEBYLEX lex (b [b
        ZRANGEBYLEX lex - + LIMIT 2 3
        ZRANGEBYLEX lex - + LIMIT 0 -1
        ZRANGEBYLEX lex - + LIMIT -1 2
        ZRANGEBYLEX lex - + LIMIT 20 2
        ZRANGEBYLEX lex - + WITHSCORES
        ZRANGEBYLEX lex a +
        ZRANGEBYLEX lex -a +
        ZRANGEBYLEX lex - ++
        ZREVRANGEBYLEX lex + -
        ZREVRANGEBYLEX lex [e [b
        ZREVRANGEBYLEX lex (e (b LIMIT 1 2
        ZREVRANGEBYLEX lex - +
        ZRANGE lex [b [e BYLEX
        ZRANGE lex [e [b BYLEX REV
        ZRANGE lex + - BYLEX REV LIMIT 1 3
        ZLEXCOUNT lex - +
        ZLEXCOUNT lex [b (e
        ZLEXCOUNT lex (e [b
        ZLEXCOUNT lex x +
        ZLEXCOUNT nokey - +
        ZLEXCOUNT nokey x +
        ZADD mixed 1 b 2 a 3 d 4 c 5 e
        ZRANGEBYLEX mixed - +
        ZRANGEBYLEX mixed [a [c
        ZRANGEBYLEX mixed [b [d
        ZRANGEBYLEX mixed (a +
        ZREVRANGEBYLEX mixed [d [a
        ZREVRANGEBYLEX mixed + (c
        ZLEXCOUNT mixed [b [d
        ZLEXCOUNT mixed [a [c
        """);
    d.same("ZRANGEBYLEX", "lex", "", "+");
    d.same("ZRANGEBYLEX", "lex", "[", "+");
    d.same("ZRANGEBYLEX", "lex", "(", "[b");
  }

  @Test
  void storesPopsAndRangeRemoval() throws Exception {
    storesPopsAndRangeRemoval(diff);
  }

  static void storesPopsAndRangeRemoval(RedisDiff d) throws Exception {
    d.script("""
        ZADD z 1 a 2 b 3 c 4 d 5 e
        ZRANGESTORE dst z 0 -1
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z 1 2
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z (1 4 BYSCORE LIMIT 1 2
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z [b [d BYLEX REV
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z 4 2 BYSCORE REV
        ZRANGE dst 0 -1 WITHSCORES
        ZRANGESTORE dst z 10 20
        EXISTS dst
        ZRANGESTORE dst z 0 -1
        ZRANGESTORE dst nokey 0 -1
        EXISTS dst
        SET dst v EX 100
        ZRANGESTORE dst z 0 0
        TYPE dst
        TTL dst
        ZRANGESTORE z z 1 2
        ZRANGE z 0 -1 WITHSCORES
        ZRANGESTORE dst z 0 -1 WITHSCORES
        ZRANGESTORE dst z 0 -1 LIMIT 0 1
        ZRANGESTORE dst z a b BYSCORE
        ZRANGESTORE dst z 0
        SET str v
        ZRANGESTORE dst str 0 -1
        ZRANGE dst 0 -1
        ZRANGESTORE str z 0 -1
        TYPE str
        ZADD p 1 a 2 b 3 c 4 d 5 e 6 f
        ZPOPMIN p
        ZPOPMAX p
        ZPOPMIN p 2
        ZPOPMAX p 0
        ZPOPMIN p -1
        ZPOPMIN p x
        ZPOPMIN p 1 2
        ZPOPMIN p 1.0
        ZPOPMAX p 10
        EXISTS p
        ZPOPMIN p
        ZPOPMIN p 2
        ZPOPMAX nokey 0
        ZPOPMIN str
        ZPOPMIN str 0
        ZPOPMAX str -1
        ZPOPMIN
        ZADD r 1 a 2 b 3 c 4 d 5 e 6 f 7 g
        ZREMRANGEBYRANK r 0 0
        ZREMRANGEBYRANK r -2 -1
        ZREMRANGEBYRANK r 10 20
        ZREMRANGEBYRANK r 3 1
        ZREMRANGEBYRANK r x 1
        ZRANGE r 0 -1 WITHSCORES
        ZREMRANGEBYSCORE r (2 4
        ZREMRANGEBYSCORE r 10 1
        ZREMRANGEBYSCORE r x 1
        ZRANGE r 0 -1 WITHSCORES
        ZREMRANGEBYSCORE r -inf +inf
        EXISTS r
        ZADD l 0 a 0 b 0 c 0 d
        ZREMRANGEBYLEX l [b (d
        ZREMRANGEBYLEX l x +
        ZREMRANGEBYLEX l + -
        ZRANGE l 0 -1
        ZREMRANGEBYLEX l - +
        EXISTS l
        ZREMRANGEBYRANK nokey 0 -1
        ZREMRANGEBYSCORE nokey 0 1
        ZREMRANGEBYSCORE nokey x 1
        ZREMRANGEBYLEX nokey - +
        ZREMRANGEBYRANK str 0 -1
        ZREMRANGEBYSCORE str 0 1
        ZREMRANGEBYLEX str - +
        ZREMRANGEBYRANK r 0
        """);
  }

  /** Every member/score pair of a full ZSCAN, following the cursor back to 0. */
  private static Set<String> scanAll(int side, String key, String... options) throws Exception {
    Set<String> seen = new TreeSet<>();
    String cursor = "0";
    int calls = 0;
    do {
      List<String> cmd = new ArrayList<>(List.of("ZSCAN", key, cursor));
      cmd.addAll(List.of(options));
      List<?> page = (List<?>) diff.both(cmd.toArray(new String[0]))[side];
      cursor = (String) page.get(0);
      List<?> items = (List<?>) page.get(1);
      for (int i = 0; i < items.size(); i += 2) {
        seen.add(items.get(i) + "=" + items.get(i + 1));
      }
      assertTrue(++calls < 10_000, "the scan ends");
    } while (!cursor.equals("0"));
    return seen;
  }

  @Test
  void zscan() throws Exception {
    diff.script("""
        ZADD z 3 c 1 a 2 b 1.5 ab 1e17 big
        ZSCAN z 0
        ZSCAN z 0 MATCH a*
        ZSCAN z 0 COUNT 1
        ZSCAN z 0 MATCH * COUNT 100
        ZSCAN nokey 0
        ZSCAN nokey 0 COUNT 0
        ZSCAN z x
        ZSCAN z 0 COUNT 0
        ZSCAN z 0 COUNT x
        ZSCAN z 0 MATCH
        ZSCAN z 0 NOVALUES
        SET str v
        ZSCAN str 0
        ZSCAN z
        """);
    List<String> add = new ArrayList<>(List.of("ZADD", "big"));
    for (int i = 0; i < 250; i++) {
      add.add(Integer.toString(i % 17));
      add.add("m" + i);
    }
    diff.same(add.toArray(new String[0]));
    for (String[] opts : new String[][] {{}, {"COUNT", "9"}, {"MATCH", "m1*", "COUNT", "30"}}) {
      assertEquals(scanAll(0, "big", opts), scanAll(1, "big", opts), () -> "ZSCAN " + String.join(" ", opts));
    }
    assertEquals(250, scanAll(1, "big").size());
  }

  @Test
  void randomizedOperationsMatchRedis() throws Exception {
    randomizedOperationsMatchRedis(diff, 400);
  }

  /** Seeded random mixes of writes and reads on a few small sorted sets, every reply compared. */
  static void randomizedOperationsMatchRedis(RedisDiff d, int steps) throws Exception {
    Random rnd = new Random(7);
    String[] keys = {"k1", "k2", "k3"};
    String[] scores = {"0", "-0", "1", "1.5", "-2", "inf", "-inf", "(1", "0.1", "3", "1e3", "x"};
    String[] members = {"a", "b", "c", "d", "e", "ab", "ba"};
    for (int step = 0; step < steps; step++) {
      String k = keys[rnd.nextInt(keys.length)];
      String s1 = scores[rnd.nextInt(scores.length)];
      String s2 = scores[rnd.nextInt(scores.length)];
      String m = members[rnd.nextInt(members.length)];
      String m2 = members[rnd.nextInt(members.length)];
      String i1 = Integer.toString(rnd.nextInt(10) - 5);
      String i2 = Integer.toString(rnd.nextInt(10) - 5);
      String[] flags = {"", "NX", "XX", "GT", "LT", "CH", "XX GT", "XX LT CH", "INCR", "GT INCR"};
      String flag = flags[rnd.nextInt(flags.length)];
      List<String> zadd = new ArrayList<>(List.of("ZADD", k));
      if (!flag.isEmpty()) {
        zadd.addAll(List.of(flag.split(" ")));
      }
      zadd.addAll(List.of(s1, m));
      String k2 = keys[rnd.nextInt(keys.length)];
      String w = new String[] {"1", "-1", "0", "0.5", "inf", "-inf", "2.5"}[rnd.nextInt(7)];
      String agg = new String[] {"SUM", "MIN", "MAX"}[rnd.nextInt(3)];
      String[][] choices = {
          zadd.toArray(new String[0]),
          {"ZUNION", "2", k, k2, "WEIGHTS", w, "1", "AGGREGATE", agg, "WITHSCORES"},
          {"ZINTER", "2", k, k2, "WEIGHTS", "1", w, "AGGREGATE", agg, "WITHSCORES"},
          {"ZDIFF", "2", k, k2, "WITHSCORES"},
          {"ZINTERCARD", "2", k, k2, "LIMIT", Integer.toString(rnd.nextInt(3))},
          {"ZUNIONSTORE", keys[rnd.nextInt(keys.length)], "2", k, k2, "WEIGHTS", w, w},
          {"ZINTERSTORE", keys[rnd.nextInt(keys.length)], "2", k, k2, "AGGREGATE", agg},
          {"ZDIFFSTORE", keys[rnd.nextInt(keys.length)], "2", k, k2},
          {"ZMPOP", "2", k, k2, rnd.nextBoolean() ? "MIN" : "MAX", "COUNT", Integer.toString(1 + rnd.nextInt(3))},
          {"ZADD", k, s1, m, s2, m2},
          {"ZINCRBY", k, s1, m},
          {"ZREM", k, m, m2},
          {"ZPOPMIN", k},
          {"ZPOPMAX", k, Integer.toString(rnd.nextInt(3))},
          {"ZRANGE", k, i1, i2, "WITHSCORES"},
          {"ZRANGE", k, s1, s2, "BYSCORE", "WITHSCORES"},
          {"ZRANGE", k, s2, s1, "BYSCORE", "REV", "LIMIT", i1, i2},
          {"ZRANGE", k, "[" + m, "(" + m2, "BYLEX"},
          {"ZCOUNT", k, s1, s2},
          {"ZRANK", k, m},
          {"ZREVRANK", k, m},
          {"ZSCORE", k, m},
          {"ZMSCORE", k, m, m2},
          {"ZRANGESTORE", keys[rnd.nextInt(keys.length)], k, i1, i2},
          {"ZREMRANGEBYSCORE", k, s1, s2},
          {"ZREMRANGEBYRANK", k, i1, i2},
          {"ZSCAN", k, "0"},
          {"ZCARD", k},
      };
      d.same(choices[rnd.nextInt(choices.length)]);
    }
    for (String k : keys) {
      d.same("ZRANGE", k, "0", "-1", "WITHSCORES");
    }
  }

  @Test
  void unionInterDiffAndTheirStores() throws Exception {
    unionInterDiffAndTheirStores(diff);
  }

  /** ZUNION/ZINTER/ZDIFF, their STORE forms and ZINTERCARD: weights, aggregates, sets as inputs, NaN, errors. */
  static void unionInterDiffAndTheirStores(RedisDiff d) throws Exception {
    d.script("""
        ZADD a 1 x 2 y 3 z
        ZADD b 10 y 20 z 30 w
        SADD s x w q
        ZADD inf inf x -inf y 0 z
        ZADD zero 0 m -0 n
        ZUNION 2 a b
        ZUNION 2 a b WITHSCORES
        ZUNION 2 a b WEIGHTS 2 3 WITHSCORES
        ZUNION 2 a b weights 2 3 aggregate min withscores
        ZUNION 2 a b AGGREGATE MIN WITHSCORES
        ZUNION 2 a b AGGREGATE max WITHSCORES
        ZUNION 2 a b AGGREGATE SUM WEIGHTS 1 -1 WITHSCORES
        ZUNION 2 a b WEIGHTS 1 1 WEIGHTS 5 5 WITHSCORES
        ZUNION 2 a b AGGREGATE MIN AGGREGATE MAX WITHSCORES
        ZUNION 3 a b s WITHSCORES
        ZUNION 3 a nokey s withscores
        ZUNION 1 nokey
        ZUNION 1 nokey WITHSCORES
        ZUNION 2 a a WITHSCORES
        ZUNION 1 s WITHSCORES
        ZUNION 2 inf inf WITHSCORES
        ZUNION 2 inf inf WEIGHTS 1 -1 WITHSCORES
        ZUNION 2 inf a WEIGHTS 0 1 WITHSCORES
        ZUNION 2 inf a WEIGHTS -1 1 WITHSCORES
        ZUNION 1 a WEIGHTS -1 WITHSCORES
        ZUNION 1 zero WEIGHTS -1 WITHSCORES
        ZUNION 1 zero WEIGHTS -0 WITHSCORES
        ZUNION 2 a b WEIGHTS inf -inf WITHSCORES
        ZUNION 2 a b WEIGHTS 1e308 1e308 WITHSCORES
        ZUNION 2 a b WEIGHTS 0.1 0.2 WITHSCORES
        ZUNION 2 a s WEIGHTS 1 0x1p-2 WITHSCORES
        ZINTER 2 a b
        ZINTER 2 a b WITHSCORES
        ZINTER 2 a b WEIGHTS 2 0.5 WITHSCORES
        ZINTER 2 a b AGGREGATE MIN WITHSCORES
        ZINTER 2 a b AGGREGATE MAX WITHSCORES
        ZINTER 2 a s WITHSCORES
        ZINTER 2 s b WEIGHTS 3 1 WITHSCORES
        ZINTER 3 a b s WITHSCORES
        ZINTER 2 a nokey
        ZINTER 2 nokey a WITHSCORES
        ZINTER 2 a a WEIGHTS 1 2 WITHSCORES
        ZINTER 2 inf inf WEIGHTS 1 -1 WITHSCORES
        ZINTER 2 inf inf WEIGHTS 0 1 AGGREGATE MIN WITHSCORES
        ZINTER 2 inf inf WEIGHTS 0 1 AGGREGATE MAX WITHSCORES
        ZINTER 2 inf inf WEIGHTS 1 0 WITHSCORES
        ZINTER 2 s inf WEIGHTS 1 -inf WITHSCORES
        ZINTER 2 s inf WEIGHTS 1 0 WITHSCORES
        ZINTER 1 zero WEIGHTS -1 WITHSCORES
        ZDIFF 1 a
        ZDIFF 1 a WITHSCORES
        ZDIFF 2 a b WITHSCORES
        ZDIFF 2 b a WITHSCORES
        ZDIFF 3 b a s WITHSCORES
        ZDIFF 2 s a WITHSCORES
        ZDIFF 2 a a
        ZDIFF 2 nokey a
        ZDIFF 2 a nokey withscores
        ZDIFF 1 zero WITHSCORES
        ZINTERCARD 2 a b
        ZINTERCARD 2 a b LIMIT 1
        ZINTERCARD 2 a b LIMIT 0
        ZINTERCARD 2 a b LIMIT 5
        ZINTERCARD 2 a b limit 1 LIMIT 0
        ZINTERCARD 3 a b s
        ZINTERCARD 1 nokey
        ZINTERCARD 2 a s limit 1
        ZINTERCARD 1 s
        ZUNION 0 a
        ZUNION -1 a
        ZUNION x a
        ZUNION 1.0 a
        ZUNION 3 a b
        ZUNION 9223372036854775807 a b
        ZUNION 2 a b WEIGHTS 1
        ZUNION 2 a b WEIGHTS 1 x
        ZUNION 2 a b WEIGHTS 1 nan
        ZUNION 2 a b WEIGHTS 1 1e400
        ZUNION 2 a b WEIGHTS 1 2 3
        ZUNION 2 a b AGGREGATE
        ZUNION 2 a b AGGREGATE avg
        ZUNION 2 a b FOO
        ZUNION 2 a b WITHSCORES WITHSCORES
        ZUNION 1 a LIMIT 1
        ZINTER 0 a
        ZINTER 2 a b WEIGHTS x 1 AGGREGATE foo
        ZINTER 2 a b AGGREGATE foo WEIGHTS x 1
        ZDIFF 2 a b WEIGHTS 1 2
        ZDIFF 2 a b AGGREGATE SUM
        ZDIFF 0 a
        ZDIFF x a
        ZINTERCARD 0 a
        ZINTERCARD -5 a
        ZINTERCARD x a
        ZINTERCARD 3 a b
        ZINTERCARD 1 a WITHSCORES
        ZINTERCARD 1 a LIMIT -1
        ZINTERCARD 1 a LIMIT x
        ZINTERCARD 1 a LIMIT
        ZINTERCARD 1 a WEIGHTS 1
        ZINTERCARD 1 a AGGREGATE MIN
        ZINTERCARD 2 a
        SET str v
        LPUSH list x
        ZUNION 2 a str
        ZUNION 2 str a WEIGHTS x
        ZUNION 1 list WITHSCORES
        ZINTER 2 nokey str
        ZINTER 2 a str FOO
        ZDIFF 2 a str
        ZDIFF 2 str nokey
        ZINTERCARD 2 str a
        ZINTERCARD 2 a list LIMIT -1
        ZUNION
        ZUNION 1
        ZINTER 1
        ZDIFF 1
        ZINTERCARD 1
        ZUNIONSTORE dst 2 a b
        ZRANGE dst 0 -1 WITHSCORES
        ZUNIONSTORE dst 2 a b WEIGHTS 1 2 AGGREGATE MAX
        ZRANGE dst 0 -1 WITHSCORES
        ZUNIONSTORE dst 3 a s nokey
        ZRANGE dst 0 -1 WITHSCORES
        ZINTERSTORE dst 2 a b
        ZRANGE dst 0 -1 WITHSCORES
        ZINTERSTORE dst 2 a b WEIGHTS 0.5 2 aggregate min
        ZRANGE dst 0 -1 WITHSCORES
        ZINTERSTORE dst 3 a b s
        EXISTS dst
        ZDIFFSTORE dst 2 a b
        ZRANGE dst 0 -1 WITHSCORES
        ZDIFFSTORE dst 2 s a
        ZRANGE dst 0 -1 WITHSCORES
        TYPE dst
        ZDIFFSTORE dst 1 nokey
        EXISTS dst
        SET dst v EX 100
        ZUNIONSTORE dst 1 a
        TYPE dst
        TTL dst
        ZUNIONSTORE zneg 1 zero WEIGHTS -1
        ZRANGE zneg 0 -1 WITHSCORES
        ZSCORE zneg m
        ZSCAN zneg 0
        ZINTERSTORE zinf 2 inf inf WEIGHTS 1 -1
        ZRANGE zinf 0 -1 WITHSCORES
        ZUNIONSTORE dst 1 a WITHSCORES
        ZUNIONSTORE dst 0 a
        ZUNIONSTORE dst x a
        ZUNIONSTORE dst 2 a
        ZUNIONSTORE dst 2 a b WEIGHTS x 1
        ZINTERSTORE dst 2 a b AGGREGATE none
        ZINTERSTORE dst 1 str
        ZINTERSTORE dst 2 nokey list
        ZDIFFSTORE dst 1 a WEIGHTS 1
        ZDIFFSTORE dst 1 a WITHSCORES
        ZDIFFSTORE dst 0 a
        ZDIFFSTORE dst 2 a
        ZRANGE dst 0 -1 WITHSCORES
        ZUNIONSTORE dst
        ZUNIONSTORE dst 1
        ZINTERSTORE dst 1
        ZDIFFSTORE dst 1
        ZUNIONSTORE a 2 a b
        ZRANGE a 0 -1 WITHSCORES
        ZINTERSTORE b 2 b a WEIGHTS 1 0
        ZRANGE b 0 -1 WITHSCORES
        ZDIFFSTORE s 2 s nokey
        TYPE s
        ZRANGE s 0 -1 WITHSCORES
        ZUNIONSTORE str 1 s
        TYPE str
        ZINTERSTORE list 1 nokey
        EXISTS list
        """);
  }

  @Test
  void setAlgebraOnLargerSetsSumsInRedisOrder() throws Exception {
    setAlgebraOnLargerSetsSumsInRedisOrder(diff);
  }

  /**
   * Sets past Redis's compact encoding (over 128 members) with random scores and weights: the
   * order inputs are summed in (by size, stably) shows in the last bits of the results.
   */
  static void setAlgebraOnLargerSetsSumsInRedisOrder(RedisDiff d) throws Exception {
    Random rnd = new Random(11);
    String[] keys = {"l1", "l2", "l3", "l4"};
    int[] sizes = {200, 150, 200, 40};
    for (int k = 0; k < keys.length; k++) {
      List<String> add = new ArrayList<>(List.of("ZADD", keys[k]));
      for (int i = 0; i < sizes[k]; i++) {
        add.add(Double.toString(rnd.nextDouble() * 1000 - 500));
        add.add("m" + rnd.nextInt(300));
      }
      d.same(add.toArray(new String[0]));
    }
    d.same("SADD", "ls", "m1", "m2", "m3", "m100", "m200", "nope");
    String[][] commands = {
        {"ZUNION", "3", "l1", "l2", "l3", "WEIGHTS", "0.3", "1.7", "-2.1", "WITHSCORES"},
        {"ZUNION", "4", "l3", "l1", "l4", "ls", "WEIGHTS", "1.1", "0.7", "3", "1e-3", "WITHSCORES"},
        {"ZUNION", "3", "l1", "l2", "l3", "AGGREGATE", "MIN", "WITHSCORES"},
        {"ZINTER", "3", "l1", "l2", "l3", "WEIGHTS", "0.3", "1.7", "-2.1", "WITHSCORES"},
        {"ZINTER", "2", "l3", "l1", "WEIGHTS", "0.1", "0.2", "WITHSCORES"},
        {"ZINTER", "3", "l1", "l3", "ls", "AGGREGATE", "MAX", "WITHSCORES"},
        {"ZDIFF", "3", "l1", "l2", "l4", "WITHSCORES"},
        {"ZDIFF", "2", "l2", "ls", "WITHSCORES"},
        {"ZINTERCARD", "3", "l1", "l2", "l3"},
        {"ZINTERCARD", "2", "l1", "l2", "LIMIT", "7"},
        {"ZUNIONSTORE", "out", "3", "l1", "l2", "l3", "WEIGHTS", "0.3", "1.7", "-2.1"},
        {"ZRANGE", "out", "0", "-1", "WITHSCORES"},
        {"ZINTERSTORE", "out", "2", "l1", "l3"},
        {"ZRANGE", "out", "0", "-1", "WITHSCORES"},
        {"ZDIFFSTORE", "out", "2", "l1", "l2"},
        {"ZRANGE", "out", "0", "-1", "WITHSCORES"},
    };
    d.same(List.of(commands));
  }

  @Test
  void zmpop() throws Exception {
    zmpop(diff);
  }

  static void zmpop(RedisDiff d) throws Exception {
    d.script("""
        ZADD p 1 a 2 b 3 c 4 d 5 e
        ZMPOP 1 p MIN
        ZMPOP 1 p max
        ZMPOP 1 p MAX COUNT 2
        ZMPOP 2 nokey p min count 10
        EXISTS p
        ZMPOP 2 nokey p MIN
        ZMPOP 1 nokey MAX COUNT 3
        ZADD q 1 a -inf b 0.5 c
        SET str v
        ZMPOP 2 q str MIN
        ZMPOP 2 str q MIN
        ZMPOP 2 nokey str MAX
        ZMPOP 3 nokey q str MAX COUNT 1
        ZMPOP 0 p MIN
        ZMPOP -1 p MIN
        ZMPOP x p MIN
        ZMPOP 1 q
        ZMPOP 2 q MIN
        ZMPOP 1 q LEFT
        ZMPOP 1 q MIN COUNT 0
        ZMPOP 1 q MIN COUNT -1
        ZMPOP 1 q MIN COUNT x
        ZMPOP 1 q MIN COUNT
        ZMPOP 1 q MIN COUNT 1 COUNT 2
        ZMPOP 1 q MIN FOO
        ZMPOP 9223372036854775807 q MIN
        ZMPOP 1 q MIN COUNT 9223372036854775807
        ZMPOP 1 q MIN COUNT 9223372036854775808
        ZMPOP 1 str MIN COUNT x
        ZRANGE q 0 -1 WITHSCORES
        ZMPOP 1 q
        ZMPOP 1
        ZMPOP
        """);
  }

  @Test
  void zrandmemberAndHrandfield() throws Exception {
    zrandmemberAndHrandfield(diff);
  }

  /**
   * The deterministic answers (missing keys, count 0, a count covering the whole set, a
   * one-element set, errors) compared byte for byte; the random ones by their shape.
   */
  static void zrandmemberAndHrandfield(RedisDiff d) throws Exception {
    d.script("""
        ZADD r 1 a 2 b 3 c 1.5 d
        ZADD one 5 only
        HSET h f1 v1 f2 v2 f3 v3
        HSET h1 f v
        SET str v
        ZRANDMEMBER nokey
        ZRANDMEMBER nokey 5
        ZRANDMEMBER nokey -5 WITHSCORES
        ZRANDMEMBER nokey 0
        ZRANDMEMBER r 0
        ZRANDMEMBER r 0 WITHSCORES
        ZRANDMEMBER r 4
        ZRANDMEMBER r 100 WITHSCORES
        ZRANDMEMBER r 4 withscores
        ZRANDMEMBER one
        ZRANDMEMBER one 1
        ZRANDMEMBER one 1 WITHSCORES
        ZRANDMEMBER one -4
        ZRANDMEMBER one -3 WITHSCORES
        ZRANDMEMBER r x
        ZRANDMEMBER r 1.5
        ZRANDMEMBER r 1 FOO
        ZRANDMEMBER r 1 WITHSCORES x
        ZRANDMEMBER r -9223372036854775808
        ZRANDMEMBER r -9223372036854775808 WITHSCORES
        ZRANDMEMBER r 9223372036854775807 WITHSCORES
        ZRANDMEMBER r -4611686018427387904 WITHSCORES
        ZRANDMEMBER r 4611686018427387904 WITHSCORES
        ZRANDMEMBER r 4611686018427387903 WITHSCORES
        ZRANDMEMBER r 9223372036854775807
        ZRANDMEMBER nokey 9223372036854775807 WITHSCORES
        ZRANDMEMBER str
        ZRANDMEMBER str 1
        ZRANDMEMBER str 0
        ZRANDMEMBER str x
        ZRANDMEMBER str 1 FOO
        ZRANDMEMBER h 1
        ZRANDMEMBER
        HRANDFIELD nokey
        HRANDFIELD nokey 3
        HRANDFIELD nokey -3 WITHVALUES
        HRANDFIELD h 0
        HRANDFIELD h 3
        HRANDFIELD h 10 WITHVALUES
        HRANDFIELD h1
        HRANDFIELD h1 1 withvalues
        HRANDFIELD h1 -3
        HRANDFIELD h1 -2 WITHVALUES
        HRANDFIELD h x
        HRANDFIELD h 1 WITHSCORES
        HRANDFIELD h 1 WITHVALUES x
        HRANDFIELD h -9223372036854775808
        HRANDFIELD h 9223372036854775807 WITHVALUES
        HRANDFIELD h 4611686018427387903 WITHVALUES
        HRANDFIELD str
        HRANDFIELD str 2
        HRANDFIELD r 1
        HRANDFIELD str x
        HRANDFIELD
        """);
    java.util.Map<String, String> scores = java.util.Map.of("a", "1", "b", "2", "c", "3", "d", "1.5");
    java.util.Map<String, String> values = java.util.Map.of("f1", "v1", "f2", "v2", "f3", "v3");
    for (int round = 0; round < 10; round++) {
      for (int side = 0; side < 2; side++) {
        Object one = d.both("ZRANDMEMBER", "r")[side];
        assertTrue(scores.containsKey(one), () -> "ZRANDMEMBER r: " + one);
        List<?> two = (List<?>) d.both("ZRANDMEMBER", "r", "2")[side];
        assertEquals(2, two.size());
        assertEquals(2, new TreeSet<Object>(two).size(), () -> "distinct: " + two);
        assertTrue(scores.keySet().containsAll(two), two::toString);
        List<?> pairs = (List<?>) d.both("ZRANDMEMBER", "r", "-7", "WITHSCORES")[side];
        assertEquals(14, pairs.size());
        for (int i = 0; i < pairs.size(); i += 2) {
          assertEquals(scores.get(pairs.get(i)), pairs.get(i + 1), pairs::toString);
        }
        List<?> three = (List<?>) d.both("ZRANDMEMBER", "r", "3", "WITHSCORES")[side];
        assertEquals(6, three.size());
        Set<Object> members = new TreeSet<>();
        for (int i = 0; i < three.size(); i += 2) {
          members.add(three.get(i));
          assertEquals(scores.get(three.get(i)), three.get(i + 1), three::toString);
        }
        assertEquals(3, members.size(), three::toString);
        Object field = d.both("HRANDFIELD", "h")[side];
        assertTrue(values.containsKey(field), () -> "HRANDFIELD h: " + field);
        List<?> fv = (List<?>) d.both("HRANDFIELD", "h", "-5", "WITHVALUES")[side];
        assertEquals(10, fv.size());
        for (int i = 0; i < fv.size(); i += 2) {
          assertEquals(values.get(fv.get(i)), fv.get(i + 1), fv::toString);
        }
        List<?> f2 = (List<?>) d.both("HRANDFIELD", "h", "2")[side];
        assertEquals(2, new TreeSet<Object>(f2).size(), f2::toString);
        assertTrue(values.keySet().containsAll(f2), f2::toString);
      }
    }
  }

  @Test
  void resp3RepliesHaveRedisShapes() throws Exception {
    try (ConnectionCompatIT.RawClient r = new ConnectionCompatIT.RawClient(diff.redisPort());
        ConnectionCompatIT.RawClient k = new ConnectionCompatIT.RawClient(diff.raftKvPort())) {
      String hr = r.call("HELLO", "3");
      String hk = k.call("HELLO", "3");
      assertTrue(hr.startsWith("%7\r\n") && hk.startsWith("%7\r\n"), hk);
      String script = """
          ZADD z 1 a 2.5 b -inf c
          ZADD one 3 x
          SADD s a q
          ZRANGE z 0 -1 WITHSCORES
          ZRANGE z 0 -1
          ZRANGE z 0 -1 REV WITHSCORES
          ZRANGE z -inf +inf BYSCORE LIMIT 0 2 WITHSCORES
          ZRANGE nokey 0 -1 WITHSCORES
          ZRANGEBYSCORE z -inf +inf WITHSCORES
          ZRANGEBYSCORE z -inf +inf LIMIT 1 1 WITHSCORES
          ZREVRANGEBYSCORE z +inf -inf WITHSCORES
          ZREVRANGE z 0 -1 WITHSCORES
          ZRANGEBYLEX z - +
          ZSCORE z a
          ZSCORE z c
          ZSCORE z nope
          ZMSCORE z a nope c
          ZMSCORE nokey a
          ZINCRBY z 1 a
          ZINCRBY z 0.1 b
          ZADD z INCR 1 a
          ZADD z NX INCR 1 a
          ZADD z XX CH 1 a
          ZRANK z a
          ZRANK z nope
          ZCARD z
          ZPOPMIN z
          ZPOPMAX z 2
          ZPOPMIN z 0
          ZPOPMIN nokey
          ZPOPMIN nokey 2
          ZADD z 1 a 2 b 3 c -0.5 q
          ZPOPMAX z 1
          ZUNION 2 z s WITHSCORES
          ZUNION 2 z s WEIGHTS 1 2 AGGREGATE MAX WITHSCORES
          ZUNION 2 z s
          ZINTER 2 z s WITHSCORES
          ZINTER 2 z s
          ZDIFF 2 z s WITHSCORES
          ZDIFF 1 nokey WITHSCORES
          ZINTERCARD 2 z s
          ZUNIONSTORE d 2 z s
          ZRANGE d 0 -1 WITHSCORES
          ZRANDMEMBER one
          ZRANDMEMBER nokey
          ZRANDMEMBER one 1
          ZRANDMEMBER one 1 WITHSCORES
          ZRANDMEMBER one -3 WITHSCORES
          ZRANDMEMBER z 10 WITHSCORES
          ZRANDMEMBER z 10
          ZRANDMEMBER nokey 2 WITHSCORES
          ZMPOP 1 z MIN COUNT 2
          ZMPOP 1 z MAX
          ZMPOP 1 nokey MAX
          ZSCAN d 0
          HSET h f v
          HRANDFIELD h 5 WITHVALUES
          HRANDFIELD h -2 WITHVALUES
          HRANDFIELD h -2
          HRANDFIELD h
          HRANDFIELD nokey
          HRANDFIELD nokey 1 WITHVALUES
          ZUNION 0 z
          ZRANDMEMBER z x
          MULTI
          ZADD t 1 a 2 b
          ZUNION 1 t WITHSCORES
          ZSCORE t a
          ZRANDMEMBER t 5 WITHSCORES
          ZMPOP 1 t MAX
          ZPOPMIN t 1
          EXEC
          """;
      for (String line : script.split("\n")) {
        String[] c = line.strip().split(" +");
        String expected = r.call(c);
        assertEquals(expected, k.call(c), () -> "RESP3 reply to " + line.strip());
      }
    }
  }

  @Test
  void theSameScenariosOnTheMemoryStore(@TempDir Path memDir) throws Exception {
    try (RedisDiff mem = new RedisDiff(memDir, "memory")) {
      mem.flushAll();
      zaddOptions(mem);
      mem.flushAll();
      zincrbyAndNaN(mem);
      mem.flushAll();
      readsAndRemoval(mem);
      mem.flushAll();
      rangesByRankScoreAndLex(mem);
      mem.flushAll();
      storesPopsAndRangeRemoval(mem);
      mem.flushAll();
      randomizedOperationsMatchRedis(mem, 150);
      mem.flushAll();
      unionInterDiffAndTheirStores(mem);
      mem.flushAll();
      zmpop(mem);
      mem.flushAll();
      zrandmemberAndHrandfield(mem);
    }
  }
}

package dev.raftkv.command;

import static dev.raftkv.command.SetCommandsTest.argv;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.raft.PendingKeyspace;
import dev.raftkv.store.MemoryStore;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sorted set commands against a real memory store: storage layout, expiry, atomic failures. */
class ZSetCommandsTest {
  private MemoryStore store;
  private final long now = 1_700_000_000_000L;
  private long index;

  @BeforeEach
  void setUp() {
    store = new MemoryStore();
  }

  private String run(String... a) throws Exception {
    byte[][] args = argv(a);
    CommandSpec spec = Commands.lookup(args[0]);
    if (!spec.arityOk(args.length)) {
      return "-" + CommandError.arity(spec.name()).getMessage() + "\r\n";
    }
    try {
      args = spec.normalizer().normalize(args, now);
    } catch (CommandError e) {
      return "-" + e.getMessage() + "\r\n";
    }
    return SetCommandsTest.apply(store, now, ++index, args);
  }

  @Test
  void pairsAreStoredInScoreThenMemberOrder() throws Exception {
    assertEquals(":4\r\n", run("ZADD", "z", "2", "b", "1", "z", "2", "a", "-inf", "m"));
    List<byte[]> items = Packed.unpack(Record.payload(store.get(argv("z")[0])));
    assertEquals(8, items.size());
    String[] members = {"m", "z", "a", "b"};
    double[] scores = {Double.NEGATIVE_INFINITY, 1, 2, 2};
    for (int i = 0; i < 4; i++) {
      assertArrayEquals(argv(members[i])[0], items.get(2 * i));
      assertEquals(scores[i], Double.longBitsToDouble(Record.getLong(items.get(2 * i + 1), 0)));
    }
  }

  @Test
  void minusZeroIsRepliedButStoredAsZero() throws Exception {
    assertEquals("$2\r\n-0\r\n", run("ZINCRBY", "z", "-0", "a"));
    assertEquals("$1\r\n0\r\n", run("ZSCORE", "z", "a"));
    assertEquals(":0\r\n", run("ZADD", "z", "CH", "-0", "a"), "-0 equals 0: nothing changes");
  }

  @Test
  void aNaNIncrementIsAnErrorThatChangesNothing() throws Exception {
    run("ZADD", "z", "inf", "a");
    byte[] before = store.get(argv("z")[0]);
    assertEquals("-ERR resulting score is not a number (NaN)\r\n", run("ZINCRBY", "z", "-inf", "a"));
    assertEquals("-ERR resulting score is not a number (NaN)\r\n", run("ZADD", "z", "INCR", "-inf", "a"));
    assertArrayEquals(before, store.get(argv("z")[0]));
  }

  @Test
  void badArgumentsAreRefusedBeforeTheLog() throws Exception {
    CommandSpec zadd = Commands.lookup(argv("zadd")[0]);
    for (String[] bad : new String[][] {{"ZADD", "z", "nan", "a"}, {"ZADD", "z", "NX", "XX", "1", "a"},
        {"ZADD", "z", "1", "a", "2"}}) {
      try {
        zadd.normalizer().normalize(argv(bad), now);
        throw new AssertionError("accepted " + String.join(" ", bad));
      } catch (CommandError expected) {
        // refused on the receiving peer
      }
    }
    assertEquals("-ERR min or max is not a float\r\n", run("ZREMRANGEBYSCORE", "z", "x", "1"));
    assertEquals("-ERR value is out of range, must be positive\r\n", run("ZPOPMIN", "z", "-2"));
  }

  @Test
  void modificationsKeepTheExpiryAndStoresDropIt() throws Exception {
    byte[] key = argv("z")[0];
    PendingKeyspace ks = new PendingKeyspace(store, now);
    ZSetData z = ZSetData.empty();
    z.put(argv("a")[0], 1);
    z.put(argv("b")[0], 2);
    z.write(ks, key, now + 9000);
    ks.commit(1, ++index);
    run("ZADD", "z", "3", "c");
    run("ZINCRBY", "z", "1", "a");
    run("ZREM", "z", "b");
    run("ZPOPMAX", "z");
    assertEquals(now + 9000, Record.expireAt(store.get(key)));
    assertEquals(":1\r\n", run("ZRANGESTORE", "d", "z", "0", "-1"));
    assertEquals(0, Record.expireAt(store.get(argv("d")[0])));
    assertEquals(":1\r\n", run("ZREMRANGEBYRANK", "z", "0", "-1"));
    assertNull(store.get(key), "an emptied sorted set is deleted");
  }

  @Test
  void lexRangesCompareBytesUnsigned() throws Exception {
    run("ZADD", "z", "0", "a", "0", "\u00e9", "0", "b");
    assertEquals("*2\r\n$1\r\nb\r\n$2\r\n\u00e9\r\n", run("ZRANGEBYLEX", "z", "(a", "+"));
    assertEquals(":1\r\n", run("ZLEXCOUNT", "z", "[\u00e9", "+"));
  }

  /** The members and scores a sorted set record holds, "member=score" in stored order. */
  private List<String> stored(String key) {
    List<byte[]> items = Packed.unpack(Record.payload(store.get(argv(key)[0])));
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < items.size(); i += 2) {
      out.add(new String(items.get(i), java.nio.charset.StandardCharsets.UTF_8) + "="
          + Double.longBitsToDouble(Record.getLong(items.get(i + 1), 0)));
    }
    return out;
  }

  @Test
  void storesOfTheSetAlgebraWriteSortedRecordsAndDropTheOldValue() throws Exception {
    run("ZADD", "a", "1", "x", "2", "y", "3", "z");
    run("ZADD", "b", "10", "y", "-5", "w");
    run("SADD", "s", "x", "q");
    run("SET", "dst", "v", "EX", "100");
    assertEquals(":5\r\n", run("ZUNIONSTORE", "dst", "3", "a", "b", "s", "WEIGHTS", "1", "2", "3"));
    assertEquals(List.of("w=-10.0", "q=3.0", "z=3.0", "x=4.0", "y=22.0"), stored("dst"));
    assertEquals(0, Record.expireAt(store.get(argv("dst")[0])), "the old value's expiry is gone");
    assertEquals(":1\r\n", run("ZINTERSTORE", "dst", "2", "a", "b", "AGGREGATE", "MIN"));
    assertEquals(List.of("y=2.0"), stored("dst"));
    assertEquals(":2\r\n", run("ZDIFFSTORE", "dst", "2", "a", "s"));
    assertEquals(List.of("y=2.0", "z=3.0"), stored("dst"));
    assertEquals(":0\r\n", run("ZINTERSTORE", "dst", "2", "a", "nokey"));
    assertNull(store.get(argv("dst")[0]), "an empty result deletes the destination");
  }

  @Test
  void minusZeroFromAWeightIsRepliedButStoredAsZero() throws Exception {
    run("ZADD", "a", "0", "m");
    assertEquals("*2\r\n$1\r\nm\r\n$2\r\n-0\r\n", run("ZUNION", "1", "a", "WEIGHTS", "-1", "WITHSCORES"));
    assertEquals(":1\r\n", run("ZUNIONSTORE", "d", "1", "a", "WEIGHTS", "-1"));
    assertEquals(List.of("m=0.0"), stored("d"));
    assertEquals("$1\r\n0\r\n", run("ZSCORE", "d", "m"));
  }

  @Test
  void infinitiesThatCancelGiveZero() throws Exception {
    run("ZADD", "a", "inf", "x");
    run("SADD", "s", "x");
    run("ZADD", "zero", "0", "x");
    assertEquals("*2\r\n$1\r\nx\r\n$1\r\n0\r\n",
        run("ZINTER", "2", "a", "a", "WEIGHTS", "1", "-1", "WITHSCORES"), "inf + -inf");
    assertEquals("*2\r\n$1\r\nx\r\n$1\r\n1\r\n",
        run("ZUNION", "2", "a", "s", "WEIGHTS", "0", "1", "WITHSCORES"), "0 * inf counts as 0");
    assertEquals("*2\r\n$1\r\nx\r\n$1\r\n0\r\n",
        run("ZINTER", "2", "s", "zero", "WEIGHTS", "1", "-inf", "AGGREGATE", "SUM", "WITHSCORES"),
        "1 + (0 * -inf) is NaN, counted as 0");
  }

  @Test
  void aFailedStoreChangesNothingAndBadNumkeysNeverReachTheLog() throws Exception {
    run("ZADD", "a", "1", "x");
    run("ZADD", "dst", "5", "old");
    byte[] before = store.get(argv("dst")[0]);
    run("SET", "str", "v");
    assertEquals("-" + CommandError.WRONGTYPE + "\r\n", run("ZUNIONSTORE", "dst", "2", "a", "str", "WEIGHTS", "x", "1"),
        "the key types are checked before the options, as in Redis");
    assertEquals("-ERR weight value is not a float\r\n", run("ZUNIONSTORE", "dst", "1", "a", "WEIGHTS", "x"));
    assertArrayEquals(before, store.get(argv("dst")[0]));
    CommandSpec zunionstore = Commands.lookup(argv("zunionstore")[0]);
    for (String[] bad : new String[][] {{"ZUNIONSTORE", "d", "0", "a"}, {"ZUNIONSTORE", "d", "x", "a"},
        {"ZUNIONSTORE", "d", "3", "a", "b"}}) {
      try {
        zunionstore.normalizer().normalize(argv(bad), now);
        throw new AssertionError("accepted " + String.join(" ", bad));
      } catch (CommandError expected) {
        // refused on the receiving peer
      }
    }
    assertEquals("-ERR at least 1 input key is needed for 'zinterstore' command\r\n",
        run("ZINTERSTORE", "d", "0", "a"));
    assertEquals("-ERR numkeys should be greater than 0\r\n", run("ZMPOP", "0", "a", "MIN"));
    assertEquals("-ERR count should be greater than 0\r\n", run("ZMPOP", "1", "a", "MIN", "COUNT", "0"));
    assertEquals(List.of("x=1.0"), stored("a"));
  }

  @Test
  void zintercardStopsAtTheLimit() throws Exception {
    run("ZADD", "a", "1", "x", "2", "y", "3", "z");
    run("SADD", "s", "x", "y", "z", "w");
    assertEquals(":3\r\n", run("ZINTERCARD", "2", "a", "s"));
    assertEquals(":2\r\n", run("ZINTERCARD", "2", "a", "s", "LIMIT", "2"));
    assertEquals(":3\r\n", run("ZINTERCARD", "2", "a", "s", "LIMIT", "0"));
    assertEquals("-ERR LIMIT can't be negative\r\n", run("ZINTERCARD", "2", "a", "s", "LIMIT", "-1"));
  }

  @Test
  void zmpopPopsFromTheFirstNonEmptyKeyAndKeepsTheExpiry() throws Exception {
    PendingKeyspace ks = new PendingKeyspace(store, now);
    ZSetData z = ZSetData.empty();
    z.put(argv("a")[0], 1);
    z.put(argv("b")[0], 2);
    z.put(argv("c")[0], 3);
    z.write(ks, argv("z")[0], now + 9000);
    ks.commit(1, ++index);
    assertEquals("*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
        run("ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "2"));
    assertEquals(now + 9000, Record.expireAt(store.get(argv("z")[0])));
    assertEquals(List.of("a=1.0"), stored("z"));
    assertEquals("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", run("ZMPOP", "1", "z", "MIN", "COUNT", "5"));
    assertNull(store.get(argv("z")[0]), "an emptied sorted set is deleted");
    assertEquals("*-1\r\n", run("ZMPOP", "1", "z", "MIN"));
  }

  @Test
  void randomReadsHaveRedisShapes() throws Exception {
    run("ZADD", "z", "1", "a", "2", "b", "3", "c");
    run("HSET", "h", "f1", "v1", "f2", "v2");
    assertEquals("*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n",
        run("ZRANDMEMBER", "z", "3", "WITHSCORES"), "a count covering the set gives it from the end, as Redis");
    assertEquals("*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n", run("HRANDFIELD", "h", "9", "WITHVALUES"));
    for (int i = 0; i < 20; i++) {
      String two = run("ZRANDMEMBER", "z", "2");
      assertTrue(two.startsWith("*2\r\n"), two);
      String[] lines = two.split("\r\n");
      assertTrue(!lines[2].equals(lines[4]), "distinct: " + two);
      String repeats = run("ZRANDMEMBER", "z", "-5", "WITHSCORES");
      assertTrue(repeats.startsWith("*10\r\n"), repeats);
      String[] r = repeats.split("\r\n");
      for (int j = 1; j < r.length; j += 4) {
        assertEquals(Integer.toString(r[j + 1].charAt(0) - 'a' + 1), r[j + 3], repeats);
      }
      String field = run("HRANDFIELD", "h", "-3");
      assertTrue(field.startsWith("*3\r\n"), field);
    }
    assertEquals("*0\r\n", run("ZRANDMEMBER", "z", "0"));
    assertEquals("$-1\r\n", run("HRANDFIELD", "nokey"));
    assertEquals("-ERR value is out of range\r\n", run("ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES"));
    assertEquals("-ERR value is out of range, value must between -10000000 and 9223372036854775807\r\n",
        run("ZRANDMEMBER", "z", "-10000001"), "the repeats are bounded, as SRANDMEMBER's");
    assertEquals("-" + CommandError.SYNTAX + "\r\n", run("HRANDFIELD", "h", "1", "WITHSCORES"));
  }
}

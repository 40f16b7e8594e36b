package dev.raftkv.command;

import static dev.raftkv.command.SetCommandsTest.argv;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
}

package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.raft.PendingKeyspace;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.store.MemoryStore;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Commands against a real memory store through the same keyspace the state machine uses, with
 * Redis's exact replies and error texts.
 */
class CommandsTest {
  private MemoryStore store;
  private long now = 1_700_000_000_000L;
  private long index;
  /** The value limit the entries of {@link #run} carry. */
  private long maxValue = Commands.DEFAULT_MAX_VALUE;

  @BeforeEach
  void setUp() {
    store = new MemoryStore();
  }

  private static byte[][] argv(String... a) {
    byte[][] r = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i].getBytes(StandardCharsets.UTF_8);
    }
    return r;
  }

  /** Normalizes as the receiving peer would, then applies as a log entry would. */
  private String run(String... a) throws Exception {
    byte[][] args = argv(a);
    CommandSpec spec = Commands.lookup(args[0]);
    if (spec == null) {
      return "-" + Commands.unknownCommandError(args) + "\r\n";
    }
    if (!spec.arityOk(args.length)) {
      return "-" + CommandError.arity(spec.name()).getMessage() + "\r\n";
    }
    try {
      args = spec.normalizer().normalize(args, now);
    } catch (CommandError e) {
      return "-" + e.getMessage() + "\r\n";
    }
    PendingKeyspace ks = new PendingKeyspace(store, now, maxValue);
    RespOut out = new RespOut();
    Commands.execute(spec, args, ks, out);
    ks.commit(1, ++index);
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }

  /** Infinite coordinates are out of range, with Redis's %.6f text (found by CommandFuzzTest). */
  @Test
  void georadiusWithAnInfiniteCoordinateAnswersRedissError() throws Exception {
    assertEquals("-ERR invalid longitude,latitude pair 0.000000,inf\r\n", run("GEORADIUS", "0", "0", "inf", "0", "0"));
    assertEquals("-ERR invalid longitude,latitude pair -inf,0.000000\r\n", run("GEORADIUS", "0", "-inf", "0", "1", "m"));
  }

  /**
   * No write leaves a record past the entry's value limit, whichever command grows it, and the
   * refused command changes nothing. The string commands refuse before they allocate.
   */
  @Test
  void noCommandGrowsAValuePastTheEntrysLimit() throws Exception {
    maxValue = 100;
    String tooBig = "-ERR value exceeds maximum allowed size (raftkv.max-value-bytes): 101 bytes,"
        + " at most 100\r\n";
    assertEquals(tooBig, run("SETRANGE", "s", "100", "x"));
    assertEquals(":0\r\n", run("EXISTS", "s"));
    assertEquals(":100\r\n", run("SETRANGE", "s", "99", "x"));
    assertEquals(tooBig, run("APPEND", "s", "y"));
    assertEquals(":100\r\n", run("STRLEN", "s"));
    assertEquals(tooBig, run("SETBIT", "b", "800", "1"));
    assertEquals(":0\r\n", run("SETBIT", "b", "799", "1"));
    assertEquals(tooBig, run("BITFIELD", "f", "SET", "u8", "#100", "1"));
    assertEquals("*1\r\n:0\r\n", run("BITFIELD", "f", "SET", "u8", "#99", "1"));
    // SETRANGE far past Redis's own 512 MB keeps Redis's error
    assertEquals("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
        run("SETRANGE", "s", "536870912", "x"));
    // collections: refused where the record is stored, the list stays as it was
    String ten = "0123456789";
    int pushed = 0;
    String reply;
    while ((reply = run("RPUSH", "l", ten)).startsWith(":")) {
      pushed++;
    }
    assertTrue(reply.startsWith("-ERR value exceeds maximum allowed size (raftkv.max-value-bytes): "),
        reply);
    assertTrue(pushed > 3, "pushed " + pushed);
    assertEquals(":" + pushed + "\r\n", run("LLEN", "l"));
  }

  @Test
  void setAndGet() throws Exception {
    assertEquals("$-1\r\n", run("GET", "k"));
    assertEquals("+OK\r\n", run("SET", "k", "v"));
    assertEquals("$1\r\nv\r\n", run("get", "k"));
    assertEquals("$-1\r\n", run("SET", "k", "w", "NX"));
    assertEquals("+OK\r\n", run("SET", "k", "w", "XX"));
    assertEquals("$-1\r\n", run("SET", "nokey", "w", "XX"));
    assertEquals("$1\r\nw\r\n", run("SET", "k", "x", "GET"));
    assertEquals("$-1\r\n", run("SET", "fresh", "x", "GET"));
    assertEquals("$1\r\nx\r\n", run("SET", "k", "y", "NX", "GET"));
    assertEquals("$1\r\nx\r\n", run("GET", "k"));
  }

  @Test
  void setOptionErrorsUseRedisTexts() throws Exception {
    assertEquals("-ERR syntax error\r\n", run("SET", "k", "v", "NX", "XX"));
    assertEquals("-ERR syntax error\r\n", run("SET", "k", "v", "EX", "10", "PX", "100"));
    assertEquals("-ERR syntax error\r\n", run("SET", "k", "v", "EX"));
    assertEquals("-ERR syntax error\r\n", run("SET", "k", "v", "KEEPTTL", "EX", "1"));
    assertEquals("-ERR syntax error\r\n", run("SET", "k", "v", "BOGUS"));
    assertEquals("-ERR value is not an integer or out of range\r\n", run("SET", "k", "v", "EX", "ten"));
    assertEquals("-ERR invalid expire time in 'set' command\r\n", run("SET", "k", "v", "EX", "0"));
    assertEquals("-ERR invalid expire time in 'set' command\r\n", run("SET", "k", "v", "PX", "-5"));
    assertEquals("-ERR invalid expire time in 'set' command\r\n",
        run("SET", "k", "v", "EX", "9223372036854775807"));
    assertEquals("-ERR wrong number of arguments for 'set' command\r\n", run("SET", "k"));
    assertEquals("-ERR wrong number of arguments for 'get' command\r\n", run("GET"));
    assertEquals("-ERR unknown command 'NOPE', with args beginning with: 'a' 'b' \r\n", run("NOPE", "a", "b"));
    assertNull(store.get("k".getBytes(StandardCharsets.UTF_8)), "a rejected SET changes nothing");
  }

  @Test
  void relativeExpiryIsMadeAbsoluteBeforeTheLog() throws Exception {
    CommandSpec set = Commands.lookup("set".getBytes(StandardCharsets.UTF_8));
    byte[][] n = set.normalizer().normalize(argv("set", "k", "v", "ex", "10", "nx"), 1000);
    assertArrayEquals(argv("SET", "k", "v", "NX", "PXAT", "11000"), n);
    n = set.normalizer().normalize(argv("SET", "k", "v", "EXAT", "5"), 1000);
    assertArrayEquals(argv("SET", "k", "v", "PXAT", "5000"), n);
  }

  @Test
  void expiryUsesTheEntryClock() throws Exception {
    run("SET", "k", "v", "PX", "1000");
    assertEquals(":1000\r\n", run("PTTL", "k"));
    assertEquals(":1\r\n", run("TTL", "k"));
    now += 999;
    assertEquals("$1\r\nv\r\n", run("GET", "k"));
    now += 1;
    assertEquals("$-1\r\n", run("GET", "k"));
    assertEquals(":-2\r\n", run("TTL", "k"));
    assertEquals(":0\r\n", run("EXISTS", "k"));
    assertEquals(":1\r\n", run("INCR", "k"), "an expired key counts as absent");
    assertEquals(":-1\r\n", run("TTL", "k"));
    run("SET", "t", "v", "EX", "100");
    run("SET", "t", "w", "KEEPTTL");
    assertEquals(":100\r\n", run("TTL", "t"));
    run("SET", "t", "x");
    assertEquals(":-1\r\n", run("TTL", "t"));
  }

  @Test
  void countersFollowRedis() throws Exception {
    assertEquals(":1\r\n", run("INCR", "c"));
    assertEquals(":11\r\n", run("INCRBY", "c", "10"));
    assertEquals(":10\r\n", run("DECR", "c"));
    assertEquals(":-90\r\n", run("DECRBY", "c", "100"));
    run("SET", "c", "9223372036854775807");
    assertEquals("-ERR increment or decrement would overflow\r\n", run("INCR", "c"));
    assertEquals("-ERR value is not an integer or out of range\r\n", run("INCRBY", "c", "1.5"));
    assertEquals("-ERR decrement would overflow\r\n", run("DECRBY", "c", "-9223372036854775808"));
    run("SET", "s", "abc");
    assertEquals("-ERR value is not an integer or out of range\r\n", run("INCR", "s"));
    run("SET", "z", "007");
    assertEquals("-ERR value is not an integer or out of range\r\n", run("INCR", "z"));
    run("SET", "sp", " 1");
    assertEquals("-ERR value is not an integer or out of range\r\n", run("INCR", "sp"));
  }

  @Test
  void appendStrlenMgetMsetDelExistsKeysDbsizeFlush() throws Exception {
    assertEquals(":5\r\n", run("APPEND", "a", "hello"));
    assertEquals(":11\r\n", run("APPEND", "a", " world"));
    assertEquals(":11\r\n", run("STRLEN", "a"));
    assertEquals(":0\r\n", run("STRLEN", "none"));
    assertEquals("+OK\r\n", run("MSET", "x", "1", "y", "2"));
    assertEquals("-ERR wrong number of arguments for 'mset' command\r\n", run("MSET", "x", "1", "y"));
    assertEquals("*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n", run("MGET", "x", "nope", "y"));
    assertEquals(":3\r\n", run("EXISTS", "x", "y", "x"));
    assertEquals(":3\r\n", run("DBSIZE"));
    String keys = run("KEYS", "[x-z]");
    assertTrue(keys.startsWith("*2\r\n") && keys.contains("$1\r\nx\r\n") && keys.contains("$1\r\ny\r\n"), keys);
    assertEquals(":2\r\n", run("DEL", "x", "y", "nope"));
    assertEquals(":1\r\n", run("DBSIZE"));
    assertEquals("-ERR syntax error\r\n", run("FLUSHALL", "NOW"));
    assertEquals("+OK\r\n", run("FLUSHALL", "ASYNC"));
    assertEquals(":0\r\n", run("DBSIZE"));
    assertEquals("*0\r\n", run("KEYS", "*"));
  }

  @Test
  void aBatchSeesItsOwnEarlierWritesAndCommitsAtomically() throws Exception {
    PendingKeyspace ks = new PendingKeyspace(store, now);
    RespOut out = new RespOut();
    Commands.execute(Commands.lookup("set".getBytes()), argv("SET", "n", "5"), ks, out);
    Commands.execute(Commands.lookup("incr".getBytes()), argv("INCR", "n"), ks, out);
    Commands.execute(Commands.lookup("flushdb".getBytes()), argv("FLUSHDB"), ks, out);
    Commands.execute(Commands.lookup("incr".getBytes()), argv("INCR", "n"), ks, out);
    assertNull(store.get("n".getBytes()), "nothing reaches the store before commit");
    ks.commit(1, 1);
    assertEquals("+OK\r\n:6\r\n+OK\r\n:1\r\n", new String(out.toByteArray(), StandardCharsets.UTF_8));
    assertNotNull(store.get("n".getBytes()));
    assertEquals(1, store.count());
    assertEquals(1, store.appliedIndex());
  }

  @Test
  void parseLongFollowsRedisRules() {
    assertEquals(0L, Args.parseLong("0".getBytes()));
    assertEquals(-1L, Args.parseLong("-1".getBytes()));
    assertEquals(Long.MIN_VALUE, Args.parseLong("-9223372036854775808".getBytes()));
    assertEquals(Long.MAX_VALUE, Args.parseLong("9223372036854775807".getBytes()));
    for (String bad : new String[] {"", "-", "+1", "01", "-0", "1 ", "9223372036854775808", "1e3", "0x10"}) {
      assertNull(Args.parseLong(bad.getBytes()), bad);
    }
    assertThrows(CommandError.class, () -> Args.longArg("x".getBytes()));
  }

  @Test
  void globMatchesLikeRedis() {
    assertTrue(Glob.matches("*".getBytes(), "anything".getBytes()));
    assertTrue(Glob.matches("h?llo".getBytes(), "hello".getBytes()));
    assertTrue(Glob.matches("h[ae]llo".getBytes(), "hallo".getBytes()));
    assertTrue(!Glob.matches("h[^e]llo".getBytes(), "hello".getBytes()));
    assertTrue(Glob.matches("h[a-b]llo".getBytes(), "hbllo".getBytes()));
    assertTrue(Glob.matches("user:*:name".getBytes(), "user:42:name".getBytes()));
    assertTrue(!Glob.matches("user:*:name".getBytes(), "user:42:mail".getBytes()));
    assertTrue(Glob.matches("a\\*b".getBytes(), "a*b".getBytes()));
    assertTrue(!Glob.matches("a\\*b".getBytes(), "axb".getBytes()));
    assertTrue(Glob.matches("".getBytes(), "".getBytes()));
  }
}

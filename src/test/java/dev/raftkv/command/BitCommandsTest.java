package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.store.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bitmap commands and LCS against a real memory store, normalized and applied as a peer does.
 * Expected values are Redis 7.0's (its tests/unit/bitops.tcl, bitfield.tcl and type/string.tcl)
 * or computed by a naive reference here; BitmapsCompatIT compares with a real redis-server.
 */
class BitCommandsTest {
  private MemoryStore store;
  private final long now = 1_700_000_000_000L;
  private long index;

  @BeforeEach
  void setUp() {
    store = new MemoryStore();
  }

  private String run(String... a) throws Exception {
    return run(SetCommandsTest.argv(a));
  }

  private String run(byte[][] args) throws Exception {
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

  private static String ints(long... v) {
    StringBuilder sb = new StringBuilder("*" + v.length + "\r\n");
    for (long x : v) {
      sb.append(':').append(x).append("\r\n");
    }
    return sb.toString();
  }

  private byte[] value(String key) {
    byte[] r = store.get(key.getBytes(StandardCharsets.UTF_8));
    return r == null ? null : Record.payload(r);
  }

  @Test
  void setbitGrowsTheStringAndAnswersTheOldBit() throws Exception {
    assertEquals(":0\r\n", run("SETBIT", "b", "7", "1"));
    assertEquals(":1\r\n", run("SETBIT", "b", "7", "0"));
    assertEquals(":0\r\n", run("SETBIT", "b", "1", "1"));
    assertEquals(":0\r\n", run("SETBIT", "b", "23", "1"));
    assertEquals(3, value("b").length);
    assertEquals(0x40, value("b")[0] & 0xff);
    assertEquals(1, value("b")[2] & 0xff);
    assertEquals(":1\r\n", run("GETBIT", "b", "1"));
    assertEquals(":0\r\n", run("GETBIT", "b", "0"));
    assertEquals(":0\r\n", run("GETBIT", "b", "4294967295"), "past the end reads 0");
    assertEquals(":0\r\n", run("GETBIT", "nokey", "0"));
  }

  @Test
  void offsetsAndBitValuesAreCheckedBeforeReplication() throws Exception {
    String badOffset = "-ERR bit offset is not an integer or out of range\r\n";
    assertEquals(badOffset, run("SETBIT", "b", "4294967296", "1"), "byte 512 MB is past the limit");
    assertEquals(badOffset, run("SETBIT", "b", "-1", "1"));
    assertEquals(badOffset, run("SETBIT", "b", "x", "1"));
    assertEquals(badOffset, run("GETBIT", "b", "4294967296"));
    String badBit = "-ERR bit is not an integer or out of range\r\n";
    assertEquals(badBit, run("SETBIT", "b", "0", "2"));
    assertEquals(badBit, run("SETBIT", "b", "0", "-1"));
    assertNull(value("b"), "nothing was written");
    run("LPUSH", "l", "x");
    assertEquals(badOffset, run("SETBIT", "l", "-1", "1"), "arguments before the type");
    assertTrue(run("SETBIT", "l", "0", "1").startsWith("-WRONGTYPE"));
  }

  @Test
  void setbitKeepsTheDeadline() throws Exception {
    run("SET", "k", "a", "PX", "100000");
    run("SETBIT", "k", "100", "1");
    assertEquals(now + 100000, Record.expireAt(store.get("k".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void bitcountWithByteAndBitRanges() throws Exception {
    run("SET", "s", "foobar");
    assertEquals(":26\r\n", run("BITCOUNT", "s"));
    assertEquals(":4\r\n", run("BITCOUNT", "s", "0", "0"));
    assertEquals(":6\r\n", run("BITCOUNT", "s", "1", "1"));
    assertEquals(":6\r\n", run("BITCOUNT", "s", "1", "1", "BYTE"));
    assertEquals(":17\r\n", run("BITCOUNT", "s", "5", "30", "BIT"));
    assertEquals(":0\r\n", run("BITCOUNT", "s", "-1", "-5"));
    assertEquals("-ERR syntax error\r\n", run("BITCOUNT", "s", "0"));
    assertEquals("-ERR syntax error\r\n", run("BITCOUNT", "s", "0", "1", "bits"));
    assertEquals(":0\r\n", run("BITCOUNT", "nokey", "0"), "a missing key is 0 before the syntax");
    // against a naive count, every bit range of a random string
    Random rnd = new Random(3);
    byte[] v = new byte[13];
    rnd.nextBytes(v);
    run(new byte[][] {SetCommandsTest.argv("SET")[0], SetCommandsTest.argv("r")[0], v});
    for (int s = -110; s < 110; s += 7) {
      for (int e = -110; e < 110; e += 5) {
        long expected = 0;
        long n = v.length * 8L;
        long from = Math.max(0, s < 0 ? n + s : s);
        long to = Math.min(n - 1, Math.max(0, e < 0 ? n + e : e));
        if (!(s < 0 && e < 0 && s > e)) {
          for (long b = from; b <= to; b++) {
            expected += (v[(int) (b >> 3)] >> (7 - (b & 7))) & 1;
          }
        }
        assertEquals(":" + expected + "\r\n", run("BITCOUNT", "r", "" + s, "" + e, "BIT"), s + " " + e);
      }
    }
  }

  @Test
  void bitposWithRanges() throws Exception {
    assertEquals(":0\r\n", run("BITPOS", "nokey", "0"));
    assertEquals(":-1\r\n", run("BITPOS", "nokey", "1"));
    assertEquals("-ERR The bit argument must be 1 or 0.\r\n", run("BITPOS", "nokey", "2"));
    run("BITFIELD", "s", "set", "u24", "0", "65520"); // 00 ff f0
    assertEquals(":8\r\n", run("BITPOS", "s", "1"));
    assertEquals(":0\r\n", run("BITPOS", "s", "0"));
    assertEquals(":20\r\n", run("BITPOS", "s", "0", "1"));
    assertEquals(":8\r\n", run("BITPOS", "s", "1", "0", "-1"));
    assertEquals(":9\r\n", run("BITPOS", "s", "1", "9", "-1", "BIT"));
    assertEquals(":-1\r\n", run("BITPOS", "s", "1", "0", "7", "BIT"));
    assertEquals(":-1\r\n", run("BITPOS", "s", "0", "8", "15", "BIT"));
    assertEquals(":-1\r\n", run("BITPOS", "s", "1", "3", "2"));
    run("SETBIT", "z", "7", "0");
    run("BITOP", "NOT", "y", "z"); // ff
    assertEquals(":8\r\n", run("BITPOS", "y", "0"), "no end: the zeros after the string");
    assertEquals(":8\r\n", run("BITPOS", "y", "0", "0"));
    assertEquals(":-1\r\n", run("BITPOS", "y", "0", "0", "-1"), "an end given: not found");
    assertEquals(":-1\r\n", run("BITPOS", "y", "0", "0", "-1", "BIT"));
    assertEquals("-ERR syntax error\r\n", run("BITPOS", "y", "0", "0", "-1", "foo"));
  }

  @Test
  void bitopAndOrXorNot() throws Exception {
    run("SET", "a", "foobar");
    run("SET", "b", "abc");
    assertEquals(":6\r\n", run("BITOP", "AND", "d", "a", "b"));
    byte[] d = value("d");
    assertEquals('f' & 'a', d[0]);
    assertEquals(0, d[3]);
    assertEquals(":6\r\n", run("BITOP", "or", "d", "a", "b", "nokey"));
    assertEquals('a', value("d")[4]);
    assertEquals(":6\r\n", run("BITOP", "XOR", "d", "a", "b"));
    assertEquals('o' ^ 'c', value("d")[2]);
    assertEquals(":3\r\n", run("BITOP", "NOT", "d", "b"));
    assertEquals((byte) ~'a', value("d")[0]);
    assertEquals("-ERR BITOP NOT must be called with a single source key.\r\n",
        run("BITOP", "NOT", "d", "a", "b"));
    assertEquals("-ERR syntax error\r\n", run("BITOP", "NAND", "d", "a"));
    assertEquals(":0\r\n", run("BITOP", "AND", "d", "nokey"), "an empty result deletes the target");
    assertNull(value("d"));
    run("SADD", "set", "m");
    assertTrue(run("BITOP", "OR", "d", "a", "set").startsWith("-WRONGTYPE"));
    run("SET", "t", "x", "EX", "100");
    run("BITOP", "OR", "t", "a");
    assertEquals(0, Record.expireAt(store.get("t".getBytes(StandardCharsets.UTF_8))), "TTL dropped");
  }

  @Test
  void bitfieldLikeRedisTests() throws Exception {
    assertEquals(ints(0, -1, 100), run("BITFIELD", "bits", "set", "i8", "0", "255", "set", "i8", "0", "100", "get", "i8", "0"));
    run("DEL", "bits");
    assertEquals(ints(0, 99, 99), run("BITFIELD", "bits", "set", "u8", "0", "255", "incrby", "u8", "0", "100", "get", "u8", "0"));
    assertEquals("*0\r\n", run("BITFIELD", "nokey"));
    run("DEL", "bits");
    run("BITFIELD", "bits", "set", "u8", "#0", "65", "set", "u8", "#1", "66", "set", "u8", "#2", "67");
    assertEquals("ABC", new String(value("bits"), StandardCharsets.US_ASCII));
    run("BITFIELD", "bits", "set", "u8", "#0", "100");
    assertEquals(ints(101), run("BITFIELD", "bits", "overflow", "wrap", "incrby", "u8", "#0", "257"));
    assertEquals(ints(100), run("BITFIELD", "bits", "overflow", "wrap", "incrby", "u8", "#0", "255"));
    assertEquals(ints(255), run("BITFIELD", "bits", "overflow", "sat", "incrby", "u8", "#0", "257"));
    assertEquals(ints(0), run("BITFIELD", "bits", "overflow", "sat", "incrby", "u8", "#0", "-255"));
    run("BITFIELD", "bits", "set", "u8", "#0", "100");
    assertEquals(ints(127), run("BITFIELD", "bits", "overflow", "sat", "incrby", "i8", "#0", "257"));
    assertEquals(ints(-128), run("BITFIELD", "bits", "overflow", "sat", "incrby", "i8", "#0", "-255"));
    run("BITFIELD", "bits", "set", "i8", "#0", "100");
    assertEquals(ints(101), run("BITFIELD", "bits", "overflow", "wrap", "incrby", "i8", "#0", "257"));
    assertEquals("*2\r\n$-1\r\n:101\r\n",
        run("BITFIELD", "bits", "overflow", "fail", "incrby", "i8", "#0", "100", "get", "i8", "#0"));
    assertEquals(ints(0, Long.MAX_VALUE), run("BITFIELD", "w", "set", "i64", "0", "9223372036854775807", "overflow", "sat", "incrby", "i64", "0", "1"));
    assertEquals(ints(Long.MIN_VALUE), run("BITFIELD", "w", "incrby", "i64", "0", "1"), "wraps by default");
    assertEquals(ints(0, (1L << 63) - 1), run("BITFIELD", "u", "overflow", "sat", "set", "u63", "1", "-1", "get", "u63", "1"));
  }

  @Test
  void bitfieldErrors() throws Exception {
    String type = "-" + BitCommands.BITFIELD_TYPE_ERROR + "\r\n";
    assertEquals(type, run("BITFIELD", "k", "get", "u64", "0"));
    assertEquals(type, run("BITFIELD", "k", "get", "i65", "0"));
    assertEquals(type, run("BITFIELD", "k", "get", "i0", "0"));
    assertEquals(type, run("BITFIELD", "k", "get", "I8", "0"));
    assertEquals("-ERR syntax error\r\n", run("BITFIELD", "k", "get", "i8"));
    assertEquals("-ERR syntax error\r\n", run("BITFIELD", "k", "set", "i8", "0"));
    assertEquals("-ERR Invalid OVERFLOW type specified\r\n", run("BITFIELD", "k", "overflow", "x"));
    assertEquals("-ERR bit offset is not an integer or out of range\r\n", run("BITFIELD", "k", "get", "i8", "#-1"));
    assertEquals("-ERR bit offset is not an integer or out of range\r\n", run("BITFIELD", "k", "get", "i8", "#536870912"));
    assertEquals("-ERR value is not an integer or out of range\r\n", run("BITFIELD", "k", "set", "i8", "0", "x"));
    assertEquals("-ERR BITFIELD_RO only supports the GET subcommand\r\n", run("BITFIELD_RO", "k", "set", "i8", "0", "1"));
    assertEquals(ints(0), run("BITFIELD_RO", "k", "get", "i8", "0"));
    assertNull(value("k"));
  }

  @Test
  void lcsLikeRedisTests() throws Exception {
    String rna1 = "CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG";
    String rna2 = "ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT";
    String lcs = "ACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT";
    run("SET", "v1", rna1);
    run("SET", "v2", rna2);
    assertEquals("$" + lcs.length() + "\r\n" + lcs + "\r\n", run("LCS", "v1", "v2"));
    assertEquals(":" + lcs.length() + "\r\n", run("LCS", "v1", "v2", "LEN"));
    String m = "*4\r\n$7\r\nmatches\r\n*5\r\n"
        + range(238, 238, 239, 239, -1) + range(236, 236, 238, 238, -1) + range(229, 230, 236, 237, -1)
        + range(224, 224, 235, 235, -1) + range(1, 222, 13, 234, -1) + "$3\r\nlen\r\n:227\r\n";
    assertEquals(m, run("LCS", "v1", "v2", "IDX"));
    assertEquals("*4\r\n$7\r\nmatches\r\n*1\r\n" + range(1, 222, 13, 234, 222) + "$3\r\nlen\r\n:227\r\n",
        run("LCS", "v1", "v2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "5"));
    assertEquals("-ERR If you want both the length and indexes, please just use IDX.\r\n",
        run("LCS", "v1", "v2", "LEN", "IDX"));
    assertEquals("-ERR syntax error\r\n", run("LCS", "v1", "v2", "MINMATCHLEN"));
    assertEquals("$0\r\n\r\n", run("LCS", "nokey", "v2"));
    run("LPUSH", "l", "x");
    assertEquals("-ERR The specified keys must contain string values\r\n", run("LCS", "v1", "l"));
  }

  private static String range(long a0, long a1, long b0, long b1, long len) {
    return (len < 0 ? "*2\r\n" : "*3\r\n") + ints(a0, a1) + ints(b0, b1) + (len < 0 ? "" : ":" + len + "\r\n");
  }

  @Test
  void lcsRefusesATableOverTheLimitLikeRedisAndComputesOneAtTheLimit() throws Exception {
    // Redis: (len1+1)*(len2+1) 4-byte cells may not exceed 512 MB, i.e. 2^27 cells
    run("SETRANGE", "a", "11584", "x"); // 11585 bytes: 11586^2 cells > 2^27
    run("SETRANGE", "b", "11584", "x");
    assertEquals("-" + BitCommands.LCS_TOO_BIG + "\r\n", run("LCS", "a", "b", "LEN"));
    assertEquals("-" + BitCommands.LCS_TOO_BIG + "\r\n", run("LCS", "a", "b"));
    run("SETRANGE", "c", "11583", "x"); // 11584 bytes: 11585^2 cells <= 2^27
    run("SETRANGE", "d", "11583", "y");
    assertEquals(":11583\r\n", run("LCS", "c", "d", "LEN"));
    String r = run("LCS", "c", "d");
    assertEquals("$11583\r\n" + "\u0000".repeat(11583) + "\r\n", r);
  }
}

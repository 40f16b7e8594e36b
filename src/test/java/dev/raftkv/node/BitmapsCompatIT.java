package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO) and LCS give
 * redis-server 7.0's replies, byte for byte: every option and error path, random differential
 * runs, the RESP3 shapes and COMMAND INFO.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BitmapsCompatIT {
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  @Test
  void setbitAndGetbit() throws Exception {
    diff.script("""
        SETBIT b 7 1
        SETBIT b 7 1
        SETBIT b 7 0
        SETBIT b 100 1
        GETBIT b 100
        GETBIT b 99
        GETBIT b 4294967295
        GETBIT nokey 0
        STRLEN b
        GET b
        SETBIT b 4294967296 1
        SETBIT b -1 1
        SETBIT b 1.5 1
        SETBIT b abc 1
        SETBIT b 0 2
        SETBIT b 0 -1
        SETBIT b 0 x
        SETBIT b 9223372036854775807 1
        GETBIT b 4294967296
        GETBIT b -1
        GETBIT b x
        SETBIT b 0
        GETBIT b
        SET n 1234
        SETBIT n 1 1
        GET n
        GETBIT n 2
        SET t v EX 100
        SETBIT t 30 1
        ~TTL t
        SETBIT big 8000000 1
        STRLEN big
        BITCOUNT big
        LPUSH l x
        SETBIT l 0 1
        SETBIT l -1 1
        SETBIT l 0 5
        GETBIT l 0
        GETBIT l -1
        """);
    diff.sameBytes("b");
  }

  @Test
  void bitcountRangesInBytesAndBits() throws Exception {
    diff.script("""
        BITCOUNT nokey
        BITCOUNT nokey 0
        BITCOUNT nokey 0 1 foo
        SET s foobar
        BITCOUNT s
        BITCOUNT s 0 0
        BITCOUNT s 1 1
        BITCOUNT s 1 1 BYTE
        BITCOUNT s 5 30 BIT
        BITCOUNT s 5 30 bit
        BITCOUNT s -1 -1
        BITCOUNT s -5 -1 BIT
        BITCOUNT s -1 -5
        BITCOUNT s -1 -5 foo
        BITCOUNT s 0 100
        BITCOUNT s 100 200
        BITCOUNT s 0 -100
        BITCOUNT s -9223372036854775808 9223372036854775807
        BITCOUNT s -9223372036854775808 9223372036854775807 BIT
        BITCOUNT s 0
        BITCOUNT s 0 1 BITS
        BITCOUNT s 0 1 BIT x
        BITCOUNT s a 1
        BITCOUNT s 0 b
        BITCOUNT s 0 1.0
        SET e ""
        BITCOUNT e
        BITCOUNT e 0 -1 BIT
        LPUSH l x
        BITCOUNT l
        BITCOUNT l 0
        """);
  }

  @Test
  void bitposWithRangesAndModes() throws Exception {
    diff.script("""
        BITPOS nokey 0
        BITPOS nokey 1
        BITPOS nokey 1 0 -1 BIT
        BITPOS nokey 2
        BITPOS nokey x
        BITPOS nokey 0 x
        BITFIELD s SET u24 0 65520
        BITPOS s 1
        BITPOS s 0
        BITPOS s 0 1
        BITPOS s 1 0 -1
        BITPOS s 1 9 -1 BIT
        BITPOS s 1 0 7 BIT
        BITPOS s 0 8 15 BIT
        BITPOS s 0 8 16 BIT
        BITPOS s 0 8 BIT
        BITPOS s 1 3 2
        BITPOS s 1 -1
        BITPOS s 0 -2 -1 byte
        BITPOS s 1 2 1 BIT
        BITPOS s 0 1 1 BITS
        BITPOS s 0 1 x
        BITPOS s 0 1 1 BIT extra
        BITPOS s 2 0
        SETBIT z 7 0
        BITOP NOT y z
        BITPOS y 0
        BITPOS y 0 0
        BITPOS y 0 0 -1
        BITPOS y 0 0 -1 BIT
        BITPOS y 1 0 -1 BIT
        SET e ""
        BITPOS e 0
        BITPOS e 1
        BITPOS e 0 0
        LPUSH l x
        BITPOS l 0
        BITPOS l 2
        """);
  }

  @Test
  void bitopOperationsAndTheirErrors() throws Exception {
    diff.script("""
        SET a foobar
        SET b abc
        BITOP AND d a b
        GET d
        BITOP or d a b nokey
        GET d
        BITOP XOR d a b
        BITOP xor d a b a
        BITOP NOT d b
        GET d
        BITOP NOT d a b
        BITOP NOT d
        BITOP NAND d a
        BITOP AND d nokey
        EXISTS d
        BITOP OR d nokey nokey2
        SET t x EX 100
        BITOP OR t a
        TTL t
        BITOP AND a a b
        GET a
        SET i 1234
        BITOP OR d i
        GET d
        SADD set m
        BITOP OR d a set
        BITOP OR d set
        BITOP NOT set a
        TYPE set
        BITOP AND set nokey
        EXISTS set
        BITOP AND d
        BITOP
        """);
    diff.sameBytes("d");
  }

  @Test
  void bitfieldSubcommandsOverflowAndErrors() throws Exception {
    diff.script("""
        BITFIELD bits
        BITFIELD bits SET i8 0 -100
        BITFIELD bits SET i8 0 101
        BITFIELD bits GET i8 0
        BITFIELD bits SET i8 0 255 SET i8 0 100 GET i8 0
        BITFIELD bits SET u8 0 255 INCRBY u8 0 100 GET u8 0
        BITFIELD bits SET u8 #0 65 SET u8 #1 66 SET u8 #2 67
        GET bits
        BITFIELD bits OVERFLOW WRAP INCRBY u8 #0 257 GET u8 #0 OVERFLOW wrap INCRBY u8 #0 255
        BITFIELD bits OVERFLOW SAT INCRBY u8 #0 257 OVERFLOW sat INCRBY u8 #0 -255
        BITFIELD bits SET u8 #0 100 OVERFLOW SAT INCRBY i8 #0 257 INCRBY i8 #0 -255
        BITFIELD bits OVERFLOW FAIL INCRBY i8 #0 1000 INCRBY i8 #0 -1000 INCRBY i8 #0 1 GET i8 #0
        BITFIELD bits OVERFLOW FAIL SET i4 0 100 SET u4 0 100 SET u4 0 -1 SET i4 0 -9 SET i4 0 7
        BITFIELD bits OVERFLOW SAT SET i4 0 100 SET u4 0 100 SET u4 0 -1 SET i4 0 -9
        BITFIELD bits OVERFLOW WRAP SET i4 0 100 SET u4 0 100 SET u4 0 -1 SET i4 0 -9
        BITFIELD w SET i64 0 9223372036854775807 OVERFLOW SAT INCRBY i64 0 1 OVERFLOW WRAP INCRBY i64 0 1
        BITFIELD w OVERFLOW SAT INCRBY i64 0 -1 INCRBY i64 0 -9223372036854775808 INCRBY i64 0 -9223372036854775808
        BITFIELD w OVERFLOW FAIL INCRBY i64 0 -1 SET i64 0 -9223372036854775808 INCRBY i64 0 -1
        BITFIELD u OVERFLOW SAT SET u63 1 -1 GET u63 1 INCRBY u63 1 1 OVERFLOW WRAP INCRBY u63 1 1
        BITFIELD u SET u1 0 1 GET u1 0 GET i1 0 SET i1 0 -1 INCRBY i1 0 1 INCRBY u1 0 3
        BITFIELD u GET i64 3 GET u63 5 GET i13 100 GET u7 #3
        BITFIELD odd SET u13 3 5000 GET u13 3 GET i13 3 INCRBY u13 #7 9000 GET u16 #6
        BITFIELD far GET u8 4294967288 SET i8 100000 -1 GET i8 100000
        STRLEN far
        BITFIELD f OVERFLOW FAIL INCRBY u8 800 1000
        EXISTS f
        STRLEN f
        BITFIELD bits GET u64 0
        BITFIELD bits GET i65 0
        BITFIELD bits GET i0 0
        BITFIELD bits GET I8 0
        BITFIELD bits GET x8 0
        BITFIELD bits GET u 0
        BITFIELD bits GET i-1 0
        BITFIELD bits GET i08 0
        BITFIELD bits GET i8
        BITFIELD bits SET i8 0
        BITFIELD bits INCRBY i8 0
        BITFIELD bits FOO i8 0
        BITFIELD bits GET i8 0 OVERFLOW
        BITFIELD bits OVERFLOW x GET i8 0
        BITFIELD bits GET i8 #-1
        BITFIELD bits GET i8 -1
        BITFIELD bits GET i8 #x
        BITFIELD bits GET i8 #
        BITFIELD bits GET i8 x
        BITFIELD bits GET i8 4294967296
        BITFIELD bits GET i8 #536870912
        BITFIELD bits GET i64 #67108863
        BITFIELD bits GET i64 #67108864
        BITFIELD bits GET i8 ##1
        BITFIELD bits SET i8 0 x
        BITFIELD bits SET i8 0 1.5
        BITFIELD bits INCRBY i8 0 99999999999999999999
        BITFIELD bits GET i8 0 SET i8 x 1
        BITFIELD bits SET i8 0 1 GET u64 0
        BITFIELD_RO bits
        BITFIELD_RO bits GET i8 0 GET u4 #1
        BITFIELD_RO bits GET i8 0 SET i8 0 1
        BITFIELD_RO bits INCRBY i8 0 1
        BITFIELD_RO bits OVERFLOW SAT GET i8 0
        BITFIELD_RO bits GET u64 0
        BITFIELD_RO nokey GET i8 0 GET u32 #100
        EXISTS nokey
        LPUSH l x
        BITFIELD l
        BITFIELD l GET i8 0
        BITFIELD l SET i8 0 1
        BITFIELD l GET u64 0
        BITFIELD_RO l GET i8 0
        BITFIELD_RO l SET i8 0 1
        SET t abc EX 100
        BITFIELD t SET u8 0 66
        ~TTL t
        GET t
        BITFIELD
        BITFIELD_RO
        """);
    diff.sameBytes("bits");
    diff.sameBytes("odd");
  }

  @Test
  void lcsOptionsAndErrors() throws Exception {
    String rna1 = "CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG";
    String rna2 = "ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT";
    diff.same("SET", "v1", rna1);
    diff.same("SET", "v2", rna2);
    diff.script("""
        LCS v1 v2
        LCS v2 v1
        LCS v1 v2 LEN
        LCS v1 v2 len len
        LCS v1 v2 IDX
        LCS v1 v2 IDX WITHMATCHLEN
        LCS v1 v2 IDX WITHMATCHLEN MINMATCHLEN 5
        LCS v1 v2 idx minmatchlen 3
        LCS v1 v2 IDX MINMATCHLEN -5
        LCS v1 v2 IDX MINMATCHLEN 9223372036854775807
        LCS v1 v2 WITHMATCHLEN
        LCS v1 v2 MINMATCHLEN 2
        LCS v1 v2 LEN WITHMATCHLEN
        LCS v1 v2 LEN IDX
        LCS v1 v2 IDX LEN
        LCS v1 v2 MINMATCHLEN
        LCS v1 v2 MINMATCHLEN x
        LCS v1 v2 MINMATCHLEN 1.5
        LCS v1 v2 FOO
        LCS v1 nokey
        LCS nokey nokey IDX
        LCS v1 v1 IDX WITHMATCHLEN
        SET a ohmytext
        SET b mynewtext
        LCS a b
        LCS a b IDX WITHMATCHLEN
        LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN
        SET n 1234
        LCS n a
        LPUSH l x
        LCS v1 l
        LCS l v1
        LCS l nokey FOO
        LCS v1
        """);
    // Redis's own limit: (len1+1)*(len2+1) 4-byte cells within 512 MB
    diff.same("SETRANGE", "big1", "11584", "x");
    diff.same("SETRANGE", "big2", "11584", "y");
    diff.same("LCS", "big1", "big2", "LEN");
    diff.same("LCS", "big1", "big2", "IDX");
    diff.same("LCS", "big1", "v1", "IDX", "WITHMATCHLEN");
  }

  @Test
  void randomBitmapsAgree() throws Exception {
    Random rnd = new Random(11);
    String[] keys = {"r1", "r2", "r3"};
    for (int round = 0; round < 3; round++) {
      for (String k : keys) {
        int bytes = 1 + rnd.nextInt(round == 2 ? 300 : 40);
        List<String> c = new ArrayList<>(List.of("BITFIELD", k));
        for (int i = 0; i < bytes; i++) {
          int v = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? 0 : 255) : rnd.nextInt(256);
          c.addAll(List.of("SET", "u8", "#" + i, Integer.toString(v)));
        }
        diff.same(c.toArray(new String[0]));
        for (int i = 0; i < 5; i++) {
          diff.same("SETBIT", k, Integer.toString(rnd.nextInt(bytes * 8 + 16)), rnd.nextBoolean() ? "1" : "0");
        }
      }
      for (int i = 0; i < 300; i++) {
        String k = keys[rnd.nextInt(keys.length)];
        String s = Integer.toString(rnd.nextInt(200) - 100);
        String e = Integer.toString(rnd.nextInt(200) - 100);
        String unit = rnd.nextBoolean() ? "BIT" : "BYTE";
        diff.same("BITCOUNT", k, s, e, unit);
        String bit = rnd.nextBoolean() ? "1" : "0";
        switch (rnd.nextInt(4)) {
          case 0 -> diff.same("BITPOS", k, bit);
          case 1 -> diff.same("BITPOS", k, bit, s);
          case 2 -> diff.same("BITPOS", k, bit, s, e);
          default -> diff.same("BITPOS", k, bit, s, e, unit);
        }
      }
      for (int i = 0; i < 150; i++) {
        String k = keys[rnd.nextInt(keys.length)];
        List<String> c = new ArrayList<>(List.of("BITFIELD", k));
        for (int n = 1 + rnd.nextInt(4); n > 0; n--) {
          if (rnd.nextInt(4) == 0) {
            c.addAll(List.of("OVERFLOW", new String[] {"WRAP", "SAT", "FAIL"}[rnd.nextInt(3)]));
          }
          boolean signed = rnd.nextBoolean();
          int bits = 1 + rnd.nextInt(signed ? 64 : 63);
          String type = (signed ? "i" : "u") + bits;
          String offset = rnd.nextBoolean() ? Integer.toString(rnd.nextInt(400))
              : "#" + rnd.nextInt(50);
          long value = switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextLong();
            case 1 -> (1L << (bits - 1)) - rnd.nextInt(3);
            case 2 -> -(1L << (bits - 1)) + rnd.nextInt(3) - 1;
            default -> rnd.nextInt(1000) - 500;
          };
          switch (rnd.nextInt(3)) {
            case 0 -> c.addAll(List.of("GET", type, offset));
            case 1 -> c.addAll(List.of("SET", type, offset, Long.toString(value)));
            default -> c.addAll(List.of("INCRBY", type, offset, Long.toString(value)));
          }
        }
        diff.same(c.toArray(new String[0]));
      }
      String[] ops = {"AND", "OR", "XOR"};
      diff.same("BITOP", ops[rnd.nextInt(3)], "d", "r1", "r2", "r3");
      diff.same("BITOP", ops[rnd.nextInt(3)], "r" + (1 + rnd.nextInt(3)), "r1", "d");
      diff.same("BITOP", "NOT", "d2", "d");
      for (String k : new String[] {"r1", "r2", "r3", "d", "d2"}) {
        diff.sameBytes(k);
      }
    }
  }

  @Test
  void randomLcsAgree() throws Exception {
    Random rnd = new Random(5);
    for (int i = 0; i < 60; i++) {
      String alphabet = i % 3 == 0 ? "AB" : "ACGT";
      diff.same("SET", "a", randomText(rnd, alphabet, rnd.nextInt(60)));
      diff.same("SET", "b", randomText(rnd, alphabet, rnd.nextInt(60)));
      diff.same("LCS", "a", "b");
      diff.same("LCS", "a", "b", "LEN");
      diff.same("LCS", "a", "b", "IDX", "WITHMATCHLEN");
      diff.same("LCS", "b", "a", "IDX", "MINMATCHLEN", Integer.toString(rnd.nextInt(5)));
    }
  }

  private static String randomText(Random rnd, String alphabet, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  @Test
  void resp3RepliesAndCommandInfo() throws Exception {
    TestCluster c = diff.cluster();
    try (ConnectionCompatIT.RawClient r = new ConnectionCompatIT.RawClient(diff.redisPort());
        ConnectionCompatIT.RawClient k = new ConnectionCompatIT.RawClient(c.redisPorts[c.aFollower()])) {
      for (String proto : new String[] {"2", "3"}) {
        r.call("HELLO", proto);
        k.call("HELLO", proto);
        for (String line : """
            SET a ohmytext
            SET b mynewtext
            LCS a b IDX
            LCS a b IDX WITHMATCHLEN MINMATCHLEN 2
            LCS a b idx
            LCS a b LEN
            LCS a b
            LCS a b MINMATCHLEN IDX
            LCS nokey nokey2 IDX
            BITFIELD bf OVERFLOW FAIL INCRBY u2 0 7 GET u2 0
            BITFIELD_RO bf GET i8 0
            BITFIELD bf
            BITPOS bf 1
            GETBIT bf 0
            SETBIT bf 0 1
            """.split("\n")) {
          if (!line.isBlank()) {
            String[] cmd = line.strip().split(" +");
            assertEquals(r.call(cmd), k.call(cmd), "RESP" + proto + ": " + line);
          }
        }
        for (String name : new String[] {"setbit", "getbit", "bitcount", "bitpos", "bitop",
            "bitfield", "bitfield_ro", "lcs"}) {
          String ri = r.call("COMMAND", "INFO", name);
          String ki = k.call("COMMAND", "INFO", name);
          // name, arity, flags, first/last/step and ACL categories are identical (tips, key
          // specs and subcommands, the last three elements, are left out by raft-kv)
          int cut = ConnectionCompatIT.nthElementStart(ri, 7);
          assertEquals(ri.substring(0, cut), ki.substring(0, ConnectionCompatIT.nthElementStart(ki, 7)),
              "COMMAND INFO " + name + " in RESP" + proto);
          assertTrue(ki.contains(name.equals("lcs") ? "@string" : "@bitmap"), ki);
        }
      }
    }
  }
}

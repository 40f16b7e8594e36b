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
 * PFADD, PFCOUNT and PFMERGE give redis-server 7.0's replies and leave redis-server's bytes: the
 * sparse encoding while it is small, the promotion to dense, merges of sparse and dense values,
 * the errors for other types and corrupted values, and COMMAND INFO. The one deliberate
 * difference (PFCOUNT does not write its cache into the value) is checked as such.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HyperLogLogCompatIT {
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  /** PFADD of {@code n} elements in batches of 100, the same random ones to both servers. */
  private static void addRandom(String key, int n, Random random) throws Exception {
    for (int done = 0; done < n; done += 100) {
      List<String> c = new ArrayList<>(List.of("PFADD", key));
      for (int i = 0; i < Math.min(100, n - done); i++) {
        c.add(Long.toString(random.nextLong(), 36));
      }
      diff.same(c.toArray(new String[0]));
    }
  }

  /**
   * The same HLL bytes on both: the magic and the encoding, then every register or opcode. The
   * cached cardinality (bytes 8-15) differs once redis-server's PFCOUNT has cached it.
   */
  private static void sameHll(String key) throws Exception {
    diff.same("GETRANGE", key, "0", "7");
    diff.sameBytes(key, 16);
  }

  @Test
  void addsCountsAndTheirBytes() throws Exception {
    diff.script("""
        PFADD h
        PFCOUNT h
        PFADD h
        PFADD h a b c
        PFADD h a b c
        PFADD h ""
        PFCOUNT h
        PFCOUNT nokey
        PFADD h 1 2 3 4 5 6 7 8 8 9 10
        PFCOUNT h
        TYPE h
        STRLEN h
        """);
    sameHll("h");
    Random random = new Random(42);
    addRandom("s", 500, random);
    diff.same("PFCOUNT", "s");
    sameHll("s");
  }

  @Test
  void aGrowingHllIsPromotedToDenseAtTheSameElementAsInRedis() throws Exception {
    Random random = new Random(7);
    long length = 0;
    int added = 0;
    while (length < 12304 && added < 20000) {
      addRandom("grow", 100, random);
      added += 100;
      length = (Long) diff.same("STRLEN", "grow");
      diff.same("PFCOUNT", "grow");
    }
    assertEquals(12304L, length, "dense after " + added + " elements");
    sameHll("grow");
    addRandom("grow", 3000, random);
    diff.same("PFCOUNT", "grow");
    sameHll("grow");
  }

  @Test
  void mergesAndUnions() throws Exception {
    Random random = new Random(11);
    addRandom("a", 300, random);
    addRandom("b", 300, random);
    addRandom("d", 8000, random); // dense
    diff.script("""
        PFCOUNT a b
        PFCOUNT a b d
        PFCOUNT a nokey
        PFMERGE ab a b
        PFCOUNT ab
        PFMERGE abd a b d
        PFCOUNT abd
        STRLEN abd
        PFMERGE a
        PFCOUNT a
        PFMERGE empty
        STRLEN empty
        PFCOUNT empty
        PFMERGE fresh nokey
        PFMERGE a d
        PFCOUNT a
        """);
    for (String k : new String[] {"ab", "abd", "empty", "a"}) {
      sameHll(k);
    }
    diff.script("""
        SET t x EX 100
        DEL t
        PFADD t x
        EXPIRE t 100
        PFADD t y
        ~TTL t
        PFMERGE t a
        ~TTL t
        """);
  }

  @Test
  void otherTypesAndCorruptedValuesAreRefused() throws Exception {
    diff.script("""
        SET str notanhll
        PFADD str a
        PFCOUNT str
        PFCOUNT str str
        PFMERGE str
        PFMERGE x str
        LPUSH list a
        PFADD list a
        PFCOUNT list
        PFMERGE list
        PFADD ok a b c
        PFCOUNT ok list
        SET short HYLL
        PFCOUNT short
        PFADD tail a b c
        APPEND tail hello
        PFCOUNT tail
        PFADD tail zzz qqq
        PFADD magic a b c
        SETRANGE magic 0 0123
        PFCOUNT magic
        PFADD enc a b c
        SETRANGE enc 4 x
        PFCOUNT enc
        PFADD
        PFCOUNT
        PFMERGE
        """);
    Random random = new Random(3);
    addRandom("dense", 8000, random);
    diff.script("""
        APPEND dense hello
        PFCOUNT dense
        PFADD dense more
        """);
  }

  @Test
  void pfdebug() throws Exception {
    Random random = new Random(5);
    addRandom("h", 200, random);
    diff.script("""
        PFDEBUG ENCODING h
        PFDEBUG DECODE h
        PFDEBUG GETREG h
        PFDEBUG ENCODING h
        PFDEBUG DECODE h
        PFDEBUG TODENSE h
        PFADD s a
        PFDEBUG TODENSE s
        PFDEBUG TODENSE s
        PFDEBUG ENCODING s
        PFDEBUG GETREG nokey
        PFDEBUG BOGUS h
        PFDEBUG ENCODING
        SET str x
        PFDEBUG ENCODING str
        """);
    sameHll("h");
    sameHll("s");
  }

  /**
   * The deliberate difference: Redis's PFCOUNT writes the estimate into the value's header as a
   * cache; raft-kv's PFCOUNT is a read and leaves the header's "invalid" bit set.
   */
  @Test
  void pfcountIsAReadAndLeavesTheCachedCardinalityAlone() throws Exception {
    diff.same("PFADD", "c", "a", "b", "c");
    diff.same("PFCOUNT", "c");
    Object[] r = diff.both("GETRANGE", "c", "15", "15");
    assertEquals("\0", r[0], "redis-server cached the count");
    assertTrue(!"\0".equals(r[1]), "raft-kv left the cache invalid");
    diff.same("PFCOUNT", "c");
  }

  /** Name, arity, flags, key positions and ACL categories as Redis's (tips, key specs left out). */
  @Test
  void commandInfo() throws Exception {
    TestCluster c = diff.cluster();
    try (ConnectionCompatIT.RawClient r = new ConnectionCompatIT.RawClient(diff.redisPort());
        ConnectionCompatIT.RawClient k = new ConnectionCompatIT.RawClient(c.redisPorts[c.aFollower()])) {
      for (String name : new String[] {"pfadd", "pfcount", "pfmerge"}) {
        String ri = r.call("COMMAND", "INFO", name);
        String ki = k.call("COMMAND", "INFO", name);
        assertEquals(ri.substring(0, ConnectionCompatIT.nthElementStart(ri, 7)),
            ki.substring(0, ConnectionCompatIT.nthElementStart(ki, 7)), "COMMAND INFO " + name);
      }
    }
  }
}

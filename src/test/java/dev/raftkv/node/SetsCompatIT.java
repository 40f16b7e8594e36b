package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * Set commands give redis-server 7.0's replies. Redis lists set members in its hash table's
 * order and raft-kv in byte order, so replies that list members are compared as sets; SPOP and
 * SRANDMEMBER are random, so their counts, membership and what remains are compared.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SetsCompatIT {
  /** Started before the first test, flushed before each, stopped after the last. */
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  /** Both replies, with any list of members sorted (Redis's order is not defined). */
  private static void sameMembers(String... command) throws Exception {
    Object[] r = diff.both(command);
    assertEquals(sorted(r[0]), sorted(r[1]), () -> "reply to " + String.join(" ", command));
  }

  private static Object sorted(Object reply) {
    if (reply instanceof List<?> l && l.size() == 2 && l.get(1) instanceof List<?> page) {
      return List.of(l.get(0), sorted(page)); // a SCAN page: cursor and members
    }
    if (reply instanceof List<?> l) {
      List<String> s = new ArrayList<>();
      for (Object o : l) {
        s.add(String.valueOf(o));
      }
      s.sort(null);
      return s;
    }
    return reply;
  }

  @SuppressWarnings("unchecked")
  private static Set<String> asSet(Object reply) {
    assertInstanceOf(List.class, reply, () -> "not an array: " + reply);
    return new TreeSet<>((Collection<String>) reply);
  }

  @Test
  void addRemoveAndMembership() throws Exception {
    diff.script("""
        SADD s a b c
        SADD s a d
        SADD s a
        SCARD s
        SISMEMBER s a
        SISMEMBER s zz
        SISMEMBER nokey a
        SMISMEMBER s a zz b a
        SMISMEMBER nokey a b
        SCARD nokey
        SREM s a zz
        SREM s zz
        SREM nokey a
        SCARD s
        SREM s b c d
        EXISTS s
        TYPE s
        SADD n 1 2 3 10 -5 007
        SCARD n
        SISMEMBER n 7
        SISMEMBER n 007
        """);
    sameMembers("SMEMBERS", "n");
    sameMembers("SMEMBERS", "nokey");
    diff.same("SADD", "bin", "", "\u0000x", "é", "");
    diff.same("SISMEMBER", "bin", "");
    diff.same("SMISMEMBER", "bin", "\u0000x", "é", "e");
    sameMembers("SMEMBERS", "bin");
  }

  @Test
  void wrongTypeAndArity() throws Exception {
    diff.script("""
        SET str x
        SADD str a
        SREM str a
        SMEMBERS str
        SISMEMBER str a
        SMISMEMBER str a
        SCARD str
        SPOP str
        SPOP str 2
        SRANDMEMBER str
        SRANDMEMBER str 2
        SINTER str
        SUNION str
        SDIFF str
        SINTER nokey str
        SUNION nokey str
        SDIFF nokey str
        SINTERSTORE d str
        SUNIONSTORE d str
        SDIFFSTORE d str
        SINTERCARD 1 str
        SSCAN str 0
        SADD s a
        SMOVE str s a
        SMOVE s str a
        SMOVE nokey str a
        SADD s
        SADD
        SREM s
        SMEMBERS
        SMEMBERS s extra
        SISMEMBER s
        SMISMEMBER s
        SCARD
        SPOP
        SRANDMEMBER
        SINTER
        SINTERSTORE d
        SUNIONSTORE d
        SDIFFSTORE d
        SINTERCARD 1
        SMOVE s d
        SSCAN s
        GET str
        """);
  }

  @Test
  void algebraAndStores() throws Exception {
    diff.script("""
        SADD a 1 2 3 4 x y
        SADD b 3 4 5 y z
        SADD c 4 y q
        SET str v
        """);
    for (String op : new String[] {"SINTER", "SUNION", "SDIFF"}) {
      sameMembers(op, "a");
      sameMembers(op, "a", "b");
      sameMembers(op, "a", "b", "c");
      sameMembers(op, "b", "a");
      sameMembers(op, "a", "nokey");
      sameMembers(op, "nokey", "a");
      sameMembers(op, "a", "a");
      sameMembers(op, "nokey");
    }
    diff.script("""
        SINTERSTORE d a b c
        SCARD d
        SUNIONSTORE d a b c
        SCARD d
        SDIFFSTORE d a b c
        SCARD d
        SDIFFSTORE d a a
        EXISTS d
        SUNIONSTORE d a
        SINTERSTORE d a nokey
        EXISTS d
        SUNIONSTORE d nokey
        EXISTS d
        SET d string EX 100
        SUNIONSTORE d b
        TYPE d
        TTL d
        SINTERSTORE a a b
        SCARD a
        SDIFFSTORE b b b
        EXISTS b
        SINTERCARD 1 c
        SINTERCARD 2 a c
        SINTERCARD 2 a c LIMIT 1
        SINTERCARD 2 a c limit 0
        SINTERCARD 2 a nokey
        SINTERCARD 1 nokey
        SINTERCARD 0 a
        SINTERCARD -1 a
        SINTERCARD x a
        SINTERCARD 3 a c
        SINTERCARD 1 a LIMIT -1
        SINTERCARD 1 a LIMIT x
        SINTERCARD 1 a LIMIT
        SINTERCARD 1 a LIMIT 1 LIMIT 2
        SINTERCARD 1 a FOO 1
        SINTERCARD 1 nokey str
        """);
    sameMembers("SMEMBERS", "d");
    sameMembers("SMEMBERS", "a");
  }

  @Test
  void smove() throws Exception {
    diff.script("""
        SADD src a b
        SADD dst c
        SMOVE src dst a
        SMOVE src dst a
        SMOVE src dst zz
        SMOVE src src b
        SMOVE src src zz
        SMOVE src newdst b
        EXISTS src
        SCARD newdst
        SMOVE nokey dst a
        SADD dst b
        SMOVE dst newdst b
        SCARD newdst
        SCARD dst
        """);
    sameMembers("SMEMBERS", "dst");
    sameMembers("SMEMBERS", "newdst");
  }

  @Test
  void spopAndSrandmemberErrorsAndEdgeCases() throws Exception {
    diff.script("""
        SADD s a b c d e
        SPOP s -1
        SPOP s x
        SPOP s 1 2
        SPOP s 1.5
        SPOP nokey
        SPOP nokey 3
        SPOP s 0
        SRANDMEMBER s x
        SRANDMEMBER s 1 2
        SRANDMEMBER s -9223372036854775808
        SRANDMEMBER nokey
        SRANDMEMBER nokey 3
        SRANDMEMBER nokey -3
        SRANDMEMBER s 0
        SCARD s
        """);
    Object[] members = diff.both("SMEMBERS", "s");
    Set<String> all = asSet(members[0]);
    assertEquals(all, asSet(members[1]));
    // SRANDMEMBER: distinct with a positive count, repeated with a negative one
    for (String count : new String[] {"1", "3", "5", "9"}) {
      Object[] r = diff.both("SRANDMEMBER", "s", count);
      int expected = Math.min(Integer.parseInt(count), 5);
      for (Object reply : r) {
        Set<String> got = asSet(reply);
        assertEquals(expected, ((List<?>) reply).size());
        assertEquals(expected, got.size(), "distinct members");
        assertTrue(all.containsAll(got));
      }
    }
    Object[] rep = diff.both("SRANDMEMBER", "s", "-20");
    for (Object reply : rep) {
      assertEquals(20, ((List<?>) reply).size());
      assertTrue(all.containsAll(asSet(reply)));
    }
    Object[] one = diff.both("SRANDMEMBER", "s");
    assertTrue(all.contains((String) one[0]) && all.contains((String) one[1]));
    diff.same("SCARD", "s");

    // SPOP: same counts; each side pops members it had and keeps the rest
    Object[] popped = diff.both("SPOP", "s");
    Object[] two = diff.both("SPOP", "s", "2");
    for (int side = 0; side < 2; side++) {
      Set<String> gone = new HashSet<>(asSet(two[side]));
      assertEquals(2, ((List<?>) two[side]).size());
      assertFalse(gone.contains((String) popped[side]));
      gone.add((String) popped[side]);
      assertEquals(3, gone.size());
      assertTrue(all.containsAll(gone));
    }
    Set<String> redisRest = asSet(diff.both("SMEMBERS", "s")[0]);
    Set<String> raftRest = asSet(diff.both("SMEMBERS", "s")[1]);
    assertEquals(2, redisRest.size());
    assertEquals(2, raftRest.size());
    assertFalse(raftRest.contains((String) popped[1]));
    Object[] rest = diff.both("SPOP", "s", "10");
    assertEquals(redisRest, asSet(rest[0]));
    assertEquals(raftRest, asSet(rest[1]));
    diff.same("EXISTS", "s");
    diff.same("SPOP", "s");
    // the last member popped without a count deletes the key too
    diff.same("SADD", "one", "x");
    diff.same("SPOP", "one");
    diff.same("EXISTS", "one");
  }

  @Test
  void spopLeavesEveryPeerWithTheSameSet() throws Exception {
    List<String> add = new ArrayList<>(List.of("SADD", "big"));
    for (int i = 0; i < 200; i++) {
      add.add("member:" + i);
    }
    diff.same(add.toArray(new String[0]));
    diff.both("SPOP", "big");
    diff.both("SPOP", "big", "7");
    diff.both("SPOP", "big", "1");
    diff.both("SPOP", "big");
    Object[] after = diff.both("SCARD", "big");
    assertEquals(200L - 10, after[0]);
    assertEquals(200L - 10, after[1]);
    TestCluster c = diff.cluster();
    List<Set<String>> perPeer = new ArrayList<>();
    for (int i = 0; i < c.nodes.length; i++) {
      try (Jedis j = c.client(i)) {
        perPeer.add(new TreeSet<>(j.smembers("big")));
      }
    }
    assertEquals(190, perPeer.get(0).size());
    for (int i = 1; i < perPeer.size(); i++) {
      assertEquals(perPeer.get(0), perPeer.get(i), "peer n" + (i + 1) + " has the same set as n1");
    }
    assertEquals(perPeer.get(0), asSet(diff.both("SMEMBERS", "big")[1]));
  }

  /** Every member of a full SSCAN iteration, following the cursor until it returns to 0. */
  private static Set<String> scanAll(int side, String key, String... options) throws Exception {
    Set<String> seen = new TreeSet<>();
    String cursor = "0";
    int calls = 0;
    do {
      List<String> cmd = new ArrayList<>(List.of("SSCAN", key, cursor));
      cmd.addAll(List.of(options));
      Object reply = diff.both(cmd.toArray(new String[0]))[side];
      List<?> page = (List<?>) reply;
      cursor = (String) page.get(0);
      for (Object m : (List<?>) page.get(1)) {
        seen.add((String) m);
      }
      assertTrue(++calls < 10_000, "the scan ends");
    } while (!cursor.equals("0"));
    return seen;
  }

  @Test
  void sscan() throws Exception {
    diff.script("""
        SADD small a b c ab
        SSCAN nokey 0
        SSCAN nokey 0 COUNT 0
        SSCAN small x
        SSCAN small 1x
        SSCAN small 18446744073709551616
        SSCAN small 0 COUNT 0
        SSCAN small 0 COUNT -1
        SSCAN small 0 COUNT x
        SSCAN small 0 MATCH
        SSCAN small 0 TYPE set
        SSCAN small 0 FOO bar
        """);
    sameMembers("SSCAN", "small", "0");
    List<String> add = new ArrayList<>(List.of("SADD", "big"));
    for (int i = 0; i < 300; i++) {
      add.add("m" + i);
    }
    diff.same(add.toArray(new String[0]));
    for (String[] opts : new String[][] {{}, {"COUNT", "7"}, {"COUNT", "1000"}, {"MATCH", "m1*"},
        {"MATCH", "m2?", "COUNT", "3"}}) {
      assertEquals(scanAll(0, "big", opts), scanAll(1, "big", opts), () -> "SSCAN " + String.join(" ", opts));
    }
    assertEquals(300, scanAll(1, "big").size());
  }

  @Test
  void membersPresentThroughoutAnSscanAreAllReturned() throws Exception {
    List<String> add = new ArrayList<>(List.of("SADD", "s"));
    for (int i = 0; i < 400; i++) {
      add.add("k" + i);
    }
    diff.same(add.toArray(new String[0]));
    Set<String> seen = new TreeSet<>();
    String cursor = "0";
    int round = 0;
    do {
      List<?> page = (List<?>) diff.both("SSCAN", "s", cursor, "COUNT", "20")[1];
      cursor = (String) page.get(0);
      for (Object m : (List<?>) page.get(1)) {
        seen.add((String) m);
      }
      // churn between calls: members come and go (only even ones stay throughout)
      diff.both("SREM", "s", "k" + (2 * round + 1));
      diff.both("SADD", "s", "new" + round);
      round++;
    } while (!cursor.equals("0"));
    for (int i = 0; i < 400; i += 2) {
      assertTrue(seen.contains("k" + i), "k" + i + " was present throughout and must be returned");
    }
  }
}

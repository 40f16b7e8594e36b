package dev.raftkv.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** One contract, both stores. */
class StoreContractTest {
  @TempDir
  Path dir;

  private Store open(String kind, Path where) throws Exception {
    return kind.equals("memory") ? new MemoryStore() : new RocksStore(where);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<Key, byte[]> writes(String... kv) {
    Map<Key, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(new Key(b(kv[i])), kv[i + 1] == null ? null : b(kv[i + 1]));
    }
    return m;
  }

  private static Map<String, String> contents(Store s) {
    Map<String, String> m = new TreeMap<>();
    s.scan((k, v) -> {
      m.put(new String(k, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8));
      return true;
    });
    return m;
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocksdb"})
  void commitsAreVisibleWithTheirAppliedIndex(String kind) throws Exception {
    try (Store s = open(kind, dir.resolve("db"))) {
      assertEquals(0, s.appliedIndex());
      s.commit(false, writes("a", "1", "b", "2"), 2, 1, 5);
      assertArrayEquals(b("1"), s.get(b("a")));
      assertEquals(2, s.count());
      assertEquals(5, s.appliedIndex());
      assertEquals(1, s.appliedTerm());
      s.commit(false, writes("a", null, "c", "3"), 2, 2, 6);
      assertNull(s.get(b("a")));
      assertEquals(Map.of("b", "2", "c", "3"), contents(s));
      s.commit(true, writes("z", "26"), 1, 2, 7);
      assertEquals(Map.of("z", "26"), contents(s));
      assertEquals(1, s.count());
      assertEquals(7, s.appliedIndex());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocksdb"})
  void binaryKeysAndValuesRoundTrip(String kind) throws Exception {
    try (Store s = open(kind, dir.resolve("db"))) {
      byte[] key = {0, (byte) 0xff, 1, '\r', '\n'};
      byte[] value = new byte[70_000];
      for (int i = 0; i < value.length; i++) {
        value[i] = (byte) i;
      }
      Map<Key, byte[]> w = new HashMap<>();
      w.put(new Key(key), value);
      w.put(new Key(new byte[0]), new byte[0]);
      s.commit(false, w, 2, 1, 1);
      assertArrayEquals(value, s.get(key));
      assertArrayEquals(new byte[0], s.get(new byte[0]));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocksdb"})
  void aCheckpointRestoresTheExactStateIntoAnotherStore(String kind) throws Exception {
    Path cp = dir.resolve("checkpoint");
    try (Store s = open(kind, dir.resolve("db1"))) {
      for (int i = 0; i < 1000; i++) {
        s.commit(false, writes("k" + i, "v" + i), i + 1, 3, i + 1);
      }
      s.commit(false, writes("k7", null), 999, 3, 1001);
      s.checkpoint(cp);
      s.commit(false, writes("after", "x"), 1000, 3, 1002);
    }
    try (Store t = open(kind, dir.resolve("db2"))) {
      t.commit(false, writes("stale", "1"), 1, 1, 1);
      t.restore(cp);
      assertEquals(1001, t.appliedIndex());
      assertEquals(3, t.appliedTerm());
      assertEquals(999, t.count());
      assertNull(t.get(b("k7")));
      assertNull(t.get(b("stale")));
      assertNull(t.get(b("after")));
      assertArrayEquals(b("v998"), t.get(b("k998")));
    }
  }

  @Test
  void memoryDumpsOfTheSameStateAreTheSameBytes() throws Exception {
    MemoryStore a = new MemoryStore();
    MemoryStore c = new MemoryStore();
    a.commit(false, writes("x", "1", "y", "2", "z", "3"), 3, 1, 3);
    c.commit(false, writes("z", "3", "x", "1", "y", "2"), 3, 1, 3);
    a.checkpoint(dir.resolve("a"));
    c.checkpoint(dir.resolve("c"));
    assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(MemoryStore.DUMP)),
        Files.readAllBytes(dir.resolve("c").resolve(MemoryStore.DUMP)));
  }

  @Test
  void rocksdbKeepsDataAndAppliedIndexAcrossReopen() throws Exception {
    Path db = dir.resolve("db");
    try (Store s = new RocksStore(db)) {
      s.commit(false, writes("a", "1"), 1, 4, 40);
    }
    try (Store s = new RocksStore(db)) {
      assertEquals(40, s.appliedIndex());
      assertEquals(4, s.appliedTerm());
      assertEquals(1, s.count());
      assertArrayEquals(b("1"), s.get(b("a")));
    }
  }

  /** A record as command.Record encodes it: [type:1][expireAt:8][payload]. */
  private static byte[] record(long expireAt, String payload) {
    byte[] p = b(payload);
    byte[] r = new byte[9 + p.length];
    for (int i = 8; i >= 1; i--) {
      r[i] = (byte) expireAt;
      expireAt >>>= 8;
    }
    System.arraycopy(p, 0, r, 9, p.length);
    return r;
  }

  private static Map<Key, byte[]> records(Object... keyDeadline) {
    Map<Key, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < keyDeadline.length; i += 2) {
      Object at = keyDeadline[i + 1];
      m.put(new Key(b((String) keyDeadline[i])), at == null ? null : record((Long) at, "v"));
    }
    return m;
  }

  private static List<String> strings(List<byte[]> keys) {
    List<String> r = new ArrayList<>();
    keys.forEach(k -> r.add(new String(k, StandardCharsets.UTF_8)));
    return r;
  }

  private static List<String> scanOrder(Store s, long from) {
    List<String> r = new ArrayList<>();
    s.scanFrom(from, (k, v) -> r.add(new String(k, StandardCharsets.UTF_8)));
    return r;
  }

  @Test
  void theScanHashIsPinned() {
    // part of the RocksDB layout and of SCAN cursors handed to clients: it must never change
    assertEquals(0x1cfe17f5adde4ed3L, KeyHash.hash64(b("")));
    assertEquals(0x42e58a3ebedab296L, KeyHash.hash64(b("key:123456789")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocksdb"})
  void keysComeInHashOrderAndAScanResumesAtAnyHash(String kind) throws Exception {
    try (Store s = open(kind, dir.resolve("db"))) {
      Map<Key, byte[]> w = new LinkedHashMap<>();
      for (int i = 0; i < 500; i++) {
        w.put(new Key(b("k" + i)), b("v" + i));
      }
      s.commit(false, w, 500, 1, 1);
      List<String> all = scanOrder(s, 0);
      assertEquals(500, all.size());
      for (int i = 1; i < all.size(); i++) {
        assertTrue(Long.compareUnsigned(KeyHash.hash64(b(all.get(i - 1))), KeyHash.hash64(b(all.get(i)))) < 0,
            "hash order at " + i);
      }
      List<String> viaScan = new ArrayList<>();
      s.scan((k, v) -> viaScan.add(new String(k, StandardCharsets.UTF_8)));
      assertEquals(all, viaScan);
      // resuming at the 200th key's hash gives exactly the rest
      long h = KeyHash.hash64(b(all.get(200)));
      assertEquals(all.subList(200, 500), scanOrder(s, h));
      assertEquals(all.subList(201, 500), scanOrder(s, h + 1));
      // an overwrite keeps the order, a delete removes the key from it
      s.commit(false, writes(all.get(10), "new", all.get(11), null), 499, 1, 2);
      List<String> after = scanOrder(s, 0);
      assertEquals(499, after.size());
      assertEquals(all.get(10), after.get(10));
      assertEquals(all.get(12), after.get(11));
      assertArrayEquals(b("new"), s.get(b(all.get(10))));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocksdb"})
  void theDeadlineIndexFollowsEveryChange(String kind) throws Exception {
    try (Store s = open(kind, dir.resolve("db"))) {
      s.commit(false, records("a", 300L, "b", 100L, "c", 0L, "d", 200L, "e", 900L), 5, 1, 1);
      assertEquals(List.of("b", "d", "a"), strings(s.expiredKeys(300, 10)));
      assertEquals(List.of("b", "d"), strings(s.expiredKeys(300, 2)));
      assertEquals(List.of(), strings(s.expiredKeys(99, 10)));
      // a new deadline moves the key, no deadline removes it, a delete removes it, a new key joins
      s.commit(false, records("b", 1000L, "d", 0L, "a", null, "f", 50L), 5, 1, 2);
      assertEquals(List.of("f", "e", "b"), strings(s.expiredKeys(Long.MAX_VALUE, 10)));
      // a plain value (not a record) has no deadline
      s.commit(false, writes("e", "x"), 5, 1, 3);
      assertEquals(List.of("f", "b"), strings(s.expiredKeys(Long.MAX_VALUE, 10)));
      s.commit(true, records("g", 7L), 1, 1, 4);
      assertEquals(List.of("g"), strings(s.expiredKeys(Long.MAX_VALUE, 10)));
    }
  }

  /** The state machine passes the values it read while applying; the store must use them right. */
  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocksdb"})
  void previousValuesTheCallerKnowsKeepTheDeadlineIndexExact(String kind) throws Exception {
    try (Store s = open(kind, dir.resolve("db"))) {
      s.commit(false, records("a", 300L, "b", 100L, "c", 0L), 3, 1, 1);
      // a and b given with their current values, c (new deadline) and d (new key) left to the store
      Map<Key, byte[]> previous = new HashMap<>();
      previous.put(new Key(b("a")), s.get(b("a")));
      previous.put(new Key(b("b")), s.get(b("b")));
      previous.put(new Key(b("z")), null); // read, absent, not written: ignored
      s.commit(false, records("a", 0L, "b", 500L, "c", 50L, "d", 70L), previous, Map.of(), 4, 1, 2);
      assertEquals(List.of("c", "d", "b"), strings(s.expiredKeys(Long.MAX_VALUE, 10)));
      // a known absent key that gets a deadline, and a known key deleted
      previous = new HashMap<>();
      previous.put(new Key(b("e")), null);
      previous.put(new Key(b("c")), s.get(b("c")));
      s.commit(false, records("e", 10L, "c", null), previous, Map.of(), 4, 1, 3);
      assertEquals(List.of("e", "d", "b"), strings(s.expiredKeys(Long.MAX_VALUE, 10)));
      assertNull(s.get(b("c")));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocksdb"})
  void aRestoredCheckpointHasTheSameOrderAndDeadlines(String kind) throws Exception {
    Path cp = dir.resolve("checkpoint");
    List<String> order;
    try (Store s = open(kind, dir.resolve("db1"))) {
      Map<Key, byte[]> w = new LinkedHashMap<>();
      for (int i = 0; i < 100; i++) {
        w.put(new Key(b("k" + i)), record(i % 3 == 0 ? 0 : 1000 + i, "v"));
      }
      s.commit(false, w, 100, 1, 1);
      order = scanOrder(s, 0);
      s.checkpoint(cp);
      s.commit(false, records("k1", 0L), 100, 1, 2);
    }
    try (Store t = open(kind, dir.resolve("db2"))) {
      t.commit(false, records("stale", 5L), 1, 1, 1);
      t.restore(cp);
      assertEquals(order, scanOrder(t, 0));
      List<String> expired = strings(t.expiredKeys(Long.MAX_VALUE, 1000));
      assertEquals(66, expired.size());
      assertEquals("k1", expired.get(0));
      assertEquals("k2", expired.get(1));
      assertEquals(List.of("k1", "k2", "k4"), strings(t.expiredKeys(1004, 1000)));
    }
  }

  @Test
  void rocksdbKeepsTheDeadlineIndexAcrossReopen() throws Exception {
    Path db = dir.resolve("db");
    try (Store s = new RocksStore(db)) {
      s.commit(false, records("a", 20L, "b", 10L), 2, 1, 1);
    }
    try (Store s = new RocksStore(db)) {
      assertEquals(List.of("b", "a"), strings(s.expiredKeys(100, 10)));
    }
  }

  @Test
  void rocksdbRewritesTheOldLayoutWhenOpened() throws Exception {
    Path db = dir.resolve("old");
    try (Options o = new Options().setCreateIfMissing(true); RocksDB raw = RocksDB.open(o, db.toString())) {
      for (int i = 0; i < 25_000; i++) {
        raw.put(concat((byte) 1, b("k" + i)), record(i < 3 ? 100 + i : 0, "v" + i));
      }
      raw.put(new byte[] {0, 'a'}, java.nio.ByteBuffer.allocate(16).putLong(2).putLong(77).array());
      raw.put(new byte[] {0, 'c'}, java.nio.ByteBuffer.allocate(8).putLong(25_000).array());
    }
    try (Store s = new RocksStore(db)) {
      assertEquals(77, s.appliedIndex());
      assertEquals(25_000, s.count());
      assertArrayEquals(record(0, "v24999"), s.get(b("k24999")));
      assertEquals(List.of("k0", "k1", "k2"), strings(s.expiredKeys(1000, 10)));
      assertEquals(25_000, scanOrder(s, 0).size());
    }
    try (Store s = new RocksStore(db)) {
      assertEquals(25_000, scanOrder(s, 0).size());
    }
  }

  private static byte[] concat(byte prefix, byte[] key) {
    byte[] r = new byte[key.length + 1];
    r[0] = prefix;
    System.arraycopy(key, 0, r, 1, key.length);
    return r;
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "rocksdb"})
  void systemValuesAreOutsideTheKeyspaceAndTravelInCheckpoints(String kind) throws Exception {
    Path cp = dir.resolve("cp");
    try (Store s = open(kind, dir.resolve("db"))) {
      assertNull(s.getSystem("acl.users"));
      s.commit(false, writes("a", "1"), Map.of("acl.users", b("users v1")), 1, 1, 1);
      assertArrayEquals(b("users v1"), s.getSystem("acl.users"));
      assertEquals(Map.of("a", "1"), contents(s));
      assertEquals(1, s.count());
      // FLUSHALL (clearFirst) empties the keyspace only
      s.commit(true, writes(), Map.of(), 0, 1, 2);
      assertEquals(Map.of(), contents(s));
      assertArrayEquals(b("users v1"), s.getSystem("acl.users"));
      s.commit(false, writes("b", "2"), Map.of("acl.users", b("users v2")), 1, 1, 3);
      s.checkpoint(cp);
    }
    try (Store t = open(kind, dir.resolve("db2"))) {
      t.restore(cp);
      assertArrayEquals(b("users v2"), t.getSystem("acl.users"));
      assertEquals(Map.of("b", "2"), contents(t));
      java.util.HashMap<String, byte[]> delete = new java.util.HashMap<>();
      delete.put("acl.users", null);
      t.commit(false, writes(), delete, 1, 1, 4);
      assertNull(t.getSystem("acl.users"));
    }
  }
}

package dev.raftkv.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
}

package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.raft.PendingKeyspace;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.store.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hash commands against a real memory store through the keyspace the state machine uses. */
class HashCommandsTest {
  private final MemoryStore store = new MemoryStore();
  private final long now = 1_700_000_000_000L;
  private long index;

  static byte[][] argv(String... a) {
    byte[][] r = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i].getBytes(StandardCharsets.UTF_8);
    }
    return r;
  }

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Normalizes as the receiving peer would, then applies as a log entry would. */
  static String run(MemoryStore store, long now, long index, String... a) throws Exception {
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
    PendingKeyspace ks = new PendingKeyspace(store, now);
    RespOut out = new RespOut();
    Commands.execute(spec, args, ks, out);
    ks.commit(1, index);
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }

  private void put(byte[] key, byte[] record) throws Exception {
    PendingKeyspace ks = new PendingKeyspace(store, now);
    ks.put(key, record);
    ks.commit(1, ++index);
  }

  private String run(String... a) throws Exception {
    return run(store, now, ++index, a);
  }

  @Test
  void aModifiedHashKeepsItsDeadline() throws Exception {
    long deadline = now + 60_000;
    put(b("h"), Record.encode(Record.HASH, deadline, Packed.pack(List.of(b("a"), b("1")))));
    run("HSET", "h", "b", "2");
    run("HINCRBY", "h", "a", "5");
    run("HINCRBYFLOAT", "h", "c", "0.5");
    run("HDEL", "h", "b");
    byte[] r = store.get(b("h"));
    assertEquals(deadline, Record.expireAt(r));
    assertEquals("*4\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nc\r\n$3\r\n0.5\r\n", run("HGETALL", "h"));
  }

  @Test
  void anExpiredHashCountsAsAbsentAndIsReplacedWithoutADeadline() throws Exception {
    put(b("h"), Record.encode(Record.HASH, now - 1, Packed.pack(List.of(b("old"), b("1")))));
    assertEquals("*0\r\n", run("HGETALL", "h"));
    assertEquals(":1\r\n", run("HSET", "h", "new", "2"));
    assertEquals(0, Record.expireAt(store.get(b("h"))));
    assertEquals("*2\r\n$3\r\nnew\r\n$1\r\n2\r\n", run("HGETALL", "h"));
  }

  @Test
  void removingTheLastFieldDeletesTheKey() throws Exception {
    run("HSET", "h", "a", "1", "b", "2");
    assertEquals(":2\r\n", run("HDEL", "h", "a", "b", "c"));
    assertNull(store.get(b("h")));
    assertEquals(0, store.count());
  }

  @Test
  void badArgumentsAreRejectedBeforeTheLog() {
    CommandSpec hset = Commands.lookup(b("hset"));
    CommandError e = assertThrows(CommandError.class,
        () -> hset.normalizer().normalize(argv("HSET", "h", "f", "v", "g"), now));
    assertEquals("ERR wrong number of arguments for 'hset' command", e.getMessage());
    CommandSpec hmset = Commands.lookup(b("HMSET"));
    e = assertThrows(CommandError.class,
        () -> hmset.normalizer().normalize(argv("HMSET", "h", "f", "v", "g"), now));
    assertEquals("ERR wrong number of arguments for 'hmset' command", e.getMessage());
    e = assertThrows(CommandError.class, () -> Commands.lookup(b("hincrby")).normalizer()
        .normalize(argv("HINCRBY", "h", "f", "x"), now));
    assertEquals(CommandError.NOT_INTEGER, e.getMessage());
    e = assertThrows(CommandError.class, () -> Commands.lookup(b("hincrbyfloat")).normalizer()
        .normalize(argv("HINCRBYFLOAT", "h", "f", "inf"), now));
    assertEquals("ERR value is NaN or Infinity", e.getMessage());
  }

  @Test
  void aFailedIncrementChangesNothing() throws Exception {
    run("HSET", "h", "n", "9223372036854775807", "s", "abc");
    byte[] before = store.get(b("h"));
    assertEquals("-ERR increment or decrement would overflow\r\n", run("HINCRBY", "h", "n", "1"));
    assertEquals("-ERR hash value is not an integer\r\n", run("HINCRBY", "h", "s", "1"));
    assertEquals("-ERR hash value is not a float\r\n", run("HINCRBYFLOAT", "h", "s", "1"));
    assertArrayEquals(before, store.get(b("h")));
  }

  @Test
  void twoReplicasApplyingTheSameCommandsStoreTheSameBytes() throws Exception {
    MemoryStore other = new MemoryStore();
    String[][] commands = {
        {"HSET", "h", "z", "1", "a", "2"}, {"HINCRBYFLOAT", "h", "f", "0.1"},
        {"HINCRBYFLOAT", "h", "f", "1e-3"}, {"HINCRBYFLOAT", "h", "f", "3.3333333333333333"},
        {"HINCRBY", "h", "z", "-4"}, {"HDEL", "h", "a"}, {"HSETNX", "h", "a", "3"},
    };
    long i = 0;
    for (String[] c : commands) {
      i++;
      assertEquals(run(store, now, i, c), run(other, now + 12345, i, c));
    }
    assertArrayEquals(store.get(b("h")), other.get(b("h")));
  }

  @Test
  void hscanOfALargeHashVisitsEveryFieldOnceInFixedHashOrder() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("HSET", "h"));
    for (int i = 0; i < 500; i++) {
      cmd.add("f" + i);
      cmd.add("v" + i);
    }
    run(cmd.toArray(new String[0]));
    Set<String> seen = new HashSet<>();
    String cursor = "0";
    int calls = 0;
    do {
      String reply = run("HSCAN", "h", cursor, "COUNT", "20");
      String[] lines = reply.split("\r\n");
      cursor = lines[2];
      for (int i = 5; i < lines.length; i += 4) {
        assertTrue(seen.add(lines[i]), "returned once: " + lines[i]);
      }
      calls++;
    } while (!cursor.equals("0"));
    assertEquals(500, seen.size());
    assertTrue(calls >= 25, "COUNT bounds each call: " + calls);
  }

  @Test
  void splicedUpdatesStoreThePackedLayout() throws Exception {
    run("HSET", "h", "a", "1", "b", "22");
    run("HSET", "h", "a", "x".repeat(200), "c", "3");
    run("HSETNX", "h", "d", "4");
    run("HINCRBY", "h", "b", "-30");
    run("HINCRBYFLOAT", "h", "c", "0.5");
    run("HSET", "h", "d", "");
    List<byte[]> expected = List.of(b("a"), b("x".repeat(200)), b("b"), b("-8"), b("c"), b("3.5"),
        b("d"), b(""));
    assertArrayEquals(Record.encode(Record.HASH, 0, Packed.pack(expected)), store.get(b("h")));
    // the many-pairs path (unpack, update, pack) agrees
    run("HSET", "g", "a", "x".repeat(200), "b", "-8", "c", "3.5", "d", "", "a", "x".repeat(200));
    run("HSET", "g", "b", "-8", "c", "3.5", "d", "", "a", "x".repeat(200), "b", "-8");
    byte[] g = store.get(b("g"));
    assertArrayEquals(Packed.pack(expected), Record.payload(g));
  }

  @Test
  void hscanCursorParsesLikeStrtoul() throws Exception {
    assertEquals(0, Args.scanCursor(b("")));
    assertEquals(5, Args.scanCursor(b("+5")));
    assertEquals(-1L, Args.scanCursor(b("18446744073709551615")));
    assertEquals(-1L, Args.scanCursor(b("-1")));
    assertThrows(CommandError.class, () -> Args.scanCursor(b("18446744073709551616")));
    assertThrows(CommandError.class, () -> Args.scanCursor(b(" 1")));
    assertThrows(CommandError.class, () -> Args.scanCursor(b("-")));
    assertThrows(CommandError.class, () -> Args.scanCursor(b("1x")));
  }
}

package dev.raftkv.command;

import static dev.raftkv.command.HashCommandsTest.argv;
import static dev.raftkv.command.HashCommandsTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.raftkv.raft.PendingKeyspace;
import dev.raftkv.store.MemoryStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** List commands against a real memory store through the keyspace the state machine uses. */
class ListCommandsTest {
  private final MemoryStore store = new MemoryStore();
  private final long now = 1_700_000_000_000L;
  private long index;

  private String run(String... a) throws Exception {
    return HashCommandsTest.run(store, now, ++index, a);
  }

  private void put(byte[] key, byte[] record) throws Exception {
    PendingKeyspace ks = new PendingKeyspace(store, now);
    ks.put(key, record);
    ks.commit(1, ++index);
  }

  @Test
  void aModifiedListKeepsItsDeadline() throws Exception {
    long deadline = now + 60_000;
    put(b("l"), Record.encode(Record.LIST, deadline, Packed.pack(List.of(b("a"), b("b"), b("c")))));
    run("RPUSH", "l", "d");
    run("LPOP", "l");
    run("LSET", "l", "0", "B");
    run("LINSERT", "l", "AFTER", "B", "x");
    run("LREM", "l", "1", "x");
    run("LTRIM", "l", "0", "1");
    run("LMOVE", "l", "l", "LEFT", "RIGHT");
    assertEquals(deadline, Record.expireAt(store.get(b("l"))));
    assertEquals("*2\r\n$1\r\nc\r\n$1\r\nB\r\n", run("LRANGE", "l", "0", "-1"));
  }

  @Test
  void aMoveCreatesTheDestinationWithoutADeadline() throws Exception {
    put(b("src"), Record.encode(Record.LIST, now + 1000, Packed.pack(List.of(b("a")))));
    assertEquals("$1\r\na\r\n", run("RPOPLPUSH", "src", "dst"));
    assertNull(store.get(b("src")), "the emptied source is deleted");
    assertEquals(0, Record.expireAt(store.get(b("dst"))));
    assertEquals(1, store.count());
  }

  @Test
  void emptiedListsAreDeleted() throws Exception {
    String[][] emptying = {
        {"LPOP", "l"}, {"RPOP", "l", "5"}, {"LREM", "l", "0", "a"}, {"LTRIM", "l", "1", "0"},
        {"LMPOP", "1", "l", "LEFT"}, {"LMOVE", "l", "other", "LEFT", "LEFT"},
    };
    for (String[] c : emptying) {
      run("DEL", "other");
      run("RPUSH", "l", "a");
      run(c);
      assertNull(store.get(b("l")), String.join(" ", c));
    }
  }

  @Test
  void badArgumentsAreRejectedBeforeTheLog() {
    assertEquals("ERR value is out of range, must be positive", assertThrows(CommandError.class,
        () -> Commands.lookup(b("lpop")).normalizer().normalize(argv("LPOP", "l", "-1"), now))
        .getMessage());
    assertEquals("ERR wrong number of arguments for 'rpop' command", assertThrows(CommandError.class,
        () -> Commands.lookup(b("rpop")).normalizer().normalize(argv("RPOP", "l", "1", "2"), now))
        .getMessage());
    assertEquals(CommandError.SYNTAX, assertThrows(CommandError.class,
        () -> Commands.lookup(b("lmove")).normalizer().normalize(argv("LMOVE", "a", "b", "UP", "LEFT"), now))
        .getMessage());
    assertEquals("ERR numkeys should be greater than 0", assertThrows(CommandError.class,
        () -> Commands.lookup(b("lmpop")).normalizer().normalize(argv("LMPOP", "0", "a", "LEFT"), now))
        .getMessage());
    assertEquals(CommandError.SYNTAX, assertThrows(CommandError.class,
        () -> Commands.lookup(b("linsert")).normalizer().normalize(argv("LINSERT", "l", "X", "a", "b"), now))
        .getMessage());
  }

  @Test
  void blockingCommandsNeverReachTheLog() {
    for (String[] c : new String[][] {
        {"BLPOP", "l", "0"}, {"BRPOP", "l", "0"}, {"BLMOVE", "a", "b", "LEFT", "LEFT", "0"},
        {"BRPOPLPUSH", "a", "b", "0"}, {"BLMPOP", "0", "1", "a", "LEFT"}}) {
      CommandSpec spec = Commands.lookup(b(c[0]));
      assertEquals(CommandSpec.Route.WRITE, spec.route());
      CommandError e = assertThrows(CommandError.class,
          () -> spec.normalizer().normalize(argv(c), now), c[0]);
      assertEquals("ERR blocking commands are not supported by raft-kv", e.getMessage());
    }
  }

  @Test
  void aFailedCommandChangesNothing() throws Exception {
    run("RPUSH", "l", "a", "b");
    run("SET", "s", "v");
    byte[] before = store.get(b("l"));
    assertEquals("-ERR index out of range\r\n", run("LSET", "l", "2", "x"));
    assertEquals("-" + CommandError.WRONGTYPE + "\r\n", run("LMOVE", "l", "s", "LEFT", "LEFT"));
    assertEquals("-" + CommandError.WRONGTYPE + "\r\n", run("LMPOP", "2", "s", "l", "LEFT"));
    assertArrayEquals(before, store.get(b("l")));
  }

  @Test
  void lmpopPopsFromTheFirstNonEmptyList() throws Exception {
    run("RPUSH", "b", "1", "2", "3");
    assertEquals("*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n",
        run("LMPOP", "2", "a", "b", "RIGHT", "COUNT", "2"));
    assertEquals("*-1\r\n", run("LMPOP", "1", "a", "LEFT"));
  }
}

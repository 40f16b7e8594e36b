package dev.raftkv.command;

import static dev.raftkv.command.HashCommandsTest.argv;
import static dev.raftkv.command.HashCommandsTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /** Applies a command in its log form as given (no normalizer: the peers' own forms). */
  private String apply(String... a) throws Exception {
    byte[][] args = argv(a);
    PendingKeyspace ks = new PendingKeyspace(store, now);
    dev.raftkv.protocol.RespOut out = new dev.raftkv.protocol.RespOut();
    Commands.execute(Commands.lookup(args[0]), args, ks, out);
    ks.commit(1, ++index);
    return new String(out.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
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
  void blockingCommandsLogTheirNonBlockingFormWithoutTheTimeout() throws Exception {
    String[][] commands = {
        {"BLPOP", "l", "m", "2.5"}, {"BRPOP", "l", "0"}, {"BLMOVE", "a", "b", "LEFT", "LEFT", "0x10"},
        {"BRPOPLPUSH", "a", "b", "7"}, {"BLMPOP", "1.5", "1", "a", "LEFT"},
        {"BZPOPMIN", "z", "1e2"}, {"BZPOPMAX", "z", "y", ".5"}, {"BZMPOP", "3", "1", "z", "MIN"}};
    int[] timeoutAt = {3, 2, 5, 3, 1, 2, 3, 1};
    long[] millis = {2500, 0, 16000, 7000, 1500, 100_000, 500, 3000};
    for (int i = 0; i < commands.length; i++) {
      String[] c = commands[i];
      CommandSpec spec = Commands.lookup(b(c[0]));
      assertEquals(CommandSpec.Route.WRITE, spec.route());
      assertTrue(BlockingCommands.isBlocking(spec.name()));
      byte[][] logged = spec.normalizer().normalize(argv(c), now);
      assertEquals("0", new String(logged[timeoutAt[i]]), c[0] + ": no client timeout in the log");
      assertEquals("wake", new String(BlockingCommands.wakeForm(logged)[timeoutAt[i]]));
      assertEquals(millis[i], BlockingCommands.timeout(argv(c)), c[0]);
      assertThrows(CommandError.class, () -> spec.normalizer().normalize(
          BlockingCommands.wakeForm(argv(c)), now), "a client cannot send the wake-up form");
    }
    assertEquals(1, BlockingCommands.timeout(argv("BLPOP", "l", "0.0000001")), "rounded up");
    assertEquals(0, BlockingCommands.timeout(argv("BLPOP", "l", "-0.0001")), "rounds up to 0: forever");
  }

  @Test
  void aBlockingPopOfNothingAnswersNullAndAWakeUpPassesOverOtherTypes() throws Exception {
    run("SET", "s", "v");
    assertEquals("*-1\r\n", run("BLPOP", "none", "0"));
    assertEquals("$-1\r\n", run("BLMOVE", "none", "d", "LEFT", "LEFT", "0"));
    assertEquals("-" + CommandError.WRONGTYPE + "\r\n", run("BLPOP", "s", "0"));
    assertEquals("*-1\r\n", apply("BLPOP", "s", "wake"));
    assertEquals("*-1\r\n", apply("BLMPOP", "wake", "2", "s", "none", "LEFT"));
    assertEquals("$-1\r\n", apply("BRPOPLPUSH", "s", "d", "wake"));
    run("RPUSH", "l", "a", "b");
    assertEquals("*2\r\n$1\r\nl\r\n$1\r\nb\r\n", apply("BRPOP", "s", "l", "wake"));
    assertEquals("*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n", apply("BLMPOP", "wake", "2", "s", "l", "LEFT"));
    assertNull(store.get(b("l")));
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

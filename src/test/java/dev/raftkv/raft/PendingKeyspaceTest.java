package dev.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.command.Args;
import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import dev.raftkv.command.Record;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.store.MemoryStore;
import dev.raftkv.store.RocksStore;
import dev.raftkv.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Savepoints of the apply-time keyspace, and what Commands.execute does with them. */
class PendingKeyspaceTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return Args.bytes(s);
  }

  private static byte[] rec(String v) {
    return Record.encode(Record.STRING, 0, b(v));
  }

  private static String value(PendingKeyspace ks, String key) {
    byte[] r = ks.get(b(key));
    return r == null ? null : new String(Record.payload(r), StandardCharsets.UTF_8);
  }

  private static Store seeded(Store store) throws Exception {
    PendingKeyspace ks = new PendingKeyspace(store, 1);
    ks.put(b("a"), rec("1"));
    ks.put(b("b"), rec("2"));
    ks.commit(1, 1);
    return store;
  }

  @Test
  void nestedSavepointsUndoExactlyTheirOwnChanges() throws Exception {
    try (RocksStore store = new RocksStore(dir.resolve("db"))) {
      PendingKeyspace ks = new PendingKeyspace(seeded(store), 2);
      int outer = ks.savepoint();
      ks.put(b("a"), rec("10"));
      int inner = ks.savepoint();
      ks.delete(b("b"));
      ks.put(b("c"), rec("3"));
      ks.clear();
      ks.put(b("d"), rec("4"));
      assertEquals(1, ks.size());
      ks.rollback(inner);
      assertEquals("10", value(ks, "a"));
      assertEquals("2", value(ks, "b"));
      assertNull(value(ks, "c"));
      assertNull(value(ks, "d"));
      assertEquals(2, ks.size());
      ks.rollback(outer);
      assertEquals("1", value(ks, "a"));
      ks.commit(1, 2);
      assertArrayEquals(rec("1"), store.get(b("a")));
      assertEquals(2, store.count());
    }
  }

  @Test
  void aCommandThatFailsHalfwayLeavesNothingAndAnswersAnError() throws Exception {
    Store store = seeded(new MemoryStore());
    PendingKeyspace ks = new PendingKeyspace(store, 2);
    CommandSpec buggy = new CommandSpec("buggy", -1, CommandSpec.Route.WRITE, (a, now) -> a,
        (argv, keyspace, out) -> {
          keyspace.put(b("a"), rec("changed"));
          keyspace.delete(b("b"));
          out.integer(1);
          throw new ArrayIndexOutOfBoundsException(7);
        });
    RespOut out = new RespOut();
    Commands.execute(buggy, new byte[][] {b("buggy")}, ks, out);
    assertEquals("-ERR internal error in 'buggy': ArrayIndexOutOfBoundsException\r\n",
        new String(out.toByteArray(), StandardCharsets.UTF_8));
    assertEquals("1", value(ks, "a"));
    assertEquals("2", value(ks, "b"));

    // a later command of the same entry still applies
    RespOut out2 = new RespOut();
    Commands.execute(Commands.lookup(b("set")), new byte[][] {b("set"), b("a"), b("ok")}, ks, out2);
    assertEquals("+OK\r\n", new String(out2.toByteArray(), StandardCharsets.UTF_8));
    ks.commit(1, 2);
    assertArrayEquals(rec("ok"), store.get(b("a")));
    assertTrue(store.get(b("b")) != null);
  }
}

package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.fuzz.FuzzInputs;
import dev.raftkv.fuzz.RespReplies;
import dev.raftkv.raft.KvStateMachine;
import dev.raftkv.raft.PendingKeyspace;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.store.MemoryStore;
import dev.raftkv.store.RocksStore;
import dev.raftkv.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random commands from the command table, with arguments drawn from the tokens commands parse,
 * run as a peer runs them: normalized on the receiving side, then a write is applied to a real
 * store in a log entry and a read is answered by the state machine's read path. The same sequence
 * runs against the memory store and RocksDB side by side. Checked: the normalizer fails only with
 * a user error; no command ever hits a bug ("internal error"); every reply is well-formed RESP;
 * both stores answer byte for byte the same and end with the same contents (replicas cannot
 * diverge because of their store).
 */
class CommandFuzzTest {
  private static Path dir;
  private static RocksStore rocks;
  private static int run;

  @BeforeContainer
  static void openRocks() throws IOException {
    dir = Files.createTempDirectory("command-fuzz");
    rocks = new RocksStore(dir.resolve("db"));
  }

  @AfterContainer
  static void closeRocks() throws IOException {
    rocks.close();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  @Provide
  Arbitrary<List<byte[][]>> sequences() {
    return FuzzInputs.command(FuzzInputs.clientCommands().stream()
            .filter(s -> s.route() != CommandSpec.Route.LOCAL)
            // reads that pick at random on each peer by design (writes are deterministic)
            .filter(s -> !(s.route() == CommandSpec.Route.READ && s.name().contains("rand"))).toList())
        .list().ofMinSize(1).ofMaxSize(30);
  }

  /** One side of the comparison. */
  private static final class Side {
    final Store store;
    final KvStateMachine sm;
    long index;

    Side(Store store) {
      this.store = store;
      this.sm = new KvStateMachine("fuzz", store, 1);
    }

    String run(CommandSpec spec, byte[][] argv, long now) throws IOException {
      if (spec.route() == CommandSpec.Route.READ) {
        return str(sm.read(new byte[][][] {argv}).get(0));
      }
      PendingKeyspace ks = new PendingKeyspace(store, now);
      RespOut out = new RespOut();
      Commands.execute(spec, argv, ks, out);
      ks.commit(1, store.appliedIndex() + 1);
      return str(out.toByteArray());
    }
  }

  @Property
  void commandsNeverHitABugAndBothStoresAgree(@ForAll("sequences") List<byte[][]> commands)
      throws IOException {
    clear(rocks);
    Side memory = new Side(new MemoryStore());
    Side rocksdb = new Side(rocks);
    long now = 1_700_000_000_000L + (run++) * 1000L;
    List<String> transcript = new ArrayList<>();
    for (byte[][] argv : commands) {
      now += 7;
      CommandSpec spec = Commands.lookup(argv[0]);
      if (spec == null || !spec.arityOk(argv.length)) {
        continue; // answered by the front end before anything runs
      }
      byte[][] normalized = argv;
      if (spec.route() == CommandSpec.Route.WRITE) {
        try {
          normalized = spec.normalizer().normalize(argv, now);
        } catch (CommandError e) {
          assertTrue(e.getMessage().startsWith("ERR ") || e.getMessage().startsWith("WRONGTYPE "),
              "a user error text: " + e.getMessage());
          continue;
        }
        // the normalized form is what enters the log: it must be a valid command of the table
        CommandSpec logged = Commands.lookup(normalized[0]);
        assertTrue(logged != null && logged.arityOk(normalized.length), "normalized form is valid");
      }
      String a = memory.run(spec, normalized, now);
      String b = rocksdb.run(spec, normalized, now);
      transcript.add(show(argv) + " -> " + a);
      assertFalse(a.contains("internal error"), () -> "a command hit a bug:\n" + String.join("\n", transcript));
      assertEquals(1, RespReplies.count(a.getBytes(StandardCharsets.ISO_8859_1)), a);
      assertEquals(a, b, () -> "memory and RocksDB disagree:\n" + String.join("\n", transcript));
    }
    assertEquals(memory.store.count(), rocks.count(), "same number of keys");
    List<byte[][]> m = contents(memory.store);
    List<byte[][]> r = contents(rocks);
    assertEquals(m.size(), r.size());
    for (int i = 0; i < m.size(); i++) {
      assertArrayEquals(m.get(i)[0], r.get(i)[0], "same keys in the same scan order");
      assertArrayEquals(m.get(i)[1], r.get(i)[1], "same record");
    }
  }

  private static List<byte[][]> contents(Store s) {
    List<byte[][]> list = new ArrayList<>();
    s.scan((k, v) -> list.add(new byte[][] {k, v}));
    return list;
  }

  private static void clear(Store s) throws IOException {
    PendingKeyspace ks = new PendingKeyspace(s, 0);
    ks.clear();
    ks.commit(1, s.appliedIndex() + 1);
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static String show(byte[][] argv) {
    StringBuilder sb = new StringBuilder();
    for (byte[] a : argv) {
      String s = new String(a, StandardCharsets.ISO_8859_1);
      sb.append(s.length() > 40 ? s.substring(0, 40) + "...(" + s.length() + ")" : s).append(' ');
    }
    return sb.toString().trim();
  }
}

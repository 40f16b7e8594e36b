package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Set commands against a real memory store through the keyspace the state machine uses. */
class SetCommandsTest {
  private MemoryStore store;
  private final long now = 1_700_000_000_000L;
  private long index;

  @BeforeEach
  void setUp() {
    store = new MemoryStore();
  }

  static byte[][] argv(String... a) {
    byte[][] r = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i].getBytes(StandardCharsets.UTF_8);
    }
    return r;
  }

  /** Applies an already normalized (log form) command to a store, as a log entry would. */
  static String apply(MemoryStore store, long now, long index, byte[][] args) throws Exception {
    CommandSpec spec = Commands.lookup(args[0]);
    PendingKeyspace ks = new PendingKeyspace(store, now);
    RespOut out = new RespOut();
    Commands.execute(spec, args, ks, out);
    ks.commit(1, index);
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }

  /** Normalizes as the receiving peer would, then applies. */
  private String run(String... a) throws Exception {
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
    return apply(store, now, ++index, args);
  }

  private static String bulks(String... items) {
    StringBuilder sb = new StringBuilder("*" + items.length + "\r\n");
    for (String s : items) {
      sb.append('$').append(s.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(s).append("\r\n");
    }
    return sb.toString();
  }

  @Test
  void membersAreKeptSortedBytewise() throws Exception {
    assertEquals(":5\r\n", run("SADD", "s", "b", "10", "9", "a", "\u00e9"));
    assertEquals(":0\r\n", run("SADD", "s", "a"));
    assertEquals(bulks("10", "9", "a", "b", "\u00e9"), run("SMEMBERS", "s"));
    List<byte[]> stored = Packed.unpack(Record.payload(store.get(argv("s")[0])));
    assertEquals(5, stored.size());
    assertArrayEquals(argv("10")[0], stored.get(0));
  }

  @Test
  void anEmptiedSetIsDeletedAndExpiryIsKept() throws Exception {
    byte[] key = argv("s")[0];
    PendingKeyspace ks = new PendingKeyspace(store, now);
    ks.put(key, Record.encode(Record.SET, now + 5000, Packed.pack(List.of(argv("a")[0]))));
    ks.commit(1, ++index);
    assertEquals(":1\r\n", run("SADD", "s", "b"));
    assertEquals(now + 5000, Record.expireAt(store.get(key)), "SADD keeps the TTL");
    assertEquals(":1\r\n", run("SREM", "s", "a"));
    assertEquals(now + 5000, Record.expireAt(store.get(key)), "SREM keeps the TTL");
    assertEquals(":1\r\n", run("SUNIONSTORE", "d", "s"));
    assertEquals(0, Record.expireAt(store.get(argv("d")[0])), "a stored result has no TTL");
    assertEquals(":1\r\n", run("SREM", "s", "b"));
    assertNull(store.get(key), "an empty set is deleted");
  }

  @Test
  void wrongTypeChangesNothing() throws Exception {
    run("SET", "str", "v");
    run("SADD", "s", "a");
    String wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    assertEquals(wrongType, run("SMOVE", "s", "str", "a"));
    assertEquals(wrongType, run("SUNIONSTORE", "d", "s", "str"));
    assertNull(store.get(argv("d")[0]));
    assertEquals(":1\r\n", run("SISMEMBER", "s", "a"), "SMOVE to a string removed nothing");
  }

  @Test
  void spopsLogFormCarriesASeedAndEveryReplicaPopsTheSameMembers() throws Exception {
    CommandSpec spop = Commands.lookup(argv("spop")[0]);
    byte[][] logForm = spop.normalizer().normalize(argv("SPOP", "s", "3"), now);
    assertEquals(4, logForm.length, "SPOP key count seed");
    assertTrue(Args.parseLong(logForm[3]) != null);
    assertEquals("-ERR syntax error\r\n", run("SPOP", "s", "1", "2"));
    assertEquals("-ERR value is out of range, must be positive\r\n", run("SPOP", "s", "-1"));

    MemoryStore[] replicas = {new MemoryStore(), new MemoryStore()};
    List<String> add = new ArrayList<>(List.of("SADD", "s"));
    for (int i = 0; i < 100; i++) {
      add.add("m" + i);
    }
    String[] replies = new String[2];
    String[] singles = new String[2];
    for (int r = 0; r < 2; r++) {
      apply(replicas[r], now, 1, argv(add.toArray(new String[0])));
      replies[r] = apply(replicas[r], now, 2, logForm);
      singles[r] = apply(replicas[r], now, 3, argv("SPOP", "s", "12345"));
    }
    assertEquals(replies[0], replies[1]);
    assertEquals(singles[0], singles[1]);
    assertArrayEquals(replicas[0].get(argv("s")[0]), replicas[1].get(argv("s")[0]));
    assertEquals(96, Packed.unpack(Record.payload(replicas[0].get(argv("s")[0]))).size());
    // three distinct members, none of which remain
    Set<String> popped = new HashSet<>();
    for (String line : replies[0].split("\r\n")) {
      if (line.startsWith("m")) {
        popped.add(line);
      }
    }
    assertEquals(3, popped.size());
    // another seed chooses differently (a fixed pair of seeds, checked once)
    MemoryStore other = new MemoryStore();
    apply(other, now, 1, argv(add.toArray(new String[0])));
    assertNotEquals(replies[0], apply(other, now, 2, argv("SPOP", "s", "3", "99")));
  }

  @Test
  void srandmemberIsAReadAndBoundsItsRepeats() throws Exception {
    assertEquals(CommandSpec.Route.READ, Commands.lookup(argv("srandmember")[0]).route());
    run("SADD", "s", "a", "b", "c");
    String r = run("SRANDMEMBER", "s", "-1000");
    assertTrue(r.startsWith("*1000\r\n"));
    assertEquals("-ERR value is out of range, value must between -10000000 and 9223372036854775807\r\n",
        run("SRANDMEMBER", "s", "-10000001"));
    assertEquals(bulks("a", "b", "c"), run("SRANDMEMBER", "s", "3"));
    Set<String> seen = new TreeSet<>();
    for (int i = 0; i < 200; i++) {
      seen.add(run("SRANDMEMBER", "s", "2"));
    }
    assertTrue(seen.size() > 1, "the choice is random");
  }

  @Test
  void sscanCursorParsing() throws Exception {
    assertEquals(0, Args.scanCursor(argv("")[0]));
    assertEquals(-1L, Args.scanCursor(argv("-1")[0]), "strtoul wraps a negative cursor");
    assertEquals(-1L, Args.scanCursor(argv("18446744073709551615")[0]));
    assertEquals(7, Args.scanCursor(argv("+7")[0]));
    for (String bad : new String[] {"x", " 1", "1 ", "18446744073709551616", "+", "1.0"}) {
      assertThrows(CommandError.class, () -> Args.scanCursor(argv(bad)[0]), bad);
    }
  }

  @Test
  void aScanReturnsEveryMemberPresentThroughoutWhateverChanges() {
    List<byte[]> items = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      items.add(("x" + i).getBytes(StandardCharsets.UTF_8));
    }
    items.sort(SetCommands.BYTEWISE);
    Set<String> seen = new HashSet<>();
    long cursor = 0;
    int round = 0;
    do {
      SetScan.Page<byte[]> page = SetScan.page(items, m -> m, new SetScan.Options(cursor, null, 10));
      assertTrue(page.items().size() >= 10 || page.next() == 0);
      page.items().forEach(m -> seen.add(new String(m, StandardCharsets.UTF_8)));
      cursor = page.next();
      // churn: remove an odd member, add a new one
      String gone = "x" + (2 * round + 1);
      items.removeIf(m -> new String(m, StandardCharsets.UTF_8).equals(gone));
      items.add(("new" + round).getBytes(StandardCharsets.UTF_8));
      items.sort(SetCommands.BYTEWISE);
      round++;
    } while (cursor != 0);
    for (int i = 0; i < 1000; i += 2) {
      assertTrue(seen.contains("x" + i), "x" + i);
    }
    assertTrue(round > 90 && round < 120, "about count members per call: " + round);
  }
}

package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every row names its keys: Redis's fixed positions, and the movable keys of numkeys-style commands. */
class CommandKeysTest {

  private static List<String> keys(String command) {
    String[] a = command.split(" ");
    byte[][] argv = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      argv[i] = a[i].getBytes(StandardCharsets.UTF_8);
    }
    CommandSpec spec = Commands.lookup(argv[0]);
    assertNotNull(spec, a[0]);
    return spec.keys(argv).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  private static void check(String command, String... expected) {
    assertEquals(List.of(expected), keys(command), command);
  }

  @Test
  void fixedPositionsComeFromRedisKeySpecs() {
    check("get k", "k");
    check("set k v ex 10", "k");
    check("mget a b c", "a", "b", "c");
    check("mset a 1 b 2 c 3", "a", "b", "c");
    check("msetnx a 1 b 2", "a", "b");
    check("del a b", "a", "b");
    check("exists a", "a");
    check("rename a b", "a", "b");
    check("copy a b db 0 replace", "a", "b");
    check("lmove a b left right", "a", "b");
    check("rpoplpush a b", "a", "b");
    check("smove a b m", "a", "b");
    check("sinterstore d a b", "d", "a", "b");
    check("zrangestore d s 0 -1", "d", "s");
    check("geosearchstore d s frommember m byradius 1 km", "d", "s");
    check("bitop and d a b", "d", "a", "b");
    check("pfcount a b", "a", "b");
    check("pfdebug getreg k", "k");
    check("hset h f v f2 v2", "h");
    check("lcs a b", "a", "b");
    check("object encoding k", "k");
    check("watch a b c", "a", "b", "c");
    check("spublish ch msg", "ch");
    check("ssubscribe c1 c2", "c1", "c2");
  }

  @Test
  void blockingCommandsStopBeforeTheTimeout() {
    check("blpop a b 0", "a", "b");
    check("brpop a 1.5", "a");
    check("bzpopmin z1 z2 0", "z1", "z2");
    check("blmove a b left right 0", "a", "b");
    check("brpoplpush a b 0", "a", "b");
  }

  @Test
  void numkeysCommandsTakeTheirKeysFromTheirArguments() {
    check("eval return 2 a b x y", "a", "b");
    check("evalsha abc 1 a x", "a");
    check("eval_ro return 0 x", new String[0]);
    check("evalsha_ro abc 3 a b c", "a", "b", "c");
    check("lmpop 2 a b left count 3", "a", "b");
    check("zmpop 1 z min", "z");
    check("blmpop 0 2 a b left", "a", "b");
    check("bzmpop 1.5 1 z max count 2", "z");
    check("sintercard 2 a b limit 1", "a", "b");
    check("zintercard 3 a b c", "a", "b", "c");
    check("zunion 2 a b weights 1 2", "a", "b");
    check("zinter 1 a", "a");
    check("zdiff 2 a b withscores", "a", "b");
    check("zunionstore d 2 a b aggregate max", "d", "a", "b");
    check("zinterstore d 1 a", "d", "a");
    check("zdiffstore d 2 a b", "d", "a", "b");
  }

  @Test
  void badNumkeysNamesNoKeysAndTheCommandAnswersItsOwnError() {
    check("eval return x a");
    check("eval return -1 a");
    check("zunion 0 a");
    check("zunionstore d nope a", "d");
    // more keys announced than given: the ones there are
    check("sintercard 5 a b", "a", "b");
  }

  @Test
  void optionalKeysAndSubcommands() {
    check("georadius g 0 0 1 km", "g");
    check("georadius g 0 0 1 km store d", "g", "d");
    check("georadiusbymember g m 1 km storedist d", "g", "d");
    check("memory usage k samples 5", "k");
    check("memory stats");
    check("object help");
  }

  @Test
  void keylessCommandsHaveNone() {
    for (String c : List.of("ping", "info", "dbsize", "keys *", "scan 0", "randomkey", "flushall",
        "publish ch m", "multi", "exec", "script flush", "client list", "readonly", "time")) {
      assertEquals(List.of(), keys(c), c);
    }
  }

  @Test
  void everyRowAnswersForTypicalArguments() {
    // no row throws on arguments of its minimum arity (the finder never reads past argv)
    for (CommandSpec spec : Commands.all()) {
      int argc = spec.arity() >= 0 ? spec.arity() : -spec.arity();
      byte[][] argv = new byte[argc][];
      argv[0] = spec.name().getBytes(StandardCharsets.UTF_8);
      for (int i = 1; i < argc; i++) {
        argv[i] = ("a" + i).getBytes(StandardCharsets.UTF_8);
      }
      assertNotNull(spec.keys(argv), spec.name());
    }
  }
}

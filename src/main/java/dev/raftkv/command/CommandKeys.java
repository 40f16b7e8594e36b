package dev.raftkv.command;

import dev.raftkv.protocol.CommandMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys of a command, a property of its table row ({@link CommandSpec#keys}): "The routing
 * seam" in docs/design.md. By default Redis 7.0's (first, last, step) key positions from {@link
 * CommandMeta}; the commands whose keys move (Redis's {@code movablekeys}) take them from their own
 * arguments here, in one lookup by name, never in the session.
 *
 * <p>A command whose key count does not parse (a bad {@code numkeys}) has no keys here: it is
 * answered by its own validation, like Redis, which finds no keys for it either. Keys are
 * returned in argument order, repeated keys included.
 */
public final class CommandKeys {
  /** Finds the keys of one command's arguments. */
  @FunctionalInterface
  public interface Finder {
    List<byte[]> keys(byte[][] argv);
  }

  private static final Finder NONE = argv -> List.of();

  /** The commands whose keys are not Redis's fixed positions. */
  private static final Map<String, Finder> MOVABLE = Map.ofEntries(
      // numkeys at 2, keys after it
      Map.entry("eval", numKeys(2, 3)),
      Map.entry("evalsha", numKeys(2, 3)),
      Map.entry("eval_ro", numKeys(2, 3)),
      Map.entry("evalsha_ro", numKeys(2, 3)),
      Map.entry("fcall", numKeys(2, 3)),
      Map.entry("fcall_ro", numKeys(2, 3)),
      // numkeys at 1
      Map.entry("lmpop", numKeys(1, 2)),
      Map.entry("zmpop", numKeys(1, 2)),
      Map.entry("sintercard", numKeys(1, 2)),
      Map.entry("zintercard", numKeys(1, 2)),
      Map.entry("zunion", numKeys(1, 2)),
      Map.entry("zinter", numKeys(1, 2)),
      Map.entry("zdiff", numKeys(1, 2)),
      // a timeout at 1, numkeys at 2
      Map.entry("blmpop", numKeys(2, 3)),
      Map.entry("bzmpop", numKeys(2, 3)),
      // the destination, then numkeys at 2
      Map.entry("zunionstore", destAndNumKeys()),
      Map.entry("zinterstore", destAndNumKeys()),
      Map.entry("zdiffstore", destAndNumKeys()),
      // the source key, and the key after STORE or STOREDIST
      Map.entry("georadius", keyAndStore(6)),
      Map.entry("georadiusbymember", keyAndStore(5)),
      // MEMORY USAGE key: the other subcommands take none
      Map.entry("memory", argv -> argv.length >= 3 && Args.is(argv[1], "usage") ? List.of(argv[2]) : List.of()));

  private static final Map<String, Finder> CACHE = new ConcurrentHashMap<>();

  private CommandKeys() {}

  /** The key finder of a table row. */
  public static Finder of(CommandSpec spec) {
    return CACHE.computeIfAbsent(spec.name(), n -> {
      Finder movable = MOVABLE.get(n);
      if (movable != null) {
        return movable;
      }
      CommandMeta.Info meta = spec.meta();
      return meta.firstKey() <= 0 ? NONE : positions(meta.firstKey(), meta.lastKey(), meta.step());
    });
  }

  /** True when the row may name keys at all (for a row with none, {@link #of} always answers empty). */
  public static boolean mayHaveKeys(CommandSpec spec) {
    return of(spec) != NONE;
  }

  /** Redis's (first, last, step): last negative counts from the end, -1 being the last argument. */
  static Finder positions(int first, int last, int step) {
    return argv -> {
      int end = last < 0 ? argv.length + last : Math.min(last, argv.length - 1);
      if (end < first) {
        return List.of();
      }
      List<byte[]> keys = new ArrayList<>((end - first) / step + 1);
      for (int i = first; i <= end; i += step) {
        keys.add(argv[i]);
      }
      return keys;
    };
  }

  /** {@code numkeys} at {@code at}, the keys from {@code first} on. */
  static Finder numKeys(int at, int first) {
    return argv -> {
      int n = count(argv, at, first);
      List<byte[]> keys = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        keys.add(argv[first + i]);
      }
      return keys;
    };
  }

  /** ZUNIONSTORE dest numkeys key...: the destination and the sources. */
  static Finder destAndNumKeys() {
    return argv -> {
      if (argv.length < 2) {
        return List.of();
      }
      int n = count(argv, 2, 3);
      List<byte[]> keys = new ArrayList<>(n + 1);
      keys.add(argv[1]);
      for (int i = 0; i < n; i++) {
        keys.add(argv[3 + i]);
      }
      return keys;
    };
  }

  /** GEORADIUS key ... [STORE key] [STOREDIST key], options from {@code options} on. */
  static Finder keyAndStore(int options) {
    return argv -> {
      if (argv.length < 2) {
        return List.of();
      }
      List<byte[]> keys = new ArrayList<>(2);
      keys.add(argv[1]);
      for (int i = options; i + 1 < argv.length; i++) {
        if (Args.is(argv[i], "store") || Args.is(argv[i], "storedist")) {
          keys.add(argv[++i]);
        }
      }
      return keys;
    };
  }

  /** How many keys {@code numkeys} at {@code at} names, 0 when it does not parse or is negative. */
  private static int count(byte[][] argv, int at, int first) {
    if (argv.length <= at) {
      return 0;
    }
    Long n = Args.parseLong(argv[at]);
    if (n == null || n <= 0) {
      return 0;
    }
    return (int) Math.min(n, Math.max(0, argv.length - first));
  }
}

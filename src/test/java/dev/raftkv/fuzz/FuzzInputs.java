package dev.raftkv.fuzz;

import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of fuzz input shared by the fuzz tests: commands from the real command table with
 * arguments drawn from the tokens commands parse (numbers at the edges, option words, patterns,
 * binary junk), and RESP byte streams from valid to badly broken (truncated frames, wrong types,
 * negative and huge lengths, deep nesting, inline edge cases, random bytes), plus the seed corpus
 * kept in {@code src/test/resources/fuzz/resp}.
 */
public final class FuzzInputs {
  private FuzzInputs() {}

  /**
   * Client-visible commands that a fuzz run must not send because they end the session or change
   * its mode: the Pub/Sub subscriptions answer once per channel and put a RESP2 connection in
   * subscribed mode, where other commands are refused (PubSubCompatIT covers them); a blocking
   * command (BLPOP ... with timeout 0) answers only once something is pushed, and holds every
   * later command of its connection until then (BlockingCompatIT and BlockingIT cover them).
   */
  public static final Set<String> SESSION_ENDING = Set.of("quit", "reset", "client", "hello",
      "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
      "blpop", "brpop", "blmove", "brpoplpush", "blmpop", "bzpopmin", "bzpopmax", "bzmpop");

  private static final String[] KEYS = {"k", "k2", "h", "l", "s", "z", "{k}x", ""};

  private static final String[] TOKENS = {
    "0", "1", "-1", "2", "3", "10", "100", "-100", "65536", "4294967296", "2147483647", "-2147483648",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
    "99999999999999999999", "1.5", "-1.5", "0.0", "-0", "1e308", "1e309", "-1e309", "5e-324",
    "inf", "-inf", "+inf", "infinity", "nan", "NaN", "0x10", " 1", "1 ", "+1", "01", "1.", ".1",
    "(1", "(-inf", "[a", "(a", "[", "(", "-", "+", "*", "?", "[a-", "\\", "a*", "*a*", "h?llo",
    "[^a]", "[a-z]", "[z-a]", "NX", "XX", "GT", "LT", "CH", "INCR", "EX", "PX", "EXAT", "PXAT",
    "KEEPTTL", "GET", "PERSIST", "WITHSCORES", "WITHSCORE", "LIMIT", "BYSCORE", "BYLEX", "REV",
    "COUNT", "MATCH", "TYPE", "string", "hash", "list", "set", "zset", "LEFT", "RIGHT", "BEFORE",
    "AFTER", "RANK", "MAXLEN", "IDX", "LEN", "MINMATCHLEN", "WITHMATCHLEN", "SUM", "MIN", "MAX",
    "AGGREGATE", "WEIGHTS", "FIELDS", "NOVALUES", "REPLACE", "DB", "ABSTTL", "IDLETIME", "FREQ",
    "STORE", "SORTING", "ALPHA", "ASC", "DESC", "BY", "NOSORT", "k", "h", "l", "s", "z", "v", "",
    "\u0000", "\r\n", "\u00ff\u00fe", "é", "a b", "\"", "'",
  };

  /** A short byte string: a token, a key, random binary or (rarely) a long run. */
  public static Arbitrary<byte[]> arg() {
    return Arbitraries.frequencyOf(
        w(8, Arbitraries.of(TOKENS).map(FuzzInputs::bytes)),
        w(4, Arbitraries.of(KEYS).map(FuzzInputs::bytes)),
        w(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(24)),
        w(1, Arbitraries.integers().between(100, 5000)
            .map(n -> "x".repeat(n).getBytes(StandardCharsets.US_ASCII))));
  }

  private static <T> net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<? extends T>> w(int weight,
      Arbitrary<? extends T> a) {
    return net.jqwik.api.Tuple.of(weight, a);
  }

  /** Every client-visible command of the table. */
  public static List<CommandSpec> clientCommands() {
    List<CommandSpec> list = new ArrayList<>();
    for (CommandSpec spec : Commands.all()) {
      if (!Commands.isInternal(spec)) {
        list.add(spec);
      }
    }
    return list;
  }

  /**
   * A command of the table with random arguments: usually the right number for its arity (plus up
   * to 6 more when the arity is open), sometimes a wrong number; the name in random case.
   */
  public static Arbitrary<byte[][]> command(List<CommandSpec> specs) {
    Arbitrary<CommandSpec> spec = Arbitraries.of(specs);
    return spec.flatMap(s -> {
      int min = Math.abs(s.arity()) - 1;
      Arbitrary<Integer> count = Arbitraries.frequencyOf(
          w(9, s.arity() >= 0 ? Arbitraries.just(min)
              : Arbitraries.integers().between(min, min + 6)),
          w(1, Arbitraries.integers().between(0, min + 2)));
      Arbitrary<Boolean> upper = Arbitraries.of(true, false);
      return Combinators.combine(count.flatMap(n -> arg().list().ofSize(n)), upper).as((args, up) -> {
        byte[][] argv = new byte[args.size() + 1][];
        argv[0] = bytes(up ? s.name().toUpperCase(java.util.Locale.ROOT) : s.name());
        for (int i = 0; i < args.size(); i++) {
          argv[i + 1] = args.get(i);
        }
        return argv;
      });
    });
  }

  /** A well-formed RESP array request. */
  public static byte[] respArray(byte[][] argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out, "*" + argv.length + "\r\n");
    for (byte[] a : argv) {
      write(out, "$" + a.length + "\r\n");
      out.writeBytes(a);
      write(out, "\r\n");
    }
    return out.toByteArray();
  }

  /** One piece of a RESP stream, from valid to badly broken. */
  public static Arbitrary<byte[]> frame(List<CommandSpec> specs) {
    Arbitrary<byte[]> valid = command(specs).map(FuzzInputs::respArray);
    Arbitrary<String> num = Arbitraries.of("-1", "-2", "-100", "0", "1", "3", "2147483648",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999",
        "", "x", "1x", " 1", "+1", "0x1", "1.0", "536870913", "1048577");
    Arbitrary<byte[]> badHeader = Combinators.combine(Arbitraries.of("*", "$"), num)
        .as((t, n) -> bytes(t + n + "\r\n"));
    Arbitrary<byte[]> otherType = Arbitraries.of("+OK\r\n", "-ERR x\r\n", ":42\r\n", ":x\r\n",
        "_\r\n", "#t\r\n", ",1.5\r\n", "%1\r\n", "~1\r\n", "(1\r\n", "=3\r\ntxt\r\n", "|1\r\n",
        ">1\r\n", "!1\r\n", "$-1\r\n", "*-1\r\n", "*0\r\n", "\r\n", "\n", "\r", "\u0000\r\n")
        .map(FuzzInputs::bytes);
    Arbitrary<byte[]> nested = Arbitraries.integers().between(2, 3000)
        .map(depth -> bytes("*1\r\n".repeat(depth) + "$4\r\nPING\r\n"));
    Arbitrary<byte[]> wrongBulk = Combinators.combine(Arbitraries.integers().between(0, 20),
        Arbitraries.strings().ofMaxLength(25)).as((n, s) -> bytes("*2\r\n$4\r\nECHO\r\n$" + n + "\r\n" + s + "\r\n"));
    Arbitrary<byte[]> typedArgs = Combinators.combine(Arbitraries.of(":", "+", "-", "*0", "*-1", "$-1", "_"),
        Arbitraries.of("1", "OK", "", "-5")).as((t, v) -> bytes("*2\r\n$4\r\nECHO\r\n" + t + v + "\r\n"));
    Arbitrary<byte[]> inline = inline();
    Arbitrary<byte[]> garbage = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    Arbitrary<byte[]> truncated = valid.flatMap(v -> Arbitraries.integers().between(0, v.length)
        .map(n -> java.util.Arrays.copyOf(v, n)));
    Arbitrary<byte[]> longInline = Arbitraries.integers().between(60_000, 70_000)
        .map(n -> bytes("ECHO " + "y".repeat(n) + "\r\n"));
    return Arbitraries.frequencyOf(
        w(10, valid), w(3, badHeader), w(3, otherType), w(1, nested),
        w(3, wrongBulk), w(2, typedArgs), w(5, inline), w(2, garbage),
        w(3, truncated), w(1, longInline), w(3, corpusEntry()));
  }

  /** Inline commands: bare words, quotes (balanced or not), escapes, odd whitespace and endings. */
  public static Arbitrary<byte[]> inline() {
    Arbitrary<String> word = Arbitraries.frequencyOf(
        w(5, Arbitraries.of("PING", "ECHO", "SET", "GET", "DEL", "INCR", "MGET",
            "k", "v", "1", "EX", "10", "MULTI", "EXEC", "DISCARD", "WATCH", "COMMAND", "INFO")),
        w(3, Arbitraries.of("\"a b\"", "\"a\\x41\"", "\"\\x4\"", "\"unterminated",
            "'single'", "'it\\'s'", "'un", "\"q\"x", "\"\\n\\r\\t\\b\\a\\\\\"", "\"\"", "''", "\"\\\"")),
        w(2, Arbitraries.strings().withChars(" \t\"'\\xazAZ09\u0000\u00e9").ofMaxLength(8)));
    Arbitrary<String> sep = Arbitraries.of(" ", "  ", "\t", " \t ");
    Arbitrary<String> end = Arbitraries.of("\r\n", "\n", "\r\n", "\r\r\n", "");
    return Combinators.combine(word.list().ofMaxSize(6), sep, end)
        .as((words, s, e) -> bytes(String.join(s, words) + e));
  }

  /** A stream: several frames, rarely with a few bytes flipped, inserted or dropped. */
  public static Arbitrary<byte[]> stream(List<CommandSpec> specs) {
    Arbitrary<byte[]> joined = frame(specs).list().ofMinSize(1).ofMaxSize(12).map(frames -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      frames.forEach(out::writeBytes);
      return out.toByteArray();
    });
    return Combinators.combine(joined, Arbitraries.longs(), Arbitraries.integers().between(0, 6))
        .as((b, seed, mutations) -> mutations < 4 ? b : mutate(b, seed, mutations - 3));
  }

  static byte[] mutate(byte[] in, long seed, int times) {
    java.util.Random r = new java.util.Random(seed);
    byte[] b = in;
    for (int t = 0; t < times && b.length > 0; t++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(3)) {
        case 0 -> b[at] = (byte) r.nextInt(256);
        case 1 -> {
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, at);
          c[at] = (byte) "*$:+-\r\n0123456789".charAt(r.nextInt(17));
          System.arraycopy(b, at, c, at + 1, b.length - at);
          b = c;
        }
        default -> {
          byte[] c = new byte[b.length - 1];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(b, at + 1, c, at, b.length - at - 1);
          b = c;
        }
      }
    }
    return b;
  }

  /** The seed corpus: every file under src/test/resources/fuzz/resp, as bytes. */
  public static List<byte[]> corpus() {
    URL dir = FuzzInputs.class.getResource("/fuzz/resp");
    if (dir == null) {
      throw new IllegalStateException("seed corpus fuzz/resp missing from the test resources");
    }
    try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
      List<byte[]> list = new ArrayList<>();
      for (Path p : files.sorted().toList()) {
        list.add(Files.readAllBytes(p));
      }
      return list;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Arbitrary<byte[]> corpusEntry() {
    return Arbitraries.of(corpus()).map(byte[]::clone);
  }

  public static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }
}

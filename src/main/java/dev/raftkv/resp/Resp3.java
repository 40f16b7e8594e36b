package dev.raftkv.resp;

import dev.raftkv.protocol.RespOut;
import dev.raftkv.protocol.RespReply;
import static dev.raftkv.command.Args.is;

import dev.raftkv.command.Args;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns a RESP2 reply into the RESP3 reply Redis 7.0 sends to a client that said {@code HELLO 3}.
 *
 * <p>Executors, the Raft log and the state machine only ever produce RESP2, so they stay
 * protocol-agnostic; the connection converts each reply just before it leaves. RESP2 loses the
 * information RESP3 carries (is this array a map? a set? is this bulk a double?), so each command
 * has a <em>reply shape</em>, chosen from its name and options (e.g. {@code ZRANGE ... WITHSCORES}
 * becomes an array of [member, double] pairs). Whatever the shape, every null bulk and null array
 * becomes RESP3's {@code _}. A reply that does not have the expected structure (an error, a nil)
 * is converted generically, so a shape can never corrupt a reply.
 */
public final class Resp3 {
  private static final byte[] NULL = "_\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CRLF = {'\r', '\n'};

  /** How to write one (sub)reply in RESP3. */
  @FunctionalInterface
  interface Shape {
    void write(RespReply n, RespOut out);
  }

  /** Values as they are; nulls become {@code _}, arrays are walked. */
  static final Shape ANY = Resp3::writeAny;

  /** A bulk string holding a number becomes a RESP3 double (same text: Redis 7.0 uses %.17g for both). */
  static final Shape DOUBLE = (n, out) -> {
    if (n.type == '$' && n.text != null) {
      out.append(header(',', n.text)).append(CRLF);
    } else {
      writeAny(n, out);
    }
  };

  /** A bulk string of text becomes a verbatim string ({@code =len\r\ntxt:...}), like INFO. */
  static final Shape VERBATIM = (n, out) -> {
    if (n.type == '$' && n.text != null) {
      out.append(("=" + (n.text.length + 4) + "\r\ntxt:").getBytes(StandardCharsets.US_ASCII));
      out.append(n.text).append(CRLF);
    } else {
      writeAny(n, out);
    }
  };

  /** A flat array k1 v1 k2 v2 ... becomes a map. */
  static Shape map(Shape key, Shape value) {
    return (n, out) -> {
      if (!n.isArray() || n.items.size() % 2 != 0) {
        writeAny(n, out);
        return;
      }
      out.append(("%" + n.items.size() / 2 + "\r\n").getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < n.items.size(); i += 2) {
        key.write(n.items.get(i), out);
        value.write(n.items.get(i + 1), out);
      }
    };
  }

  /** An array becomes a set. */
  static Shape set(Shape element) {
    return (n, out) -> {
      if (!n.isArray()) {
        writeAny(n, out);
        return;
      }
      out.append(("~" + n.items.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
      n.items.forEach(e -> element.write(e, out));
    };
  }

  /** An array whose elements all have one shape. */
  static Shape array(Shape element) {
    return (n, out) -> {
      if (!n.isArray()) {
        writeAny(n, out);
        return;
      }
      out.array(n.items.size());
      n.items.forEach(e -> element.write(e, out));
    };
  }

  /** An array whose elements have shapes by position (the rest as they are). */
  static Shape tuple(Shape... positions) {
    return (n, out) -> {
      if (!n.isArray()) {
        writeAny(n, out);
        return;
      }
      out.array(n.items.size());
      for (int i = 0; i < n.items.size(); i++) {
        (i < positions.length ? positions[i] : ANY).write(n.items.get(i), out);
      }
    };
  }

  /** A flat array a1 b1 a2 b2 ... becomes an array of [a, b] pairs (ZRANGE ... WITHSCORES). */
  static Shape pairs(Shape first, Shape second) {
    return (n, out) -> {
      if (!n.isArray() || n.items.size() % 2 != 0) {
        writeAny(n, out);
        return;
      }
      out.array(n.items.size() / 2);
      for (int i = 0; i < n.items.size(); i += 2) {
        out.array(2);
        first.write(n.items.get(i), out);
        second.write(n.items.get(i + 1), out);
      }
    };
  }

  private static final Shape SCORE_PAIRS = pairs(ANY, DOUBLE);
  private static final Map<String, Function<byte[][], Shape>> SHAPES = new HashMap<>();

  static {
    // connection and server
    SHAPES.put("hello", a -> map(ANY, ANY));
    // CLUSTER SHARDS: maps of maps; CLUSTER SLOTS: each node's metadata is a map; INFO, NODES: text
    Shape node = tuple(ANY, ANY, ANY, map(ANY, ANY));
    Shape slotRange = (n, out) -> {
      if (!n.isArray()) {
        writeAny(n, out);
        return;
      }
      out.array(n.items.size());
      for (int i = 0; i < n.items.size(); i++) {
        (i < 2 ? ANY : node).write(n.items.get(i), out);
      }
    };
    SHAPES.put("cluster", a -> a.length < 2 ? ANY
        : is(a[1], "shards") ? array(map(ANY, array(map(ANY, ANY))))
        : is(a[1], "slots") ? array(slotRange)
        : is(a[1], "info") || is(a[1], "nodes") ? VERBATIM : ANY);
    SHAPES.put("info", a -> VERBATIM);
    SHAPES.put("config", a -> a.length > 1 && is(a[1], "get") ? map(ANY, ANY) : ANY);
    SHAPES.put("acl", a -> a.length > 1 && is(a[1], "getuser") ? map(ANY, ANY) : ANY);
    SHAPES.put("client", a -> a.length > 1 && (is(a[1], "info") || is(a[1], "list")) ? VERBATIM : ANY);
    Shape commandInfo = tuple(ANY, ANY, set(ANY), ANY, ANY, ANY, set(ANY), set(ANY));
    SHAPES.put("command", a -> {
      if (a.length == 1 || is(a[1], "info")) {
        return array(commandInfo);
      }
      return is(a[1], "docs") ? map(ANY, map(ANY, ANY)) : ANY;
    });
    // strings: LCS ... IDX answers a map {matches, len}
    SHAPES.put("lcs", a -> hasOption(a, 3, "idx") ? map(ANY, ANY) : ANY);
    // hashes: HGETALL is a map; HRANDFIELD with values an array of [field, value]
    SHAPES.put("hgetall", a -> map(ANY, ANY));
    SHAPES.put("hrandfield", a -> a.length == 4 && is(a[3], "withvalues") ? pairs(ANY, ANY) : ANY);
    // sets: the set algebra and SPOP with a count answer sets (SRANDMEMBER answers arrays)
    Shape set = set(ANY);
    for (String c : new String[] {"smembers", "sinter", "sunion", "sdiff"}) {
      SHAPES.put(c, a -> set);
    }
    SHAPES.put("spop", a -> a.length == 3 ? set : ANY);
    // sorted sets: scores are doubles, WITHSCORES gives [member, score] pairs
    SHAPES.put("zscore", a -> DOUBLE);
    SHAPES.put("zincrby", a -> DOUBLE);
    SHAPES.put("zmscore", a -> array(DOUBLE));
    SHAPES.put("zadd", a -> zaddIncr(a) ? DOUBLE : ANY);
    for (String c : new String[] {"zrange", "zrangebyscore", "zrevrangebyscore", "zrevrange"}) {
      SHAPES.put(c, a -> hasOption(a, 4, "withscores") ? SCORE_PAIRS : ANY);
    }
    SHAPES.put("zrandmember", a -> a.length == 4 && is(a[3], "withscores") ? SCORE_PAIRS : ANY);
    for (String c : new String[] {"zunion", "zinter", "zdiff"}) {
      SHAPES.put(c, a -> {
        Long numkeys = Args.parseLong(a[1]);
        return numkeys != null && numkeys >= 0 && numkeys < a.length
            && hasOption(a, 2 + numkeys.intValue(), "withscores") ? SCORE_PAIRS : ANY;
      });
    }
    // ZPOPMIN key: [member, score]; ZPOPMIN key count: [[member, score], ...]
    Shape popOne = tuple(ANY, DOUBLE);
    SHAPES.put("zpopmin", a -> a.length == 2 ? popOne : SCORE_PAIRS);
    SHAPES.put("zpopmax", a -> a.length == 2 ? popOne : SCORE_PAIRS);
    Shape bzpop = tuple(ANY, ANY, DOUBLE);
    SHAPES.put("bzpopmin", a -> bzpop);
    SHAPES.put("bzpopmax", a -> bzpop);
    Shape zmpop = tuple(ANY, array(popOne));
    SHAPES.put("zmpop", a -> zmpop);
    SHAPES.put("bzmpop", a -> zmpop);
    // geo: coordinates are doubles (distances stay bulk strings, as in Redis)
    Shape coords = array(DOUBLE);
    SHAPES.put("geopos", a -> array(coords));
    Shape withCoord = array(lastIs(coords));
    for (String c : new String[] {"georadius", "georadiusbymember", "georadius_ro",
        "georadiusbymember_ro", "geosearch"}) {
      SHAPES.put(c, a -> hasOption(a, 2, "withcoord") ? withCoord : ANY);
    }
  }

  /** An array whose last element has a shape of its own (a search result's coordinates). */
  private static Shape lastIs(Shape last) {
    return (n, out) -> {
      if (!n.isArray() || n.items.isEmpty()) {
        writeAny(n, out);
        return;
      }
      out.array(n.items.size());
      for (int i = 0; i < n.items.size(); i++) {
        (i == n.items.size() - 1 ? last : ANY).write(n.items.get(i), out);
      }
    };
  }

  private Resp3() {}

  private static boolean zaddIncr(byte[][] a) {
    for (int i = 2; i < a.length; i++) {
      if (is(a[i], "incr")) {
        return true;
      }
      if (!(is(a[i], "nx") || is(a[i], "xx") || is(a[i], "gt") || is(a[i], "lt") || is(a[i], "ch"))) {
        return false;
      }
    }
    return false;
  }

  private static boolean hasOption(byte[][] a, int from, String option) {
    for (int i = from; i < a.length; i++) {
      if (is(a[i], option)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The RESP3 form of one command's RESP2 reply.
   *
   * @param argv the command as the client sent it (the name in any case, options included)
   * @param resp2 exactly one RESP2 reply
   */
  public static byte[] convert(byte[][] argv, byte[] resp2) {
    if (resp2.length == 0) {
      return resp2;
    }
    Function<byte[][], Shape> f = SHAPES.get(ClientSession.lower(argv[0]));
    Shape shape = f == null ? ANY : f.apply(argv);
    if (shape == ANY && !mayHoldNull(resp2)) {
      return resp2; // statuses, errors, integers and non-nil bulks are the same in RESP3
    }
    try {
      RespReply n = RespReply.parse(resp2, new int[] {0});
      RespOut out = new RespOut(resp2.length + 16);
      shape.write(n, out);
      return out.toByteArray();
    } catch (RuntimeException e) {
      return resp2; // not one well-formed RESP2 reply: leave it alone rather than corrupt it
    }
  }

  /**
   * The RESP3 form of EXEC's RESP2 reply: each element is converted with the shape of the queued
   * command it answers. A nil (aborted by WATCH) becomes {@code _}; an error stays as it is.
   *
   * @param queued the queued commands, in order, as the client sent them
   */
  public static byte[] convertExec(List<byte[][]> queued, byte[] resp2) {
    int[] pos = {0};
    RespReply n = RespReply.parse(resp2, pos);
    if (!n.isArray() || n.items.size() != queued.size()) {
      RespOut out = new RespOut(resp2.length + 16);
      writeAny(n, out);
      return out.toByteArray();
    }
    RespOut out = new RespOut(resp2.length + 16);
    out.array(n.items.size());
    for (int i = 0; i < n.items.size(); i++) {
      Function<byte[][], Shape> f = SHAPES.get(ClientSession.lower(queued.get(i)[0]));
      (f == null ? ANY : f.apply(queued.get(i))).write(n.items.get(i), out);
    }
    return out.toByteArray();
  }

  private static boolean mayHoldNull(byte[] r) {
    byte t = r[0];
    return t == '*' || (t == '$' && r.length > 1 && r[1] == '-');
  }

  private static void writeAny(RespReply n, RespOut out) {
    if (n.isNil()) {
      out.append(NULL);
    } else if (n.type == '*') {
      out.array(n.items.size());
      n.items.forEach(e -> writeAny(e, out));
    } else if (n.type == '$') {
      out.bulk(n.text);
    } else {
      out.append(header((char) n.type, n.text)).append(CRLF);
    }
  }

  private static byte[] header(char type, byte[] text) {
    byte[] b = new byte[text.length + 1];
    b[0] = (byte) type;
    System.arraycopy(text, 0, b, 1, text.length);
    return b;
  }
}

package dev.raftkv.script;

import dev.raftkv.command.Args;
import dev.raftkv.command.CommandError;
import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.CommandSpec.Route;
import dev.raftkv.command.Commands;
import dev.raftkv.command.Keyspace;
import dev.raftkv.protocol.RespOut;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: the rows of the command table for Lua scripts.
 *
 * <p>EVAL and EVALSHA are WRITE rows: the command travels through the Raft log as it was sent
 * (the script's body or sha, its keys and arguments) and runs at apply time on every peer,
 * inside the one log entry, against the entry's keyspace; the entry's time is the script's "now"
 * and math.random is seeded the same way for every script, so every replica computes the same
 * writes and the same reply. EVAL_RO and EVALSHA_RO are linearizable READs.
 *
 * <p>The script cache is replicated state in the store's system namespace: {@code script.<sha>}
 * holds a body and {@code script.index} the shas, so snapshots, restarts and snapshot installs
 * carry it. EVAL and SCRIPT LOAD add to it, SCRIPT FLUSH empties it (both are writes).
 */
public final class ScriptCommands {
  static final String INDEX = "script.index";
  static final String PREFIX = "script.";
  private static final String NOSCRIPT_TEXT = "NOSCRIPT No matching script. Please use EVAL.";
  private static final byte[] NOSCRIPT = RespOut.errorBytes(NOSCRIPT_TEXT);

  private ScriptCommands() {}

  /** The keys of an EVAL-style command (argv[3 .. 3+numkeys)), for ACL, WATCH and slots. */
  public static List<byte[]> keys(byte[][] argv) {
    Long n = argv.length > 2 ? Args.parseLong(argv[2]) : null;
    if (n == null || n < 0 || n > argv.length - 3) {
      return List.of();
    }
    return Arrays.asList(argv).subList(3, 3 + n.intValue());
  }

  private static int numkeys(byte[][] argv) throws CommandError {
    Long n = Args.parseLong(argv[2]);
    if (n == null) {
      throw new CommandError("ERR value is not an integer or out of range");
    }
    if (n > argv.length - 3) {
      throw new CommandError("ERR Number of keys can't be greater than number of args");
    }
    if (n < 0) {
      throw new CommandError("ERR Number of keys can't be negative");
    }
    return n.intValue();
  }

  /** Normalizer of EVAL: checks numkeys and compiles (errors never reach the log); logged as sent. */
  public static byte[][] normalizeEval(byte[][] argv, long now) throws CommandError {
    numkeys(argv);
    LuaScripts.compile(argv[1]);
    return argv;
  }

  /** Normalizer of EVALSHA: checks numkeys; the sha is looked up at apply time. */
  public static byte[][] normalizeEvalsha(byte[][] argv, long now) throws CommandError {
    if (argv[1].length != 40) {
      return argv; // NOSCRIPT, before numkeys as Redis checks, answered at apply time
    }
    numkeys(argv);
    return argv;
  }

  /** EVAL: caches the script (kept even when the script fails, like Redis) and runs it. */
  public static void eval(byte[][] argv, Keyspace ks, RespOut out) throws CommandError {
    int n = numkeys(argv);
    LuaScripts.Compiled c = LuaScripts.compile(argv[1]);
    cache(ks, c.sha(), argv[1]);
    run(c, argv, n, ks, out, false);
  }

  public static void evalRo(byte[][] argv, Keyspace ks, RespOut out) throws CommandError {
    int n = numkeys(argv);
    run(LuaScripts.compile(argv[1]), argv, n, ks, out, true);
  }

  public static void evalsha(byte[][] argv, Keyspace ks, RespOut out) throws CommandError {
    evalsha(argv, ks, out, false);
  }

  public static void evalshaRo(byte[][] argv, Keyspace ks, RespOut out) throws CommandError {
    evalsha(argv, ks, out, true);
  }

  private static void evalsha(byte[][] argv, Keyspace ks, RespOut out, boolean readOnly)
      throws CommandError {
    if (argv[1].length != 40) {
      out.append(NOSCRIPT);
      return;
    }
    int n = numkeys(argv);
    byte[] body = ks.getSystem(PREFIX + lower(argv[1]));
    if (body == null) {
      out.append(NOSCRIPT);
      return;
    }
    run(LuaScripts.compile(body), argv, n, ks, out, readOnly);
  }

  /**
   * Runs the script in a savepoint of its own: an error undoes every write the script made (and
   * only those: EVAL's caching of the script stays) and becomes the reply.
   */
  private static void run(LuaScripts.Compiled c, byte[][] argv, int numkeys, Keyspace ks,
      RespOut out, boolean readOnly) {
    if (readOnly && c.shebang() && !c.noWrites()) {
      out.error("ERR Can not execute a script with write flag using *_ro command.");
      return;
    }
    readOnly |= c.noWrites();
    byte[][] keys = Arrays.copyOfRange(argv, 3, 3 + numkeys);
    byte[][] args = Arrays.copyOfRange(argv, 3 + numkeys, argv.length);
    int mark = out.length();
    int savepoint = ks.savepoint();
    try {
      LuaScripts.run(c, keys, args, new ScriptServer(ks, readOnly), out);
      ks.release(savepoint);
    } catch (CommandError e) {
      ks.rollback(savepoint);
      out.truncate(mark);
      out.error(e.getMessage());
    }
  }

  private static void cache(Keyspace ks, String sha, byte[] body) {
    if (ks.getSystem(PREFIX + sha) != null) {
      return;
    }
    ks.putSystem(PREFIX + sha, body);
    byte[] index = ks.getSystem(INDEX);
    byte[] shaBytes = sha.getBytes(StandardCharsets.US_ASCII);
    byte[] grown = index == null ? shaBytes : Arrays.copyOf(index, index.length + 40);
    if (index != null) {
      System.arraycopy(shaBytes, 0, grown, index.length, 40);
    }
    ks.putSystem(INDEX, grown);
  }

  /** The number of cached scripts (for INFO and tests). */
  public static int cachedScripts(Keyspace ks) {
    byte[] index = ks.getSystem(INDEX);
    return index == null ? 0 : index.length / 40;
  }

  private static void flush(Keyspace ks) {
    byte[] index = ks.getSystem(INDEX);
    if (index == null) {
      return;
    }
    for (int i = 0; i + 40 <= index.length; i += 40) {
      ks.putSystem(PREFIX + new String(index, i, 40, StandardCharsets.US_ASCII), null);
    }
    ks.putSystem(INDEX, null);
  }

  private static String lower(byte[] b) {
    return Args.str(b).toLowerCase(Locale.ROOT);
  }

  /**
   * Normalizer of SCRIPT: checks the subcommand and its arguments on the receiving peer; KILL
   * answers NOTBUSY at apply time (a script never runs long enough to be killed).
   */
  public static byte[][] normalizeScript(byte[][] argv, long now) throws CommandError {
    String sub = lower(argv[1]);
    switch (sub) {
      case "load" -> {
        if (argv.length != 3) {
          throw subArity(sub);
        }
        LuaScripts.compile(argv[2]);
      }
      case "exists" -> {
        if (argv.length < 3) {
          throw subArity(sub);
        }
      }
      case "flush" -> {
        if (!(argv.length == 2 || argv.length == 3
            && (Args.is(argv[2], "sync") || Args.is(argv[2], "async")))) {
          throw new CommandError("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        }
      }
      case "kill" -> {
        if (argv.length != 2) {
          throw subArity(sub);
        }
      }
      case "debug" -> {
        if (argv.length != 3) {
          throw subArity(sub);
        }
        if (!Args.is(argv[2], "no")) {
          throw new CommandError("ERR SCRIPT DEBUG is not supported by raft-kv: scripts run on"
              + " every peer at apply time");
        }
      }
      case "help" -> {
        if (argv.length != 2) {
          throw subArity(sub);
        }
      }
      default -> throw new CommandError("ERR unknown subcommand '" + Args.str(argv[1])
          + "'. Try SCRIPT HELP.");
    }
    return argv;
  }

  private static CommandError subArity(String sub) {
    return new CommandError("ERR wrong number of arguments for 'script|" + sub + "' command");
  }

  private static final String[] HELP = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help."};

  /** SCRIPT at apply time (already checked by {@link #normalizeScript}). */
  public static void script(byte[][] argv, Keyspace ks, RespOut out) throws CommandError {
    byte[][] checked = normalizeScript(argv, ks.now());
    switch (lower(checked[1])) {
      case "load" -> {
        LuaScripts.Compiled c = LuaScripts.compile(argv[2]);
        cache(ks, c.sha(), argv[2]);
        out.bulk(c.sha());
      }
      case "exists" -> {
        out.array(argv.length - 2);
        for (int i = 2; i < argv.length; i++) {
          out.integer(argv[i].length == 40 && ks.getSystem(PREFIX + lower(argv[i])) != null ? 1 : 0);
        }
      }
      case "flush" -> {
        flush(ks);
        out.ok();
      }
      case "debug" -> out.ok();
      case "kill" -> out.error("NOTBUSY No scripts in execution right now.");
      case "help" -> {
        out.array(HELP.length);
        for (String line : HELP) {
          out.simple(line);
        }
      }
      default -> throw new CommandError("ERR unknown subcommand");
    }
  }

  /** Commands a script may not call: Redis's noscript flag, and what a peer answers locally. */
  private static volatile Set<String> noscript;

  private static Set<String> noscript() {
    Set<String> s = noscript;
    if (s == null) {
      s = new HashSet<>();
      for (CommandSpec spec : Commands.all()) {
        if (spec.route() == Route.LOCAL || spec.meta().flags().contains("noscript")) {
          s.add(spec.name());
        }
      }
      s.removeAll(List.of("ping", "echo", "time"));
      noscript = s;
    }
    return s;
  }

  /** redis.call's view of the server: the command table against the script's keyspace. */
  private static final class ScriptServer implements LuaScripts.Server {
    private final Keyspace ks;
    private final boolean readOnly;

    ScriptServer(Keyspace ks, boolean readOnly) {
      this.ks = ks;
      this.readOnly = readOnly;
    }

    @Override
    public long now() {
      return ks.now();
    }

    @Override
    public byte[] call(byte[][] argv) {
      CommandSpec spec = Commands.lookup(argv[0]);
      if (spec == null || Commands.isInternal(spec)) {
        return RespOut.errorBytes("ERR Unknown Redis command called from script");
      }
      if (!spec.arityOk(argv.length)) {
        return RespOut.errorBytes("ERR Wrong number of args calling Redis command from script");
      }
      RespOut out = new RespOut();
      switch (spec.name()) {
        case "time" -> {
          long micros = ks.now() * 1000;
          out.array(2).bulk(Long.toString(micros / 1_000_000)).bulk(Long.toString(micros % 1_000_000));
          return out.toByteArray();
        }
        case "ping" -> {
          if (argv.length > 2) {
            return RespOut.errorBytes("ERR wrong number of arguments for 'ping' command");
          }
          return argv.length == 1 ? out.simple("PONG").toByteArray() : out.bulk(argv[1]).toByteArray();
        }
        case "echo" -> {
          return out.bulk(argv[1]).toByteArray();
        }
        default -> { }
      }
      if (noscript().contains(spec.name())) {
        return RespOut.errorBytes("ERR This Redis command is not allowed from script");
      }
      byte[][] run = argv;
      if (spec.route() == Route.WRITE) {
        if (readOnly) {
          return RespOut.errorBytes("ERR Write commands are not allowed from read-only scripts.");
        }
        try {
          run = spec.normalizer().normalize(argv, ks.now());
        } catch (CommandError e) {
          return RespOut.errorBytes(e.getMessage());
        }
      }
      Commands.execute(spec, run, ks, out);
      return out.toByteArray();
    }
  }

  static List<String> help() {
    return new ArrayList<>(Arrays.asList(HELP));
  }
}

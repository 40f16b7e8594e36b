package dev.raftkv.script;

import dev.raftkv.command.CommandError;
import dev.raftkv.protocol.RespOut;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.jse.JseMathLib;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.TwoArgFunction;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The Lua engine behind EVAL: LuaJ (a Lua 5.2 interpreter in Java) in a sandbox shaped like
 * Redis 7.0's. Every run gets fresh globals (nothing leaks from one script to the next), the
 * libraries Redis gives scripts ({@code string table math bit cjson redis}) and none that reach
 * outside ({@code io os package require loadfile dofile load debug coroutine}); reading an unset
 * global or assigning one is an error, as in Redis 7.0. A run is deterministic: math.random is
 * Redis's rand48 reseeded with 0 for every script, and the run is bounded by an instruction count
 * ({@link #INSTRUCTION_BUDGET}), not by time.
 */
public final class LuaScripts {
  /**
   * Lua instructions one script run may execute before it is stopped with an error: the same on
   * every replica, so every peer stops it at the same instruction (docs/limits.md).
   */
  public static final long INSTRUCTION_BUDGET = 10_000_000L;
  /** Deepest nesting of Lua function calls (Lua's own C-stack limit is about 200 C calls). */
  static final int MAX_CALL_DEPTH = 180;
  /** Compiled scripts kept by sha (this peer only; compiling is deterministic). */
  private static final int COMPILED_CACHE = 1000;
  /** The chunk name Redis gives scripts: errors say "user_script:LINE", replies "@user_script:LINE". */
  static final String CHUNK = "@user_script";
  /** LuaJ 3.0.1's token names (LexState.luaX_tokens), from its first reserved token, 257. */
  private static final String[] TOKENS = {"and", "break", "do", "else", "elseif", "end", "false",
      "for", "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
      "true", "until", "while", "..", "...", "==", ">=", "<=", "~=", "::", "<eof>", "<number>",
      "<name>", "<string>"};
  private static final java.util.regex.Pattern LUAJ_SYMBOL =
      java.util.regex.Pattern.compile("unexpected symbol (\\d+) \\(.\\)");

  /**
   * One compiled script.
   *
   * @param shebang the body starts with Redis 7's {@code #!lua} line
   * @param noWrites its {@code flags=no-writes}: the script runs as read-only
   */
  public record Compiled(String sha, Prototype proto, boolean shebang, boolean noWrites) {}

  private record Shebang(boolean present, boolean noWrites, byte[] body) {}

  private static final java.util.Set<String> SHEBANG_FLAGS = java.util.Set.of("no-writes",
      "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys");

  /** Redis 7.0's {@code #!lua [flags=f1,f2]} first line; it becomes an empty line for Lua. */
  private static Shebang shebang(byte[] body) throws CommandError {
    if (body.length < 2 || body[0] != '#' || body[1] != '!') {
      return new Shebang(false, false, body);
    }
    int nl = 0;
    while (nl < body.length && body[nl] != '\n') {
      nl++;
    }
    String line = new String(body, 0, nl, java.nio.charset.StandardCharsets.ISO_8859_1);
    String[] parts = line.split(" +");
    if (!parts[0].equals("#!lua")) {
      throw new CommandError("ERR Unexpected engine in script shebang: " + parts[0]);
    }
    boolean noWrites = false;
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].startsWith("flags=")) {
        for (String f : parts[i].substring(6).split(",")) {
          if (f.isEmpty()) {
            continue;
          }
          if (!SHEBANG_FLAGS.contains(f)) {
            throw new CommandError("ERR Unexpected flag in script shebang: " + f);
          }
          noWrites |= f.equals("no-writes");
        }
      } else {
        throw new CommandError("ERR Unknown lua shebang option: " + parts[i]);
      }
    }
    return new Shebang(true, noWrites, java.util.Arrays.copyOfRange(body, nl, body.length));
  }

  private static final Map<String, Prototype> COMPILED = new LinkedHashMap<>(64, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Prototype> e) {
      return size() > COMPILED_CACHE;
    }
  };

  /** The string library, loaded once: LuaJ keeps the string metatable in a static field. */
  private static final LuaTable STRING_LIB;
  private static final Globals COMPILER = new Globals();
  private static final Field FILELINE;
  private static final Field LEVEL;
  private static final Field TRACEBACK;

  static {
    Globals g = new Globals();
    g.load(new BaseLib());
    g.load(new PackageLib()); // LuaJ's libraries register themselves in package.loaded
    g.load(new StringLib());
    STRING_LIB = (LuaTable) g.get("string");
    // Lua 5.1's rep and C's printf conversions, also for the method syntax ("%d"):format(1)
    STRING_LIB.rawset("rep", new StringRep());
    STRING_LIB.rawset("format", new StringFormat());
    LoadState.install(COMPILER);
    LuaC.install(COMPILER);
    try {
      FILELINE = LuaError.class.getDeclaredField("fileline");
      FILELINE.setAccessible(true);
      LEVEL = LuaError.class.getDeclaredField("level");
      LEVEL.setAccessible(true);
      TRACEBACK = LuaError.class.getDeclaredField("traceback");
      TRACEBACK.setAccessible(true);
    } catch (NoSuchFieldException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private LuaScripts() {}

  /** The lower-case hex SHA-1 of a script body, its name in the cache. */
  public static String sha1hex(byte[] body) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(body);
      StringBuilder sb = new StringBuilder(40);
      for (byte b : d) {
        sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by the Java platform", e);
    }
  }

  /**
   * Compiles a script (or takes it from this peer's cache of compiled scripts).
   *
   * @throws CommandError Redis's {@code Error compiling script} reply
   */
  public static Compiled compile(byte[] body) throws CommandError {
    String sha = sha1hex(body);
    Shebang sb = shebang(body);
    synchronized (COMPILED) {
      Prototype p = COMPILED.get(sha);
      if (p != null) {
        return new Compiled(sha, p, sb.present(), sb.noWrites());
      }
    }
    Prototype p;
    try {
      synchronized (COMPILER) {
        p = COMPILER.compilePrototype(new ByteArrayInputStream(sb.body()), CHUNK);
      }
    } catch (LuaError e) {
      throw new CommandError("ERR Error compiling script (new function): " + compileMessage(e));
    } catch (java.io.IOException | RuntimeException | StackOverflowError e) {
      throw new CommandError("ERR Error compiling script (new function): " + CHUNK + ": "
          + e.getClass().getSimpleName());
    }
    synchronized (COMPILED) {
      COMPILED.put(sha, p);
    }
    return new Compiled(sha, p, sb.present(), sb.noWrites());
  }

  private static String compileMessage(LuaError e) {
    String m = e.getMessageObject() != null && e.getMessageObject().isstring()
        ? e.getMessageObject().tojstring() : String.valueOf(e.getMessage());
    // LuaJ writes "user_script:1: msg"; drop a traceback if one was added
    int nl = m.indexOf('\n');
    m = nl >= 0 ? m.substring(0, nl) : m;
    // LuaJ words one message differently from Lua: "unexpected symbol 286 (.)" is Lua's
    // "unexpected symbol near '<eof>'"
    java.util.regex.Matcher x = LUAJ_SYMBOL.matcher(m);
    if (x.find()) {
      int t = Integer.parseInt(x.group(1));
      String name = t >= 257 && t - 257 < TOKENS.length ? TOKENS[t - 257] : String.valueOf((char) t);
      m = m.substring(0, x.start()) + "unexpected symbol near '" + name + "'" + m.substring(x.end());
    }
    return m;
  }

  /** What a script may do to the data: the callback behind redis.call and redis.pcall. */
  public interface Server {
    /**
     * Runs one command for the script; returns its RESP2 reply, or an error reply for a command
     * the script may not run (its text as Redis words it).
     */
    byte[] call(byte[][] argv);

    /** "Now" of the run (the log entry's time): for TIME. */
    long now();
  }

  /**
   * Runs a compiled script and writes its reply.
   *
   * @throws CommandError the script's error reply (its writes must then be undone by the caller)
   */
  public static void run(Compiled script, byte[][] keys, byte[][] args, Server server, RespOut out)
      throws CommandError {
    Budget budget = new Budget(INSTRUCTION_BUDGET);
    Globals g = sandbox(budget, server, keys, args);
    LuaValue result;
    try {
      result = new LuaClosure(script.proto(), g).call();
    } catch (LuaError e) {
      throw new CommandError(errorReply(e, script.sha(), budget));
    } catch (StackOverflowError e) {
      throw new CommandError("ERR Error running script: stack overflow script: " + script.sha());
    }
    if (budget.exhausted()) {
      // the script caught the budget error in a pcall and then returned: still an error
      throw new CommandError(budgetMessage(script.sha()));
    }
    try {
      int mark = out.length();
      try {
        LuaResp.toResp(result, out);
      } catch (LuaError e) {
        out.truncate(mark);
        throw new CommandError("ERR " + e.getMessage() + " script: " + script.sha());
      }
    } catch (StackOverflowError e) {
      throw new CommandError("ERR reached lua stack limit script: " + script.sha());
    }
  }

  private static String budgetMessage(String sha) {
    return "ERR Script exceeded the instruction budget of " + INSTRUCTION_BUDGET
        + " Lua instructions (raftkv's deterministic bound in place of lua-time-limit) script: "
        + sha;
  }

  /** Redis 7.0's reply for an error raised in a script: "MSG script: SHA, on @user_script:LINE." */
  static String errorReply(LuaError e, String sha, Budget budget) {
    if (budget.exhausted()) {
      return budgetMessage(sha);
    }
    LuaValue obj = e.getMessageObject();
    String fileline = fileline(e);
    if (fileline == null && budget.lastLine() > 0) {
      // raised outside a Lua frame (a tail call "return redis.call(...)"): the last line run
      fileline = "user_script:" + budget.lastLine();
    }
    String msg;
    if (obj != null && obj.istable() && obj.get(LuaResp.ERR).isstring()) {
      msg = obj.get(LuaResp.ERR).tojstring();
    } else {
      String text;
      String raw = rawMessage(e);
      text = raw == null ? "nil" : raw;
      int level = level(e);
      msg = "ERR " + (level > 0 && fileline != null && raw != null ? fileline + ": " + text : text);
    }
    msg = msg.replace('\r', ' ').replace('\n', ' ');
    return fileline == null ? msg + " script: " + sha + "."
        : msg + " script: " + sha + ", on @" + fileline + ".";
  }

  private static String fileline(LuaError e) {
    try {
      String f = (String) FILELINE.get(e);
      return f != null && f.startsWith("@") ? f.substring(1) : f;
    } catch (IllegalAccessException x) {
      return null;
    }
  }

  /** The value pcall returns for an error, as Redis 7.0's Lua gives it. */
  static LuaValue pcallValue(LuaError e) {
    LuaValue obj = e.getMessageObject();
    if (obj != null && obj.istable()) {
      LuaValue err = obj.get(LuaResp.ERR);
      return err.isstring() ? err : obj;
    }
    String raw = rawMessage(e);
    if (raw == null) {
      return LuaValue.NIL;
    }
    String fileline = fileline(e);
    return LuaValue.valueOf(level(e) > 0 && fileline != null ? fileline + ": " + raw : raw);
  }

  /** The error's own text, without the position and traceback LuaJ adds to getMessage(). */
  private static String rawMessage(LuaError e) {
    try {
      Object f = FILELINE.get(e);
      Object t = TRACEBACK.get(e);
      FILELINE.set(e, null);
      TRACEBACK.set(e, null);
      try {
        return e.getMessage();
      } finally {
        FILELINE.set(e, f);
        TRACEBACK.set(e, t);
      }
    } catch (IllegalAccessException x) {
      return e.getMessage();
    }
  }

  private static int level(LuaError e) {
    try {
      return LEVEL.getInt(e);
    } catch (IllegalAccessException x) {
      return 1;
    }
  }

  private static Globals sandbox(Budget budget, Server server, byte[][] keys, byte[][] args) {
    Globals g = new Globals();
    g.load(new BaseLib());
    g.load(new PackageLib()); // removed below, with require
    g.load(new TableLib());
    g.load(new JseMathLib());
    g.load(budget); // the hook; its 'debug' table is removed below
    for (String name : new String[] {"debug", "dofile", "loadfile", "load", "require", "module",
        "print", "collectgarbage", "package"}) {
      g.rawset(name, LuaValue.NIL);
    }
    // the string library is shared (see STRING_LIB): scripts get a copy of its functions
    LuaTable string = new LuaTable();
    for (LuaValue k = STRING_LIB.next(LuaValue.NIL).arg1(); !k.isnil();
        k = STRING_LIB.next(k).arg1()) {
      string.rawset(k, STRING_LIB.rawget(k));
    }
    g.rawset("string", string);
    // getmetatable("") would hand a script the metatable every run shares
    LuaValue getmetatable = g.rawget("getmetatable");
    g.rawset("getmetatable", new OneArgFunction() {
      @Override
      public LuaValue call(LuaValue v) {
        return v.isstring() && !v.isnumber() || v.type() == LuaValue.TSTRING ? LuaValue.NIL
            : getmetatable.call(v);
      }
    });
    // Redis 7.0's pcall hands the script the error's text: "user_script:1: msg", or the err
    // field of an error table (what redis.call raises)
    g.rawset("pcall", new VarArgFunction() {
      @Override
      public Varargs invoke(Varargs a) {
        LuaValue f = a.checkvalue(1);
        budget.onCall(this);
        try {
          return LuaValue.varargsOf(LuaValue.TRUE, f.invoke(a.subargs(2)));
        } catch (LuaError le) {
          return LuaValue.varargsOf(LuaValue.FALSE, pcallValue(le));
        } finally {
          budget.onReturn();
        }
      }
    });
    LuaValue tostring = g.rawget("tostring");
    g.rawset("tostring", new OneArgFunction() {
      @Override
      public LuaValue call(LuaValue v) {
        return v.type() == LuaValue.TNUMBER ? LuaValue.valueOf(LuaNumbers.g14(v.todouble()))
            : tostring.call(v);
      }
    });
    g.rawset("collectgarbage", new VarArgFunction() {
      @Override
      public Varargs invoke(Varargs a) {
        return LuaValue.valueOf(0);
      }
    });
    LuaTable table = (LuaTable) g.rawget("table");
    g.rawset("unpack", table.rawget("unpack"));
    table.rawset("getn", new OneArgFunction() {
      @Override
      public LuaValue call(LuaValue t) {
        return t.len();
      }
    });
    Rand48 rand = new Rand48();
    LuaTable math = (LuaTable) g.rawget("math");
    math.rawset("random", rand.random());
    math.rawset("randomseed", rand.randomseed());
    g.rawset("bit", BitLib.create());
    g.rawset("cjson", Cjson.create());
    g.rawset("cmsgpack", Cmsgpack.create());
    g.rawset("struct", StructLib.create());
    g.rawset("redis", RedisLib.create(server));
    g.rawset("KEYS", array(keys));
    g.rawset("ARGV", array(args));
    g.rawset("_G", g);
    LuaTable meta = new LuaTable();
    meta.rawset("__index", new TwoArgFunction() {
      @Override
      public LuaValue call(LuaValue t, LuaValue k) {
        throw new LuaError("Script attempted to access nonexistent global variable '"
            + k.tojstring() + "'");
      }
    });
    meta.rawset("__newindex", new VarArgFunction() {
      @Override
      public Varargs invoke(Varargs a) {
        throw new LuaError("Attempt to modify a readonly table");
      }
    });
    g.setmetatable(meta);
    return g;
  }

  private static LuaTable array(byte[][] items) {
    LuaTable t = new LuaTable(items.length, 0);
    for (int i = 0; i < items.length; i++) {
      t.rawset(i + 1, LuaString.valueOf(items[i]));
    }
    return t;
  }

  /** string.rep refusing results larger than a record may be (it allocates before any hook). */
  private static final class StringRep extends VarArgFunction {
    static final long MAX = 512L * 1024 * 1024;

    @Override
    public Varargs invoke(Varargs a) {
      LuaString s = a.checkstring(1);
      int n = a.checkint(2);
      LuaString sep = LuaValue.EMPTYSTRING; // Lua 5.1's string.rep has no separator
      if (n <= 0) {
        return LuaValue.EMPTYSTRING;
      }
      long len = (long) s.length() * n + (long) sep.length() * (n - 1);
      if (len > MAX) {
        throw new LuaError("resulting string too large");
      }
      byte[] b = new byte[(int) len];
      int pos = 0;
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          sep.copyInto(0, b, pos, sep.length());
          pos += sep.length();
        }
        s.copyInto(0, b, pos, s.length());
        pos += s.length();
      }
      return LuaString.valueOf(b);
    }
  }

  /** Redis's math.random: rand48 seeded with 0 before every script (redisSrand48(0)). */
  static final class Rand48 {
    private long state = 0x330EL;

    void seed(int seed) {
      state = ((long) seed << 16 | 0x330EL) & 0xFFFF_FFFF_FFFFL;
    }

    int nextInt() {
      state = (state * 0x5DEECE66DL + 0xB) & 0xFFFF_FFFF_FFFFL;
      return (int) (state >>> 17);
    }

    LuaValue random() {
      return new VarArgFunction() {
        @Override
        public Varargs invoke(Varargs a) {
          double r = (double) (nextInt() % Integer.MAX_VALUE) / (double) Integer.MAX_VALUE;
          switch (a.narg()) {
            case 0:
              return LuaValue.valueOf(r);
            case 1: {
              int u = a.checkint(1);
              if (u < 1) {
                argerror(1, "interval is empty");
              }
              return LuaValue.valueOf(Math.floor(r * u) + 1);
            }
            case 2: {
              int l = a.checkint(1);
              int u = a.checkint(2);
              if (l > u) {
                argerror(2, "interval is empty");
              }
              return LuaValue.valueOf(Math.floor(r * (u - l + 1)) + l);
            }
            default:
              throw new LuaError("wrong number of arguments");
          }
        }
      };
    }

    LuaValue randomseed() {
      return new OneArgFunction() {
        @Override
        public LuaValue call(LuaValue v) {
          seed(v.checkint());
          return NONE.arg1();
        }
      };
    }
  }
}

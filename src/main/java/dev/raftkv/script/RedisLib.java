package dev.raftkv.script;

import java.nio.charset.StandardCharsets;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/** The {@code redis} table scripts see, as Redis 7.0's script_lua.c builds it. */
final class RedisLib {
  private RedisLib() {}

  static LuaTable create(LuaScripts.Server server) {
    LuaTable r = new LuaTable();
    r.rawset("call", fn(a -> call(server, a, true)));
    r.rawset("pcall", fn(a -> call(server, a, false)));
    r.rawset("error_reply", fn(a -> {
      if (a.narg() != 1 || a.arg1().type() != LuaValue.TSTRING) {
        return LuaResp.errorTable("wrong number or type of arguments");
      }
      String e = new String(LuaResp.bytes(a.arg1().checkstring()), StandardCharsets.ISO_8859_1);
      return LuaResp.errorTable(e.startsWith("-") ? e : "-" + e);
    }));
    r.rawset("status_reply", fn(a -> {
      if (a.narg() != 1 || a.arg1().type() != LuaValue.TSTRING) {
        return LuaResp.errorTable("wrong number or type of arguments");
      }
      LuaTable t = new LuaTable();
      t.rawset(LuaResp.OK, a.arg1());
      return t;
    }));
    r.rawset("sha1hex", fn(a -> {
      if (a.narg() != 1) {
        throw new LuaError(LuaResp.errorTable("wrong number of arguments"));
      }
      byte[] body = a.arg1().type() == LuaValue.TNUMBER
          ? LuaNumbers.g14(a.arg1().todouble()).getBytes(StandardCharsets.US_ASCII)
          : a.arg1().isstring() ? LuaResp.bytes(a.arg1().checkstring()) : new byte[0];
      return LuaValue.valueOf(LuaScripts.sha1hex(body));
    }));
    r.rawset("log", fn(a -> {
      if (a.narg() < 2) {
        throw new LuaError(LuaResp.errorTable("redis.log() requires two arguments or more."));
      }
      if (a.arg1().type() != LuaValue.TNUMBER) {
        throw new LuaError(LuaResp.errorTable("First argument must be a number (log level)."));
      }
      return LuaValue.NONE; // scripts run on every peer: their log lines are not kept
    }));
    r.rawset("setresp", fn(a -> {
      if (a.narg() != 1) {
        throw new LuaError(LuaResp.errorTable("redis.setresp() requires one argument."));
      }
      int v = a.arg1().checkint();
      if (v != 2 && v != 3) {
        throw new LuaError(LuaResp.errorTable("RESP version must be 2 or 3."));
      }
      if (v == 3) {
        throw new LuaError(LuaResp.errorTable("raft-kv scripts speak RESP2 only (redis.setresp(3))"));
      }
      return LuaValue.NONE;
    }));
    r.rawset("set_repl", fn(a -> LuaValue.NONE));
    r.rawset("replicate_commands", fn(a -> LuaValue.TRUE));
    r.rawset("breakpoint", fn(a -> LuaValue.FALSE));
    r.rawset("debug", fn(a -> LuaValue.NONE));
    r.rawset("LOG_DEBUG", 0);
    r.rawset("LOG_VERBOSE", 1);
    r.rawset("LOG_NOTICE", 2);
    r.rawset("LOG_WARNING", 3);
    r.rawset("REPL_NONE", 0);
    r.rawset("REPL_AOF", 1);
    r.rawset("REPL_SLAVE", 2);
    r.rawset("REPL_REPLICA", 2);
    r.rawset("REPL_ALL", 3);
    r.rawset("REDIS_VERSION", "7.0.15");
    r.rawset("REDIS_VERSION_NUM", 0x07000f);
    return r;
  }

  /** redis.call (raise) and redis.pcall (return the error table). */
  private static Varargs call(LuaScripts.Server server, Varargs a, boolean raise) {
    LuaValue result;
    if (a.narg() == 0) {
      result = LuaResp.errorTable("Please specify at least one argument for this redis lib call");
    } else {
      byte[][] argv = new byte[a.narg()][];
      result = null;
      for (int i = 0; i < argv.length; i++) {
        LuaValue v = a.arg(i + 1);
        if (v.type() == LuaValue.TSTRING) {
          argv[i] = LuaResp.bytes(v.checkstring());
        } else if (v.type() == LuaValue.TNUMBER) {
          argv[i] = LuaNumbers.g14(v.todouble()).getBytes(StandardCharsets.US_ASCII);
        } else {
          result = LuaResp.errorTable("Lua redis lib command arguments must be strings or integers");
          break;
        }
      }
      if (result == null) {
        result = LuaResp.toLua(server.call(argv));
      }
    }
    if (raise && result.istable() && result.rawget(LuaResp.ERR).isstring()) {
      throw new LuaError(result);
    }
    return result;
  }

  interface Body {
    Varargs apply(Varargs a);
  }

  static VarArgFunction fn(Body body) {
    return new VarArgFunction() {
      @Override
      public Varargs invoke(Varargs a) {
        return body.apply(a);
      }
    };
  }

  static LuaString str(String s) {
    return LuaString.valueOf(s);
  }
}

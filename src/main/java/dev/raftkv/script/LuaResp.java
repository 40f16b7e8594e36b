package dev.raftkv.script;

import dev.raftkv.protocol.RespOut;
import java.nio.charset.StandardCharsets;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * The conversions between RESP and Lua values, as Redis 7.0 makes them (script_lua.c):
 *
 * <pre>
 *   RESP -> Lua (a command's reply inside redis.call)    Lua -> RESP (the script's reply)
 *   integer        -> number                              number  -> integer (truncated)
 *   bulk           -> string                              string  -> bulk
 *   nil bulk/array -> false                               true    -> integer 1
 *   array          -> table (nil elements -> false)       false, nil -> nil bulk
 *   status         -> {ok = status}                       {ok = s}   -> status
 *   error          -> {err = "CODE message"}              {err = e}  -> error
 *                                                         table   -> array up to the first nil
 * </pre>
 */
public final class LuaResp {
  static final LuaString OK = LuaString.valueOf("ok");
  static final LuaString ERR = LuaString.valueOf("err");
  /** Deepest nesting of tables converted to a reply (Redis is bounded by Lua's C stack). */
  static final int MAX_DEPTH = 1000;

  private LuaResp() {}

  /** Converts one complete RESP2 reply into a Lua value; an error becomes {@code {err=...}}. */
  public static LuaValue toLua(byte[] resp) {
    int[] pos = {0};
    return parse(resp, pos);
  }

  private static LuaValue parse(byte[] b, int[] pos) {
    byte type = b[pos[0]++];
    int end = lineEnd(b, pos[0]);
    int start = pos[0];
    pos[0] = end + 2;
    switch (type) {
      case '+' -> {
        LuaTable t = new LuaTable();
        t.rawset(OK, LuaString.valueOf(copy(b, start, end)));
        return t;
      }
      case '-' -> {
        return errorTable("-" + new String(b, start, end - start, StandardCharsets.ISO_8859_1));
      }
      case ':' -> {
        return LuaValue.valueOf((double) Long.parseLong(ascii(b, start, end)));
      }
      case '$' -> {
        int len = Integer.parseInt(ascii(b, start, end));
        if (len < 0) {
          return LuaValue.FALSE;
        }
        LuaString s = LuaString.valueOf(copy(b, pos[0], pos[0] + len));
        pos[0] += len + 2;
        return s;
      }
      case '*' -> {
        int n = Integer.parseInt(ascii(b, start, end));
        if (n < 0) {
          return LuaValue.FALSE;
        }
        LuaTable t = new LuaTable(n, 0);
        for (int i = 1; i <= n; i++) {
          t.rawset(i, parse(b, pos));
        }
        return t;
      }
      default -> throw new IllegalArgumentException("unexpected RESP type " + (char) type);
    }
  }

  /**
   * Redis's luaPushErrorBuff: "-CODE message" keeps its code, anything else gets "ERR"; a trailing
   * newline is trimmed.
   */
  static LuaTable errorTable(String error) {
    String code;
    String msg;
    if (error.startsWith("-")) {
      int sp = error.indexOf(' ');
      if (sp < 0) {
        code = "ERR";
        msg = error.substring(1);
      } else {
        code = error.substring(1, sp);
        msg = error.substring(sp + 1);
      }
    } else {
      code = "ERR";
      msg = error;
    }
    LuaTable t = new LuaTable();
    t.rawset(ERR, LuaString.valueOf((code + " " + trimNewlines(msg)).getBytes(StandardCharsets.ISO_8859_1)));
    return t;
  }

  private static String trimNewlines(String s) {
    int a = 0;
    int z = s.length();
    while (a < z && (s.charAt(a) == '\r' || s.charAt(a) == '\n')) {
      a++;
    }
    while (z > a && (s.charAt(z - 1) == '\r' || s.charAt(z - 1) == '\n')) {
      z--;
    }
    return s.substring(a, z);
  }

  /** Writes a Lua value as the script's RESP2 reply. */
  public static void toResp(LuaValue v, RespOut out) {
    toResp(v, out, 0);
  }

  private static void toResp(LuaValue v, RespOut out, int depth) {
    switch (v.type()) {
      case LuaValue.TSTRING -> out.bulk(bytes(v.checkstring()));
      case LuaValue.TBOOLEAN -> {
        if (v.toboolean()) {
          out.integer(1);
        } else {
          out.nil();
        }
      }
      case LuaValue.TNUMBER -> out.integer(LuaNumbers.toLong(v.todouble()));
      case LuaValue.TTABLE -> {
        if (depth >= MAX_DEPTH) {
          throw new LuaError("reached lua stack limit");
        }
        LuaTable t = (LuaTable) v;
        LuaValue err = t.rawget(ERR);
        if (err.type() == LuaValue.TSTRING) {
          statusOrError(out, '-', bytes(err.checkstring()));
          return;
        }
        LuaValue ok = t.rawget(OK);
        if (ok.type() == LuaValue.TSTRING) {
          statusOrError(out, '+', bytes(ok.checkstring()));
          return;
        }
        int n = 0;
        while (!t.rawget(n + 1).isnil()) {
          n++;
        }
        out.array(n);
        for (int i = 1; i <= n; i++) {
          toResp(t.rawget(i), out, depth + 1);
        }
      }
      default -> out.nil();
    }
  }

  /**
   * A status or error reply with the text's bytes as they are, but CR and LF replaced by spaces
   * (as Redis does; an error text also loses leading and trailing CR and LF first).
   */
  static void statusOrError(RespOut out, char marker, byte[] text) {
    int from = 0;
    int to = text.length;
    if (marker == '-') {
      while (from < to && (text[from] == '\r' || text[from] == '\n')) {
        from++;
      }
      while (to > from && (text[to - 1] == '\r' || text[to - 1] == '\n')) {
        to--;
      }
    }
    byte[] r = new byte[to - from + 3];
    r[0] = (byte) marker;
    for (int i = from; i < to; i++) {
      byte c = text[i];
      r[i - from + 1] = c == '\r' || c == '\n' ? (byte) ' ' : c;
    }
    r[r.length - 2] = '\r';
    r[r.length - 1] = '\n';
    out.append(r);
  }

  static byte[] bytes(LuaString s) {
    byte[] b = new byte[s.m_length];
    System.arraycopy(s.m_bytes, s.m_offset, b, 0, s.m_length);
    return b;
  }

  private static int lineEnd(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        return i;
      }
    }
    throw new IllegalArgumentException("truncated RESP");
  }

  private static byte[] copy(byte[] b, int from, int to) {
    byte[] r = new byte[to - from];
    System.arraycopy(b, from, r, 0, r.length);
    return r;
  }

  private static String ascii(byte[] b, int from, int to) {
    return new String(b, from, to - from, StandardCharsets.US_ASCII);
  }
}

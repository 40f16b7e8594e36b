package dev.raftkv.script;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The {@code cjson} table (lua-cjson 2.1 as Redis bundles it, default settings): encode and
 * decode with cjson's formatting (numbers as %.14g, '/' escaped, empty tables as {}, sparse
 * arrays refused past cjson's ratio) and its error texts. Object members are written in the
 * table's iteration order, which in LuaJ is not the C Lua order Redis has.
 */
final class Cjson {
  static final LuaValue NULL = new LuaUserdata(new Object());
  private static final int MAX_DEPTH = 1000;

  private Cjson() {}

  static LuaTable create() {
    LuaTable t = new LuaTable();
    t.rawset("encode", RedisLib.fn(a -> {
      if (a.narg() != 1) {
        throw new LuaError("bad argument #1 to 'encode' (expected 1 argument)");
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      encode(a.arg1(), out, 0);
      return LuaString.valueOf(out.toByteArray());
    }));
    t.rawset("decode", RedisLib.fn(a -> {
      if (a.narg() != 1) {
        throw new LuaError("bad argument #1 to 'decode' (expected 1 argument)");
      }
      return new Decoder(LuaResp.bytes(a.checkstring(1))).document();
    }));
    t.rawset("null", NULL);
    return t;
  }

  private static void encode(LuaValue v, ByteArrayOutputStream out, int depth) {
    switch (v.type()) {
      case LuaValue.TSTRING -> string(LuaResp.bytes(v.checkstring()), out);
      case LuaValue.TNUMBER -> out.writeBytes(number(v.todouble()));
      case LuaValue.TBOOLEAN -> out.writeBytes(ascii(v.toboolean() ? "true" : "false"));
      case LuaValue.TNIL -> out.writeBytes(ascii("null"));
      case LuaValue.TTABLE -> table((LuaTable) v, out, depth + 1);
      default -> {
        if (v == NULL) {
          out.writeBytes(ascii("null"));
        } else {
          throw new LuaError("Cannot serialise " + v.typename() + ": type not supported");
        }
      }
    }
  }

  private static byte[] number(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new LuaError("Cannot serialise number: must not be NaN or Inf");
    }
    return ascii(LuaNumbers.g14(d));
  }

  private static void table(LuaTable t, ByteArrayOutputStream out, int depth) {
    if (depth > MAX_DEPTH) {
      throw new LuaError("Cannot serialise, excessive nesting (" + depth + ")");
    }
    // cjson's lua_array_length: every key a positive integer -> an array up to the largest
    long max = 0;
    long items = 0;
    boolean array = true;
    for (Varargs n = t.next(LuaValue.NIL); !n.arg1().isnil(); n = t.next(n.arg1())) {
      LuaValue k = n.arg1();
      double d = k.type() == LuaValue.TNUMBER ? k.todouble() : -1;
      if (d >= 1 && d == Math.floor(d)) {
        max = Math.max(max, (long) d);
        items++;
      } else {
        array = false;
        break;
      }
    }
    if (array && max > 10 && max > items * 2) {
      throw new LuaError("Cannot serialise table: excessively sparse array");
    }
    if (array && max > 0) {
      out.write('[');
      for (long i = 1; i <= max; i++) {
        if (i > 1) {
          out.write(',');
        }
        encode(t.rawget((int) i), out, depth);
      }
      out.write(']');
      return;
    }
    out.write('{');
    boolean first = true;
    for (Varargs n = t.next(LuaValue.NIL); !n.arg1().isnil(); n = t.next(n.arg1())) {
      LuaValue k = n.arg1();
      if (!first) {
        out.write(',');
      }
      first = false;
      if (k.type() == LuaValue.TSTRING) {
        string(LuaResp.bytes(k.checkstring()), out);
      } else if (k.type() == LuaValue.TNUMBER) {
        out.write('"');
        out.writeBytes(number(k.todouble()));
        out.write('"');
      } else {
        throw new LuaError("Cannot serialise " + k.typename() + ": table key must be a number or string");
      }
      out.write(':');
      encode(n.arg(2), out, depth);
    }
    out.write('}');
  }

  private static void string(byte[] s, ByteArrayOutputStream out) {
    out.write('"');
    for (byte b : s) {
      int c = b & 0xff;
      switch (c) {
        case '"' -> out.writeBytes(ascii("\\\""));
        case '\\' -> out.writeBytes(ascii("\\\\"));
        case '/' -> out.writeBytes(ascii("\\/"));
        case '\b' -> out.writeBytes(ascii("\\b"));
        case '\f' -> out.writeBytes(ascii("\\f"));
        case '\n' -> out.writeBytes(ascii("\\n"));
        case '\r' -> out.writeBytes(ascii("\\r"));
        case '\t' -> out.writeBytes(ascii("\\t"));
        default -> {
          if (c < 0x20 || c == 0x7f) {
            out.writeBytes(ascii(String.format("\\u%04x", c)));
          } else {
            out.write(c);
          }
        }
      }
    }
    out.write('"');
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A JSON text to Lua values; errors name the character position as cjson does (1-based). */
  private static final class Decoder {
    private final byte[] b;
    private int pos;

    Decoder(byte[] b) {
      this.b = b;
    }

    LuaValue document() {
      LuaValue v = value(0);
      skip();
      if (pos < b.length) {
        throw expected("the end", token());
      }
      return v;
    }

    private void skip() {
      while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\n' || b[pos] == '\r')) {
        pos++;
      }
    }

    private String token() {
      if (pos >= b.length) {
        return "T_END";
      }
      return switch (b[pos]) {
        case '{' -> "T_OBJ_BEGIN";
        case '}' -> "T_OBJ_END";
        case '[' -> "T_ARR_BEGIN";
        case ']' -> "T_ARR_END";
        case ',' -> "T_COMMA";
        case ':' -> "T_COLON";
        case '"' -> "T_STRING";
        default -> "invalid token";
      };
    }

    private LuaError expected(String what, String found) {
      return new LuaError("Expected " + what + " but found " + found + " at character " + (pos + 1));
    }

    private LuaValue value(int depth) {
      if (depth >= MAX_DEPTH) {
        throw new LuaError("Found too many nested data structures (" + (depth + 1)
            + ") at character " + (pos + 1));
      }
      skip();
      if (pos >= b.length) {
        throw expected("value", "T_END");
      }
      byte c = b[pos];
      if (c == '{') {
        pos++;
        LuaTable t = new LuaTable();
        skip();
        if (pos < b.length && b[pos] == '}') {
          pos++;
          return t;
        }
        while (true) {
          skip();
          if (pos >= b.length || b[pos] != '"') {
            throw expected("object key string", token());
          }
          LuaValue k = string();
          skip();
          if (pos >= b.length || b[pos] != ':') {
            throw expected("colon", token());
          }
          pos++;
          t.rawset(k, value(depth + 1));
          skip();
          if (pos < b.length && b[pos] == ',') {
            pos++;
            continue;
          }
          if (pos < b.length && b[pos] == '}') {
            pos++;
            return t;
          }
          throw expected("comma or object end", token());
        }
      }
      if (c == '[') {
        pos++;
        LuaTable t = new LuaTable();
        skip();
        if (pos < b.length && b[pos] == ']') {
          pos++;
          return t;
        }
        for (int i = 1; ; i++) {
          t.rawset(i, value(depth + 1));
          skip();
          if (pos < b.length && b[pos] == ',') {
            pos++;
            continue;
          }
          if (pos < b.length && b[pos] == ']') {
            pos++;
            return t;
          }
          throw expected("comma or array end", token());
        }
      }
      if (c == '"') {
        return string();
      }
      if (match("true")) {
        return LuaValue.TRUE;
      }
      if (match("false")) {
        return LuaValue.FALSE;
      }
      if (match("null")) {
        return NULL;
      }
      int start = pos;
      while (pos < b.length && "+-0123456789.eE".indexOf(b[pos]) >= 0) {
        pos++;
      }
      if (pos > start) {
        try {
          return LuaValue.valueOf(Double.parseDouble(new String(b, start, pos - start,
              StandardCharsets.US_ASCII)));
        } catch (NumberFormatException e) {
          pos = start;
        }
      }
      throw expected("value", token());
    }

    private boolean match(String word) {
      byte[] w = ascii(word);
      if (pos + w.length > b.length) {
        return false;
      }
      for (int i = 0; i < w.length; i++) {
        if (b[pos + i] != w[i]) {
          return false;
        }
      }
      pos += w.length;
      return true;
    }

    private LuaValue string() {
      int start = pos;
      pos++; // the opening quote
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (true) {
        if (pos >= b.length) {
          pos = start;
          throw expected("value", "invalid token");
        }
        byte c = b[pos++];
        if (c == '"') {
          return LuaString.valueOf(out.toByteArray());
        }
        if (c != '\\') {
          out.write(c);
          continue;
        }
        if (pos >= b.length) {
          pos = start;
          throw expected("value", "invalid token");
        }
        byte e = b[pos++];
        switch (e) {
          case '"', '\\', '/' -> out.write(e);
          case 'b' -> out.write('\b');
          case 'f' -> out.write('\f');
          case 'n' -> out.write('\n');
          case 'r' -> out.write('\r');
          case 't' -> out.write('\t');
          case 'u' -> {
            int cp = hex4();
            if (cp >= 0xD800 && cp <= 0xDBFF && pos + 1 < b.length && b[pos] == '\\' && b[pos + 1] == 'u') {
              pos += 2;
              int lo = hex4();
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
          }
          default -> {
            pos = start;
            throw expected("value", "invalid escape code");
          }
        }
      }
    }

    private int hex4() {
      if (pos + 4 > b.length) {
        throw expected("value", "invalid unicode escape code");
      }
      try {
        int v = Integer.parseInt(new String(b, pos, 4, StandardCharsets.US_ASCII), 16);
        pos += 4;
        return v;
      } catch (NumberFormatException e) {
        throw expected("value", "invalid unicode escape code");
      }
    }
  }
}

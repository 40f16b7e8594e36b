package dev.raftkv.script;

import java.io.IOException;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * The {@code cmsgpack} table (lua-cmsgpack 0.4 as Redis bundles it): pack and unpack with
 * msgpack-core doing the MessagePack bytes. The Lua side is lua-cmsgpack's: an integral number
 * is the smallest integer format, any other a float 32 when it fits exactly, else a float 64; a
 * table whose keys are exactly 1..n is an array, any other a map; tables nested deeper than 16
 * become nil.
 */
final class Cmsgpack {
  private static final int MAX_NESTING = 16;
  private static final int MAX_DECODE_DEPTH = 1000;

  private Cmsgpack() {}

  static LuaTable create() {
    LuaTable t = new LuaTable();
    t.rawset("pack", RedisLib.fn(a -> {
      if (a.narg() == 0) {
        throw new LuaError("bad argument #0 to 'pack' (MessagePack pack needs input.)");
      }
      try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
        for (int i = 1; i <= a.narg(); i++) {
          pack(p, a.arg(i), 0);
        }
        p.flush();
        return LuaString.valueOf(p.toByteArray());
      } catch (IOException e) {
        throw new LuaError(e.toString());
      }
    }));
    t.rawset("unpack", RedisLib.fn(a -> unpack(LuaResp.bytes(a.checkstring(1)), 0, 0, false)));
    t.rawset("unpack_one", RedisLib.fn(a -> unpack(LuaResp.bytes(a.checkstring(1)), 1,
        a.optint(2, 0), true)));
    t.rawset("unpack_limit", RedisLib.fn(a -> unpack(LuaResp.bytes(a.checkstring(1)),
        a.checkint(2), a.optint(3, 0), true)));
    return t;
  }

  private static void pack(MessageBufferPacker p, LuaValue v, int level) throws IOException {
    switch (v.type()) {
      case LuaValue.TSTRING -> {
        byte[] b = LuaResp.bytes(v.checkstring());
        p.packRawStringHeader(b.length);
        p.writePayload(b);
      }
      case LuaValue.TBOOLEAN -> p.packBoolean(v.toboolean());
      case LuaValue.TNUMBER -> {
        double d = v.todouble();
        if (d == (double) (long) d && !(d >= 9.223372036854775807E18)) {
          p.packLong((long) d);
        } else if (d == (double) (float) d || Double.isNaN(d)) {
          p.packFloat((float) d);
        } else {
          p.packDouble(d);
        }
      }
      case LuaValue.TTABLE -> {
        if (level == MAX_NESTING) {
          p.packNil();
          return;
        }
        LuaTable t = (LuaTable) v;
        long max = 0;
        long count = 0;
        boolean array = true;
        for (Varargs n = t.next(LuaValue.NIL); !n.arg1().isnil(); n = t.next(n.arg1())) {
          LuaValue k = n.arg1();
          double d = k.type() == LuaValue.TNUMBER ? k.todouble() : 0;
          if (d <= 0 || d != Math.floor(d)) {
            array = false;
            break;
          }
          max = Math.max(max, (long) d);
          count++;
        }
        if (array && max == count) {
          p.packArrayHeader((int) count);
          for (int i = 1; i <= count; i++) {
            pack(p, t.rawget(i), level + 1);
          }
        } else {
          int size = 0;
          for (Varargs n = t.next(LuaValue.NIL); !n.arg1().isnil(); n = t.next(n.arg1())) {
            size++;
          }
          p.packMapHeader(size);
          for (Varargs n = t.next(LuaValue.NIL); !n.arg1().isnil(); n = t.next(n.arg1())) {
            pack(p, n.arg1(), level + 1);
            pack(p, n.arg(2), level + 1);
          }
        }
      }
      default -> p.packNil();
    }
  }

  /** lua-cmsgpack's mp_unpack_full: {@code limit} objects (0: all); the _one/_limit forms return the next offset first. */
  private static Varargs unpack(byte[] b, int limit, int offset, boolean withOffset) {
    if (offset < 0 || offset > b.length) {
      throw new LuaError("Start offset " + offset + " greater than input length " + b.length + ".");
    }
    java.util.List<LuaValue> out = new java.util.ArrayList<>();
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b, offset, b.length - offset)) {
      while (u.hasNext() && (limit == 0 || out.size() < limit)) {
        out.add(value(u, 0));
      }
      long consumed = u.getTotalReadBytes();
      LuaValue[] r = new LuaValue[out.size() + (withOffset ? 1 : 0)];
      int i = 0;
      if (withOffset) {
        long next = offset + consumed;
        r[i++] = LuaValue.valueOf(next >= b.length ? -1 : next);
      }
      for (LuaValue v : out) {
        r[i++] = v;
      }
      return LuaValue.varargsOf(r);
    } catch (org.msgpack.core.MessageInsufficientBufferException e) {
      throw new LuaError("Missing bytes in input.");
    } catch (IOException | org.msgpack.core.MessagePackException e) {
      throw new LuaError("Bad data format in input.");
    }
  }

  private static LuaValue value(MessageUnpacker u, int depth) throws IOException {
    if (depth > MAX_DECODE_DEPTH) {
      // bounded here so that every replica fails the same way (not by its own stack size)
      throw new LuaError("Bad data format in input: nested deeper than " + MAX_DECODE_DEPTH);
    }
    MessageFormat f = u.getNextFormat();
    switch (f.getValueType()) {
      case NIL -> {
        u.unpackNil();
        return LuaValue.NIL;
      }
      case BOOLEAN -> {
        return LuaValue.valueOf(u.unpackBoolean());
      }
      case INTEGER -> {
        if (f == MessageFormat.UINT64) {
          return LuaValue.valueOf(u.unpackBigInteger().doubleValue());
        }
        return LuaValue.valueOf((double) u.unpackLong());
      }
      case FLOAT -> {
        return LuaValue.valueOf(u.unpackDouble());
      }
      case STRING -> {
        int n = u.unpackRawStringHeader();
        return LuaString.valueOf(u.readPayload(n));
      }
      case BINARY -> {
        int n = u.unpackBinaryHeader();
        return LuaString.valueOf(u.readPayload(n));
      }
      case ARRAY -> {
        int n = u.unpackArrayHeader();
        LuaTable t = new LuaTable(Math.min(n, 1024), 0);
        for (int i = 1; i <= n; i++) {
          t.rawset(i, value(u, depth + 1));
        }
        return t;
      }
      case MAP -> {
        int n = u.unpackMapHeader();
        LuaTable t = new LuaTable();
        for (int i = 0; i < n; i++) {
          LuaValue k = value(u, depth + 1);
          LuaValue v = value(u, depth + 1);
          if (!k.isnil()) {
            t.rawset(k, v);
          }
        }
        return t;
      }
      default -> throw new LuaError("Bad data format in input.");
    }
  }
}

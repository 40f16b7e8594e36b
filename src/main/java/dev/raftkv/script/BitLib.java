package dev.raftkv.script;

import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The {@code bit} table: the LuaBitOp 1.0 API that Redis bundles (bit.c), on 32-bit integers.
 * Numbers are normalized as LuaBitOp does: taken modulo 2^32, rounded to the nearest integer.
 */
final class BitLib {
  private BitLib() {}

  static LuaTable create() {
    LuaTable t = new LuaTable();
    t.rawset("tobit", RedisLib.fn(a -> num(bit(a, 1))));
    t.rawset("bnot", RedisLib.fn(a -> num(~bit(a, 1))));
    t.rawset("band", RedisLib.fn(a -> {
      int r = bit(a, 1);
      for (int i = 2; i <= a.narg(); i++) {
        r &= bit(a, i);
      }
      return num(r);
    }));
    t.rawset("bor", RedisLib.fn(a -> {
      int r = bit(a, 1);
      for (int i = 2; i <= a.narg(); i++) {
        r |= bit(a, i);
      }
      return num(r);
    }));
    t.rawset("bxor", RedisLib.fn(a -> {
      int r = bit(a, 1);
      for (int i = 2; i <= a.narg(); i++) {
        r ^= bit(a, i);
      }
      return num(r);
    }));
    t.rawset("lshift", RedisLib.fn(a -> num(bit(a, 1) << (bit(a, 2) & 31))));
    t.rawset("rshift", RedisLib.fn(a -> num(bit(a, 1) >>> (bit(a, 2) & 31))));
    t.rawset("arshift", RedisLib.fn(a -> num(bit(a, 1) >> (bit(a, 2) & 31))));
    t.rawset("rol", RedisLib.fn(a -> num(Integer.rotateLeft(bit(a, 1), bit(a, 2) & 31))));
    t.rawset("ror", RedisLib.fn(a -> num(Integer.rotateRight(bit(a, 1), bit(a, 2) & 31))));
    t.rawset("bswap", RedisLib.fn(a -> num(Integer.reverseBytes(bit(a, 1)))));
    t.rawset("tohex", RedisLib.fn(a -> {
      int b = bit(a, 1);
      int n = a.isnoneornil(2) ? 8 : bit(a, 2);
      String digits = "0123456789abcdef";
      if (n < 0) {
        n = -n;
        digits = "0123456789ABCDEF";
      }
      if (n > 8) {
        n = 8;
      }
      char[] buf = new char[n];
      for (int i = n - 1; i >= 0; i--) {
        buf[i] = digits.charAt(b & 15);
        b >>>= 4;
      }
      return LuaValue.valueOf(new String(buf));
    }));
    return t;
  }

  /** LuaBitOp's barg: the argument as a number, modulo 2^32, rounded half to even. */
  static int bit(Varargs a, int i) {
    return tobit(a.checkdouble(i));
  }

  static int tobit(double d) {
    double m = d % 4294967296.0;
    return (int) (long) Math.rint(m);
  }

  private static LuaValue num(int v) {
    return LuaValue.valueOf(v);
  }
}

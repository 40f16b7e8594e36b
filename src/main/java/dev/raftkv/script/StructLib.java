package dev.raftkv.script;

import java.io.ByteArrayOutputStream;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The {@code struct} table Redis bundles (deps/lua/src/lua_struct.c, Roberto Ierusalimschy's
 * library): {@code pack}, {@code unpack} and {@code size}, translated with the sizes of x86-64
 * Linux where Redis runs (short 2, int 4, long and size_t 8, maximum alignment 8, native byte order
 * little-endian; integers are C {@code long}, 64 bits). Scripts that use it: Redisson's rate
 * limiter, among others.
 *
 * <p>Formats: {@code > < !n} byte order and alignment, {@code b B h H l L T i[n] I[n]} integers
 * (lower case signed), {@code f d} floats, {@code c[n]} a fixed string ({@code c0} takes its
 * length from the previous value when unpacking, the whole string when packing), {@code s} a
 * zero-terminated string, {@code x} a padding byte, spaces ignored.
 */
final class StructLib {
  private static final int MAXINTSIZE = 32;
  private static final int MAXALIGN = 8;
  private static final boolean BIG = false;
  private static final boolean LITTLE = true;

  private StructLib() {}

  static LuaTable create() {
    LuaTable t = new LuaTable();
    t.rawset("pack", RedisLib.fn(StructLib::pack));
    t.rawset("unpack", RedisLib.fn(StructLib::unpack));
    t.rawset("size", RedisLib.fn(StructLib::size));
    return t;
  }

  /** Byte order and maximum alignment, changed by the control options as the format is read. */
  private static final class Header {
    boolean little = LITTLE;
    int align = 1;
  }

  /** The format being read: its bytes and the position of the next one. */
  private static final class Fmt {
    final byte[] b;
    int i;

    Fmt(byte[] b) {
      this.b = b;
    }

    boolean more() {
      return i < b.length;
    }

    char next() {
      return (char) (b[i++] & 0xff);
    }

    int num(int df) {
      if (!more() || !Character.isDigit((char) b[i])) {
        return df;
      }
      int a = 0;
      do {
        int d = b[i] - '0';
        if (a > Integer.MAX_VALUE / 10 || a * 10 > Integer.MAX_VALUE - d) {
          throw new LuaError("integral size overflow");
        }
        a = a * 10 + d;
        i++;
      } while (more() && Character.isDigit((char) b[i]));
      return a;
    }
  }

  private static byte[] bytes(LuaString s) {
    byte[] b = new byte[s.length()];
    s.copyInto(0, b, 0, b.length);
    return b;
  }

  private static int optsize(char opt, Fmt fmt) {
    switch (opt) {
      case 'B', 'b', 'x' -> {
        return 1;
      }
      case 'H', 'h' -> {
        return 2;
      }
      case 'L', 'l', 'T', 'd' -> {
        return 8;
      }
      case 'f' -> {
        return 4;
      }
      case 'c' -> {
        return fmt.num(1);
      }
      case 'i', 'I' -> {
        int sz = fmt.num(4);
        if (sz > MAXINTSIZE) {
          throw new LuaError("integral size " + sz + " is larger than limit of " + MAXINTSIZE);
        }
        return sz;
      }
      default -> {
        return 0;
      }
    }
  }

  private static int gettoalign(long len, Header h, char opt, int size) {
    if (size == 0 || opt == 'c') {
      return 0;
    }
    if (size > h.align) {
      size = h.align;
    }
    return (int) ((size - (len & (size - 1))) & (size - 1));
  }

  private static void controloptions(char opt, Fmt fmt, Header h) {
    switch (opt) {
      case ' ' -> { }
      case '>' -> h.little = BIG;
      case '<' -> h.little = LITTLE;
      case '!' -> {
        int a = fmt.num(MAXALIGN);
        if (a <= 0 || (a & (a - 1)) != 0) {
          throw new LuaError("alignment " + a + " is not a power of 2");
        }
        h.align = a;
      }
      default -> throw new LuaError("bad argument #1 to '?' (invalid format option '" + opt + "')");
    }
  }

  /** C's conversion of a double to {@code unsigned long} (through {@code long} when negative). */
  private static long toUnsigned(double n) {
    if (n < 0) {
      return (long) n;
    }
    return n >= 0x1p63 && n < 0x1p64 ? (long) (n - 0x1p64) : (long) n;
  }

  private static Varargs pack(Varargs a) {
    Fmt fmt = new Fmt(bytes(a.checkstring(1)));
    Header h = new Header();
    int arg = 2;
    long total = 0;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (fmt.more()) {
      char opt = fmt.next();
      int size = optsize(opt, fmt);
      int toalign = gettoalign(total, h, opt, size);
      total += toalign;
      for (int k = 0; k < toalign; k++) {
        out.write(0);
      }
      switch (opt) {
        case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I' -> putInteger(out, toUnsigned(a.checkdouble(arg++)), h.little, size);
        case 'x' -> out.write(0);
        case 'f' -> putInteger(out, Float.floatToRawIntBits((float) a.checkdouble(arg++)) & 0xffffffffL, h.little, 4);
        case 'd' -> putInteger(out, Double.doubleToRawLongBits(a.checkdouble(arg++)), h.little, 8);
        case 'c', 's' -> {
          byte[] s = bytes(a.checkstring(arg++));
          if (size == 0) {
            size = s.length;
          }
          if (s.length < size) {
            throw new LuaError("bad argument #" + arg + " to 'pack' (string too short)");
          }
          out.write(s, 0, size);
          if (opt == 's') {
            out.write(0);
            size++;
          }
        }
        default -> controloptions(opt, fmt, h);
      }
      total += size;
    }
    return LuaString.valueOf(out.toByteArray());
  }

  private static void putInteger(ByteArrayOutputStream out, long value, boolean little, int size) {
    byte[] buf = new byte[size];
    if (little) {
      for (int k = 0; k < size; k++) {
        buf[k] = (byte) value;
        value = k < 7 ? value >>> 8 : 0;
      }
    } else {
      for (int k = size - 1; k >= 0; k--) {
        buf[k] = (byte) value;
        value = size - 1 - k < 7 ? value >>> 8 : 0;
      }
    }
    out.write(buf, 0, size);
  }

  private static long getInteger(byte[] d, int pos, boolean little, boolean signed, int size) {
    long l = 0;
    if (!little) {
      for (int k = 0; k < size; k++) {
        l = (l << 8) | (d[pos + k] & 0xff);
      }
    } else {
      for (int k = size - 1; k >= 0; k--) {
        l = (l << 8) | (d[pos + k] & 0xff);
      }
    }
    if (signed) {
      long mask = -1L << (size * 8 - 1); // the shift count taken modulo 64, as x86-64 does
      if ((l & mask) != 0) {
        l |= mask;
      }
    }
    return l;
  }

  /** An unsigned 64-bit value as the double C's {@code (lua_Number) unsigned long} gives. */
  private static double unsignedToDouble(long l) {
    return l >= 0 ? (double) l : (double) (l >>> 1) * 2.0 + (l & 1);
  }

  private static Varargs unpack(Varargs a) {
    Fmt fmt = new Fmt(bytes(a.checkstring(1)));
    byte[] data = bytes(a.checkstring(2));
    long ld = data.length;
    long pos = a.isnoneornil(3) ? 1 : a.checklong(3);
    if (pos <= 0) {
      throw new LuaError("bad argument #3 to 'unpack' (offset must be 1 or greater)");
    }
    pos--;
    Header h = new Header();
    java.util.List<LuaValue> results = new java.util.ArrayList<>();
    while (fmt.more()) {
      char opt = fmt.next();
      long size = optsize(opt, fmt);
      pos += gettoalign(pos, h, opt, (int) size);
      if (!(size <= ld && pos <= ld - size)) {
        throw new LuaError("bad argument #2 to 'unpack' (data string too short)");
      }
      int p = (int) pos;
      switch (opt) {
        case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I' -> {
          boolean signed = Character.isLowerCase(opt);
          int sz = (int) size;
          long v = getInteger(data, p, h.little, signed, sz);
          double n = signed ? (double) v : unsignedToDouble(v);
          results.add(LuaValue.valueOf(n));
        }
        case 'x' -> { }
        case 'f' -> results.add(LuaValue.valueOf(
            (double) Float.intBitsToFloat((int) getInteger(data, p, h.little, false, 4))));
        case 'd' -> results.add(LuaValue.valueOf(
            Double.longBitsToDouble(getInteger(data, p, h.little, false, 8))));
        case 'c' -> {
          if (size == 0) {
            if (results.isEmpty() || !results.get(results.size() - 1).isnumber()) {
              throw new LuaError("format 'c0' needs a previous size");
            }
            size = (long) results.remove(results.size() - 1).todouble();
            if (!(size <= ld && pos <= ld - size)) {
              throw new LuaError("bad argument #2 to 'unpack' (data string too short)");
            }
          }
          results.add(LuaString.valueOf(data, p, (int) size));
        }
        case 's' -> {
          int e = p;
          while (e < data.length && data[e] != 0) {
            e++;
          }
          if (e == data.length) {
            throw new LuaError("unfinished string in data");
          }
          size = e - p + 1L;
          results.add(LuaString.valueOf(data, p, (int) size - 1));
        }
        default -> controloptions(opt, fmt, h);
      }
      pos += size;
    }
    results.add(LuaValue.valueOf(pos + 1));
    return LuaValue.varargsOf(results.toArray(new LuaValue[0]));
  }

  private static Varargs size(Varargs a) {
    Fmt fmt = new Fmt(bytes(a.checkstring(1)));
    Header h = new Header();
    long pos = 0;
    while (fmt.more()) {
      char opt = fmt.next();
      int size = optsize(opt, fmt);
      pos += gettoalign(pos, h, opt, size);
      if (opt == 's') {
        throw new LuaError("bad argument #1 to 'size' (option 's' has no fixed size)");
      } else if (opt == 'c' && size == 0) {
        throw new LuaError("bad argument #1 to 'size' (option 'c0' has no fixed size)");
      }
      if (!(opt < 128 && Character.isLetterOrDigit(opt))) {
        controloptions(opt, fmt, h);
      }
      pos += size;
    }
    return LuaValue.valueOf(pos);
  }
}

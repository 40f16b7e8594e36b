package dev.raftkv.script;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * string.format with C's printf conversions, as Lua 5.1 has them (LuaJ 3.0.1 ignores the
 * precision of %f and friends): flags {@code -+ #0}, width, precision, and
 * {@code d i u c x X o e E f g G q s %}.
 */
final class StringFormat extends VarArgFunction {
  @Override
  public Varargs invoke(Varargs a) {
    byte[] fmt = LuaResp.bytes(a.checkstring(1));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int arg = 1;
    for (int i = 0; i < fmt.length; i++) {
      byte c = fmt[i];
      if (c != '%') {
        out.write(c);
        continue;
      }
      if (++i >= fmt.length) {
        throw new LuaError("invalid option '%' to 'format'");
      }
      if (fmt[i] == '%') {
        out.write('%');
        continue;
      }
      int start = i;
      while (i < fmt.length && "-+ #0".indexOf(fmt[i]) >= 0) {
        i++;
      }
      while (i < fmt.length && Character.isDigit(fmt[i])) {
        i++;
      }
      if (i < fmt.length && fmt[i] == '.') {
        i++;
        while (i < fmt.length && Character.isDigit(fmt[i])) {
          i++;
        }
      }
      if (i >= fmt.length) {
        throw new LuaError("invalid option to 'format'");
      }
      String spec = new String(fmt, start, i - start, StandardCharsets.US_ASCII);
      if (spec.length() > 20) {
        throw new LuaError("invalid format (repeated flags)");
      }
      char conv = (char) fmt[i];
      arg++;
      String flags = spec.replaceAll("[0-9.].*$", "");
      String rest = spec.substring(flags.length());
      int dot = rest.indexOf('.');
      int width = dot == 0 || rest.isEmpty() ? 0 : Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot));
      int precision = dot < 0 ? -1 : dot + 1 == rest.length() ? 0 : Integer.parseInt(rest.substring(dot + 1));
      switch (conv) {
        case 'd', 'i' -> out.writeBytes(ascii(String.format(Locale.ROOT, "%" + javaFlags(flags, precision)
            + (width > 0 ? width : "") + "d", (long) a.checkdouble(arg))));
        case 'u' -> out.writeBytes(ascii(pad(Long.toUnsignedString((long) a.checkdouble(arg)), flags, width)));
        case 'c' -> out.write((int) a.checkdouble(arg));
        case 'x', 'X', 'o' -> out.writeBytes(ascii(String.format(Locale.ROOT, "%" + javaFlags(flags, -1)
            + (width > 0 ? width : "") + conv, (long) a.checkdouble(arg))));
        case 'e', 'E', 'f' -> out.writeBytes(ascii(String.format(Locale.ROOT, "%" + flags.replace("#", "")
            + (width > 0 ? width : "") + "." + (precision < 0 ? 6 : precision) + conv, a.checkdouble(arg))));
        case 'g', 'G' -> out.writeBytes(ascii(pad(g(a.checkdouble(arg), precision, flags, conv == 'G'),
            flags, width)));
        case 'q' -> quoted(LuaResp.bytes(a.checkstring(arg)), out);
        case 's' -> {
          LuaValue v = a.arg(arg);
          byte[] s = v.type() == LuaValue.TNUMBER ? ascii(LuaNumbers.g14(v.todouble()))
              : LuaResp.bytes(a.checkstring(arg));
          if (precision >= 0 && precision < s.length) {
            s = java.util.Arrays.copyOf(s, precision);
          }
          int padding = Math.max(0, width - s.length);
          if (!flags.contains("-")) {
            out.writeBytes(" ".repeat(padding).getBytes(StandardCharsets.US_ASCII));
          }
          out.writeBytes(s);
          if (flags.contains("-")) {
            out.writeBytes(" ".repeat(padding).getBytes(StandardCharsets.US_ASCII));
          }
        }
        default -> throw new LuaError("invalid option '%" + conv + "' to 'format'");
      }
    }
    return LuaString.valueOf(out.toByteArray());
  }

  private static String javaFlags(String flags, int precision) {
    String f = flags;
    if (precision >= 0) {
      f = f.replace("0", "");
    }
    return f.replace("#", "");
  }

  private static String pad(String s, String flags, int width) {
    if (s.length() >= width) {
      return s;
    }
    String fill = (flags.contains("0") && !flags.contains("-") ? "0" : " ").repeat(width - s.length());
    if (flags.contains("-")) {
      return s + " ".repeat(width - s.length());
    }
    if (fill.startsWith("0") && (s.startsWith("-") || s.startsWith("+"))) {
      return s.charAt(0) + fill + s.substring(1);
    }
    return fill + s;
  }

  /** C's %g. */
  static String g(double d, int precision, String flags, boolean upper) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      String s = Double.isNaN(d) ? "nan" : d > 0 ? "inf" : "-inf";
      return upper ? s.toUpperCase(Locale.ROOT) : s;
    }
    int p = precision < 0 ? 6 : precision == 0 ? 1 : precision;
    String sign = d < 0 || (d == 0 && 1 / d < 0) ? "-" : flags.contains("+") ? "+" : flags.contains(" ") ? " " : "";
    double v = Math.abs(d);
    int x = 0;
    if (v != 0) {
      BigDecimal b = new BigDecimal(v).round(new MathContext(p));
      x = b.precision() - b.scale() - 1;
    }
    String s;
    if (p > x && x >= -4) {
      s = String.format(Locale.ROOT, "%." + (p - 1 - x) + "f", v);
      if (!flags.contains("#") && s.contains(".")) {
        s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
      }
    } else {
      s = String.format(Locale.ROOT, "%." + (p - 1) + "e", v);
      if (!flags.contains("#")) {
        int e = s.indexOf('e');
        String m = s.substring(0, e);
        if (m.contains(".")) {
          m = m.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        s = m + s.substring(e);
      }
    }
    s = sign + s;
    return upper ? s.toUpperCase(Locale.ROOT) : s;
  }

  private static void quoted(byte[] s, ByteArrayOutputStream out) {
    out.write('"');
    for (byte b : s) {
      switch (b) {
        case '"', '\\', '\n' -> {
          out.write('\\');
          out.write(b);
        }
        case '\r' -> out.writeBytes(ascii("\\r"));
        case 0 -> out.writeBytes(ascii("\\000"));
        default -> out.write(b);
      }
    }
    out.write('"');
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}

package dev.raftkv.script;

import java.math.BigDecimal;
import java.math.MathContext;

/** Lua 5.1's number formatting as Redis's Lua prints numbers ({@code "%.14g"}). */
final class LuaNumbers {
  private LuaNumbers() {}

  /** C's {@code printf("%.14g", d)}. */
  static String g14(double d) {
    if (Double.isNaN(d)) {
      return Double.doubleToRawLongBits(d) < 0 ? "-nan" : "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0" : "0";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e14) {
      return Long.toString((long) d);
    }
    BigDecimal b = new BigDecimal(d).round(new MathContext(14));
    int exp = b.precision() - b.scale() - 1; // decimal exponent of the first digit
    if (exp < -4 || exp >= 14) {
      BigDecimal mant = b.movePointLeft(exp).stripTrailingZeros();
      String m = mant.toPlainString();
      return m + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
    return b.stripTrailingZeros().toPlainString();
  }

  /**
   * Redis's conversion of a Lua number to an integer reply, a C {@code (long long)} cast on x86:
   * truncation toward zero; NaN and values outside the range become Long.MIN_VALUE.
   */
  static long toLong(double d) {
    if (Double.isNaN(d) || d >= 9.223372036854775807E18 || d < -9.223372036854775808E18) {
      return Long.MIN_VALUE;
    }
    return (long) d;
  }
}

package dev.raftkv.command;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * Scores as Redis 7.0 reads and writes them: C's {@code strtod} grammar (decimal, hexadecimal,
 * {@code inf}/{@code infinity}, case-insensitive) with Redis's two acceptance rules, and C's
 * {@code %.17g} for replies.
 */
final class ZSetDoubles {
  private static final MathContext SEVENTEEN = new MathContext(17, RoundingMode.HALF_EVEN);
  /** {@code (double) (LLONG_MAX / 2)}, the bound of Redis's double2ll. */
  private static final double LL_SAFE = 4611686018427387904.0;

  private ZSetDoubles() {}

  /**
   * A score argument (Redis's string2d): the whole argument must be a number, no leading
   * space, no NaN, and no overflow or underflow to zero. Null when it is not a valid float.
   */
  static Double parseScore(byte[] b) {
    if (b.length == 0 || isSpace(b[0])) {
      return null;
    }
    Scanned s = scan(b, 0, b.length);
    if (s == null || s.end != b.length || Double.isNaN(s.value) || s.overflow || s.underflow) {
      return null;
    }
    return s.value;
  }

  /** {@link #parseScore} or Redis's "not a valid float" error. */
  static double scoreArg(byte[] b) throws CommandError {
    Double d = parseScore(b);
    if (d == null) {
      throw new CommandError("ERR value is not a valid float");
    }
    return d;
  }

  /**
   * One bound of a score range after its optional "(" (Redis's zslParseRange: plain strtod on a
   * C string): leading spaces are skipped, an empty string is 0, overflow gives an infinity, the
   * rest up to the first NUL must be consumed, NaN is refused. Null when invalid.
   */
  static Double parseBound(byte[] b, int from) {
    int end = from;
    while (end < b.length && b[end] != 0) {
      end++;
    }
    Scanned s = scan(b, from, end);
    if (s == null) {
      // no conversion: strtod leaves the end pointer at the start of the string
      return from == end ? 0.0 : null;
    }
    if (s.end != end || Double.isNaN(s.value)) {
      return null;
    }
    return s.value;
  }

  private record Scanned(double value, int end, boolean overflow, boolean underflow) {}

  private static boolean isSpace(byte c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
  }

  private static boolean isDigit(byte[] b, int i, int end) {
    return i < end && b[i] >= '0' && b[i] <= '9';
  }

  private static int hexValue(byte[] b, int i, int end) {
    if (i >= end) {
      return -1;
    }
    int c = b[i];
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  }

  private static boolean word(byte[] b, int i, int end, String lower) {
    if (end - i < lower.length()) {
      return false;
    }
    for (int k = 0; k < lower.length(); k++) {
      if ((b[i + k] | 0x20) != lower.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** The longest prefix of b[from, end) that strtod converts, or null when none. */
  private static Scanned scan(byte[] b, int from, int end) {
    int i = from;
    while (i < end && isSpace(b[i])) {
      i++;
    }
    boolean negative = false;
    if (i < end && (b[i] == '+' || b[i] == '-')) {
      negative = b[i] == '-';
      i++;
    }
    if (word(b, i, end, "inf")) {
      int e = word(b, i, end, "infinity") ? i + 8 : i + 3;
      return new Scanned(negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY, e, false, false);
    }
    if (word(b, i, end, "nan")) {
      // "nan" and "nan(chars)": refused by every caller, so where it ends does not matter
      return new Scanned(Double.NaN, i + 3, false, false);
    }
    StringBuilder num = new StringBuilder(negative ? "-" : "");
    boolean nonZero = false;
    if (i + 1 < end && b[i] == '0' && (b[i + 1] | 0x20) == 'x'
        && (hexValue(b, i + 2, end) >= 0
            || (i + 2 < end && b[i + 2] == '.' && hexValue(b, i + 3, end) >= 0))) {
      num.append("0x");
      int k = i + 2;
      while (hexValue(b, k, end) >= 0) {
        nonZero |= b[k] != '0';
        num.append((char) b[k++]);
      }
      if (k < end && b[k] == '.') {
        num.append('.');
        k++;
        while (hexValue(b, k, end) >= 0) {
          nonZero |= b[k] != '0';
          num.append((char) b[k++]);
        }
      }
      k = exponent(b, k, end, 'p', num);
      if (num.indexOf("p") < 0) {
        num.append("p0");
      }
      return finish(num.toString(), k, nonZero);
    }
    int k = i;
    int digits = 0;
    while (isDigit(b, k, end)) {
      nonZero |= b[k] != '0';
      num.append((char) b[k++]);
      digits++;
    }
    if (k < end && b[k] == '.') {
      int dot = k;
      num.append('.');
      k++;
      while (isDigit(b, k, end)) {
        nonZero |= b[k] != '0';
        num.append((char) b[k++]);
        digits++;
      }
      if (digits == 0) {
        return null; // a lone "." is no number
      }
      if (k == dot + 1) {
        num.append('0');
      }
    }
    if (digits == 0) {
      return null;
    }
    k = exponent(b, k, end, 'e', num);
    return finish(num.toString(), k, nonZero);
  }

  /** Appends an exponent when one with at least one digit follows; returns the new position. */
  private static int exponent(byte[] b, int k, int end, char letter, StringBuilder num) {
    if (k < end && (b[k] | 0x20) == letter) {
      int e = k + 1;
      if (e < end && (b[e] == '+' || b[e] == '-')) {
        e++;
      }
      if (isDigit(b, e, end)) {
        int digitsFrom = e;
        while (isDigit(b, e, end)) {
          e++;
        }
        // huge exponents saturate; keep the string short enough for parseDouble
        String sign = b[k + 1] == '-' ? "-" : "";
        String ds = new String(b, digitsFrom, e - digitsFrom, StandardCharsets.US_ASCII)
            .replaceFirst("^0+(?=.)", "");
        if (ds.length() > 9) {
          ds = "999999999";
        }
        num.append(letter).append(sign).append(ds);
        return e;
      }
    }
    return k;
  }

  private static Scanned finish(String num, int end, boolean nonZero) {
    double v = Double.parseDouble(num);
    boolean overflow = Double.isInfinite(v);
    boolean underflow = v == 0 && nonZero;
    return new Scanned(v, end, overflow, underflow);
  }

  /** C's {@code %.17g}, with Redis's "inf" and "-inf": how Redis 7.0 writes a score in a reply. */
  static String format(double d) {
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0" : "0";
    }
    BigDecimal r = new BigDecimal(d).round(SEVENTEEN);
    String digits = r.unscaledValue().abs().toString();
    int exp = digits.length() - 1 - r.scale();
    int last = digits.length();
    while (last > 1 && digits.charAt(last - 1) == '0') {
      last--;
    }
    digits = digits.substring(0, last);
    StringBuilder sb = new StringBuilder(d < 0 ? "-" : "");
    if (exp < -4 || exp >= 17) {
      sb.append(digits.charAt(0));
      if (digits.length() > 1) {
        sb.append('.').append(digits, 1, digits.length());
      }
      int a = Math.abs(exp);
      sb.append('e').append(exp < 0 ? '-' : '+').append(a < 10 ? "0" : "").append(a);
    } else if (exp >= 0) {
      if (digits.length() <= exp + 1) {
        sb.append(digits).append("0".repeat(exp + 1 - digits.length()));
      } else {
        sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
      }
    } else {
      sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
    }
    return sb.toString();
  }

  /**
   * How Redis 7.0 stores a score in a small sorted set (listpack) and so shows it in ZSCAN: an
   * integral value within ±2^62 as an integer, anything else as {@link #format}.
   */
  static String formatStored(double d) {
    if (d >= -LL_SAFE && d <= LL_SAFE && d == Math.rint(d)) {
      return Long.toString((long) d);
    }
    return format(d);
  }

  /** The score a sorted set keeps: -0 becomes 0, as Redis's compact encoding stores it. */
  static double stored(double d) {
    return d == 0 ? 0.0 : d;
  }
}

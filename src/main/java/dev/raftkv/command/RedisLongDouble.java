package dev.raftkv.command;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * INCRBYFLOAT's and HINCRBYFLOAT's arithmetic: Redis computes in C {@code long double}, which on x86-64 is the x87
 * 80-bit extended format (64-bit significand, exponents down to subnormals at 2^-16445), parses with
 * {@code strtold} and prints with {@code %.17Lf} before trimming trailing zeros. This class
 * emulates that exactly with big numbers: every value is held as the exact {@link BigDecimal} of a
 * long double, and each parse and each addition rounds once, to nearest with ties to even, as the
 * FPU does. It never touches a floating-point unit, so every replica gets the same bytes.
 */
final class RedisLongDouble {
  /** Sentinels (compared by identity) for a parsed "inf" / "-inf". */
  static final BigDecimal POSITIVE_INFINITY = new BigDecimal(1);
  static final BigDecimal NEGATIVE_INFINITY = new BigDecimal(-1);

  /** Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses anything this long or longer. */
  static final int MAX_CHARS = 5 * 1024;
  private static final int SIGNIFICAND_BITS = 64;
  /** Exponent of the lowest significand bit of the smallest (subnormal) values. */
  private static final int MIN_EXPONENT = -16445;
  /** Exponent of the lowest significand bit of the largest finite values. */
  private static final int MAX_EXPONENT = 16383 - 63;

  private RedisLongDouble() {}

  /**
   * Redis's string2ld: the long double {@code strtold} reads from the whole string, or null when
   * Redis refuses it (empty, leading space, trailing junk, NaN, overflow, underflow to zero). A
   * literal infinity is returned as one of the sentinels.
   */
  static BigDecimal parse(byte[] s) {
    int n = s.length;
    if (n == 0 || n >= MAX_CHARS || isSpace(s[0])) {
      return null;
    }
    int i = 0;
    boolean negative = false;
    if (s[0] == '+' || s[0] == '-') {
      negative = s[0] == '-';
      i = 1;
    }
    String rest = new String(s, i, n - i, java.nio.charset.StandardCharsets.ISO_8859_1);
    String lower = rest.toLowerCase(java.util.Locale.ROOT);
    if (lower.equals("inf") || lower.equals("infinity")) {
      return negative ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
    }
    BigDecimal v;
    if (lower.startsWith("0x")) {
      v = parseHex(lower.substring(2));
    } else {
      v = parseDecimal(lower);
    }
    if (v == null) {
      return null;
    }
    return negative ? v.negate() : v;
  }

  private static boolean isSpace(byte c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int hexDigit(char c) {
    if (digit(c)) {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }

  /** An optionally signed decimal exponent running to the end, clamped to +-10^9; null if malformed. */
  private static Long exponent(String s, int from) {
    int i = from;
    boolean negative = false;
    if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      negative = s.charAt(i) == '-';
      i++;
    }
    if (i == s.length()) {
      return null;
    }
    long e = 0;
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!digit(c)) {
        return null;
      }
      e = Math.min(1_000_000_000L, e * 10 + (c - '0'));
    }
    return negative ? -e : e;
  }

  private static BigDecimal parseDecimal(String s) {
    StringBuilder digits = new StringBuilder();
    int i = 0;
    int fraction = 0;
    boolean any = false;
    while (i < s.length() && digit(s.charAt(i))) {
      digits.append(s.charAt(i++));
      any = true;
    }
    if (i < s.length() && s.charAt(i) == '.') {
      i++;
      while (i < s.length() && digit(s.charAt(i))) {
        digits.append(s.charAt(i++));
        fraction++;
        any = true;
      }
    }
    if (!any) {
      return null;
    }
    long exp = 0;
    if (i < s.length()) {
      if (s.charAt(i) != 'e') {
        return null;
      }
      Long e = exponent(s, i + 1);
      if (e == null) {
        return null;
      }
      exp = e;
    }
    BigInteger m = new BigInteger(digits.toString());
    if (m.signum() == 0) {
      return BigDecimal.ZERO;
    }
    long e10 = exp - fraction;
    long magnitude = e10 + m.toString().length(); // 10^(magnitude-1) <= value < 10^magnitude
    if (magnitude > 4934) {
      return null; // above the largest long double (about 1.19e4932): strtold's HUGE_VAL
    }
    if (magnitude < -4952) {
      return null; // below half the smallest subnormal (about 3.6e-4951): rounds to 0, ERANGE
    }
    BigInteger num = m;
    BigInteger den = BigInteger.ONE;
    if (e10 >= 0) {
      num = m.multiply(BigInteger.TEN.pow((int) e10));
    } else {
      den = BigInteger.TEN.pow((int) -e10);
    }
    BigDecimal r = round(num, den);
    return r == null || r.signum() == 0 ? null : r;
  }

  private static BigDecimal parseHex(String s) {
    BigInteger m = BigInteger.ZERO;
    int i = 0;
    int fraction = 0;
    boolean any = false;
    while (i < s.length() && hexDigit(s.charAt(i)) >= 0) {
      m = m.shiftLeft(4).add(BigInteger.valueOf(hexDigit(s.charAt(i++))));
      any = true;
    }
    if (i < s.length() && s.charAt(i) == '.') {
      i++;
      while (i < s.length() && hexDigit(s.charAt(i)) >= 0) {
        m = m.shiftLeft(4).add(BigInteger.valueOf(hexDigit(s.charAt(i++))));
        fraction++;
        any = true;
      }
    }
    if (!any) {
      return null;
    }
    long exp = 0;
    if (i < s.length()) {
      if (s.charAt(i) != 'p') {
        return null;
      }
      Long e = exponent(s, i + 1);
      if (e == null) {
        return null;
      }
      exp = e;
    }
    if (m.signum() == 0) {
      return BigDecimal.ZERO;
    }
    long e2 = exp - 4L * fraction;
    long magnitude = e2 + m.bitLength(); // 2^(magnitude-1) <= value < 2^magnitude
    if (magnitude > 16385) {
      return null;
    }
    if (magnitude < MIN_EXPONENT - 1) {
      return null;
    }
    BigInteger num = m;
    BigInteger den = BigInteger.ONE;
    if (e2 >= 0) {
      num = m.shiftLeft((int) e2);
    } else {
      den = BigInteger.ONE.shiftLeft((int) -e2);
    }
    BigDecimal r = round(num, den);
    return r == null || r.signum() == 0 ? null : r;
  }

  /**
   * Rounds the positive fraction num/den to the nearest long double, ties to even. Returns its
   * exact value, zero on underflow, null on overflow.
   */
  private static BigDecimal round(BigInteger num, BigInteger den) {
    // e: the exponent of the significand's lowest bit, so that 2^63 <= num / (den * 2^e) < 2^64
    int e = num.bitLength() - den.bitLength() - SIGNIFICAND_BITS;
    while (true) {
      int bits = quotient(num, den, e)[0].bitLength();
      if (bits > SIGNIFICAND_BITS) {
        e++;
      } else if (bits < SIGNIFICAND_BITS) {
        e--;
      } else {
        break;
      }
    }
    if (e < MIN_EXPONENT) {
      e = MIN_EXPONENT; // subnormal: fewer significant bits
    }
    BigInteger[] qr = quotient(num, den, e);
    BigInteger q = qr[0];
    BigInteger divisor = e >= 0 ? den.shiftLeft(e) : den;
    int half = qr[1].shiftLeft(1).compareTo(divisor);
    if (half > 0 || (half == 0 && q.testBit(0))) {
      q = q.add(BigInteger.ONE);
    }
    if (q.bitLength() > SIGNIFICAND_BITS) {
      q = q.shiftRight(1);
      e++;
    }
    if (q.signum() == 0) {
      return BigDecimal.ZERO;
    }
    if (e > MAX_EXPONENT) {
      return null;
    }
    if (e >= 0) {
      return new BigDecimal(q.shiftLeft(e));
    }
    // q * 2^e == q * 5^-e / 10^-e
    return new BigDecimal(q.multiply(BigInteger.valueOf(5).pow(-e)), -e);
  }

  /** {floor, remainder} of num / (den * 2^e). */
  private static BigInteger[] quotient(BigInteger num, BigInteger den, int e) {
    if (e >= 0) {
      return num.divideAndRemainder(den.shiftLeft(e));
    }
    return num.shiftLeft(-e).divideAndRemainder(den);
  }

  /** The long double sum of two long doubles, or null when it overflows to infinity. */
  /** Whether a parsed value is one of the two infinities. */
  static boolean isInfinite(BigDecimal v) {
    return v == POSITIVE_INFINITY || v == NEGATIVE_INFINITY;
  }

  static BigDecimal add(BigDecimal a, BigDecimal b) {
    BigDecimal exact = a.add(b);
    if (exact.signum() == 0) {
      return BigDecimal.ZERO;
    }
    BigInteger u = exact.unscaledValue().abs();
    int scale = exact.scale();
    BigDecimal r;
    if (scale <= 0) {
      r = round(u.multiply(BigInteger.TEN.pow(-scale)), BigInteger.ONE);
    } else {
      r = round(u, BigInteger.TEN.pow(scale));
    }
    if (r == null) {
      return null;
    }
    return exact.signum() < 0 ? r.negate() : r;
  }

  /** Redis's ld2string(LD_STR_HUMAN): %.17Lf, trailing zeros and point removed, "-0" as "0". */
  static String format(BigDecimal v) {
    String s = v.setScale(17, RoundingMode.HALF_EVEN).toPlainString();
    int end = s.length();
    while (s.charAt(end - 1) == '0') {
      end--;
    }
    if (s.charAt(end - 1) == '.') {
      end--;
    }
    s = s.substring(0, end);
    return s.equals("-0") ? "0" : s;
  }
}

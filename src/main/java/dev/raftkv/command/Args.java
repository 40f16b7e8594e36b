package dev.raftkv.command;

import java.nio.charset.StandardCharsets;

/** Parsing helpers with Redis's rules and error texts. */
public final class Args {
  private Args() {}

  public static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  public static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static boolean is(byte[] arg, String lowerAscii) {
    if (arg.length != lowerAscii.length()) {
      return false;
    }
    for (int i = 0; i < arg.length; i++) {
      int c = arg[i];
      if (c >= 'A' && c <= 'Z') {
        c += 32;
      }
      if (c != lowerAscii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Redis's string2ll: optional '-', no '+', no leading zeros, no spaces, within 64 bits. */
  public static Long parseLong(byte[] b) {
    int n = b.length;
    if (n == 0 || n > 20) {
      return null;
    }
    int i = 0;
    boolean negative = false;
    if (b[0] == '-') {
      negative = true;
      i = 1;
      if (n == 1) {
        return null;
      }
    }
    if (b[i] == '0') {
      return n == 1 ? 0L : null;
    }
    long v = 0;
    for (; i < n; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        return null;
      }
      if (v < (Long.MIN_VALUE + d) / 10) {
        return null;
      }
      v = v * 10 - d; // accumulate negatively to reach Long.MIN_VALUE
    }
    if (!negative) {
      if (v == Long.MIN_VALUE) {
        return null;
      }
      v = -v;
    }
    return v;
  }

  public static long longArg(byte[] b) throws CommandError {
    Long v = parseLong(b);
    if (v == null) {
      throw new CommandError(CommandError.NOT_INTEGER);
    }
    return v;
  }

  /**
   * Redis's index range over {@code n} elements (LRANGE, LTRIM, ZRANGE by rank, ZREMRANGEBYRANK):
   * negative indexes count from the end, the start is clamped at 0 and the end at n - 1.
   *
   * @return the inclusive {start, end}, or null when the range selects nothing
   */
  public static long[] indexRange(long start, long end, long n) {
    if (start < 0) {
      start += n;
    }
    if (end < 0) {
      end += n;
    }
    if (start < 0) {
      start = 0;
    }
    if (start > end || start >= n) {
      return null;
    }
    return new long[] {start, Math.min(end, n - 1)};
  }

  /**
   * A SCAN/HSCAN/SSCAN/ZSCAN cursor, parsed like Redis's parseScanCursorOrReply: strtoul, so a
   * sign is accepted and "-1" is 2^64-1; no leading space; the string ends at a NUL.
   */
  public static long scanCursor(byte[] b) throws CommandError {
    CommandError invalid = new CommandError("ERR invalid cursor");
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++; // C stops at the first NUL
    }
    if (n > 0 && (b[0] == ' ' || (b[0] >= '\t' && b[0] <= '\r'))) {
      throw invalid;
    }
    int i = 0;
    boolean negative = false;
    if (i < n && (b[i] == '+' || b[i] == '-')) {
      negative = b[i] == '-';
      i++;
    }
    if (i == n) {
      if (n == 0) {
        return 0; // strtoul("") is 0 with nothing left over
      }
      throw invalid;
    }
    long v = 0;
    for (; i < n; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw invalid;
      }
      long next = v * 10 + d;
      if (Long.compareUnsigned(v, Long.divideUnsigned(-1L, 10)) > 0
          || Long.compareUnsigned(next, v * 10) < 0) {
        throw invalid; // ERANGE
      }
      v = next;
    }
    return negative ? -v : v;
  }
}

package dev.raftkv.command;

/**
 * Redis glob matching (KEYS, SCAN MATCH, HSCAN/SSCAN/ZSCAN MATCH, ACL key patterns, CONFIG GET):
 * {@code * ? [abc] [^a] [a-z] \x}, over bytes, with the results of Redis 7.0's
 * {@code stringmatchlen} (util.c, case-sensitive), including its corner cases:
 * <ul>
 *   <li>an empty string matches only the empty pattern ({@code *} does not match it: the C loop
 *       never runs; KEYS and SCAN answer a bare {@code *} without the matcher, so the empty key
 *       is still listed by {@code KEYS *});
 *   <li>a class without its closing {@code ]} runs to the end of the pattern ({@code [ab} is
 *       {@code [ab]}; {@code [} alone matches nothing, {@code [^} any byte);
 *   <li>{@code ]} right after {@code [} or {@code [^} closes the class ({@code []} matches
 *       nothing, {@code [^]} any byte); {@code ^} negates only as the first byte of a class;
 *   <li>{@code \x} is a literal x, in a class too; a {@code \} that ends the pattern is a literal
 *       backslash;
 *   <li>{@code a-b} in a class is a range when two more bytes follow the {@code a} (so
 *       {@code [a-]} is the range from {@code a} to {@code ]}, unclosed); a reversed range
 *       {@code [z-a]} is {@code [a-z]}; bounds compare as C's signed {@code char} (x86-64, where
 *       Redis runs: {@code [a-\xff]} is {@code -1..'a'}, bytes 0x00-0x61 and 0xff);
 *   <li>a pattern needing more than 1000 nested {@code *} (more than 1000 runs of {@code *} that
 *       are followed by more pattern) matches nothing, like newer Redis's nesting limit
 *       (CVE-2024-31228), which this matcher kept before it was made iterative.
 * </ul>
 *
 * <p>The cost is bounded: the pattern is compiled once into one-byte tests (a class becomes a
 * 256-bit set) and the match is the iterative wildcard algorithm that backtracks only to the
 * last {@code *}: at most {@code O(pattern tokens * string length)} steps per string, whatever
 * the pattern (the recursive matcher this replaces was exponential in the number of {@code *},
 * e.g. {@code a*a*...a*b} against a run of {@code a}s, and froze the peer that ran it).
 * Correct because every token other than {@code *} matches exactly one byte: if the part of
 * the pattern after the last {@code *} seen cannot match at some position, a later start for it
 * is the only choice left, and earlier {@code *}s consuming more cannot help (the same argument
 * as Redis 7's {@code skipLongerMatches}).
 */
public final class Glob {
  private static final byte STAR = 0;
  private static final byte ANY = 1;
  private static final byte BYTE = 2;
  private static final byte SET = 3;
  /** Non-trailing runs of {@code *} beyond which Redis's nesting limit refuses the match. */
  private static final int MAX_NESTING = 1000;

  private final int length;
  private final boolean empty;
  private final boolean refused;
  private final byte[] kind;
  /** The byte of a {@link #BYTE} token; for a {@link #SET} token, the index of its set. */
  private final int[] arg;
  /** Four 64-bit words per class: bit {@code b} set when byte {@code b} (unsigned) is in it. */
  private final long[] sets;

  private Glob(byte[] p) {
    int n = p.length;
    byte[] k = new byte[n];
    int[] a = new int[n];
    long[] s = new long[0];
    int count = 0;
    int classes = 0;
    int starRuns = 0;
    int i = 0;
    while (i < n) {
      byte c = p[i];
      if (c == '*') {
        while (i < n && p[i] == '*') {
          i++;
        }
        if (i < n) {
          starRuns++; // Redis recurses one level deeper for the rest of the pattern
        }
        k[count++] = STAR;
      } else if (c == '?') {
        k[count++] = ANY;
        i++;
      } else if (c == '[') {
        if (4 * (classes + 1) > s.length) {
          s = java.util.Arrays.copyOf(s, Math.max(16, 2 * s.length));
        }
        i = parseClass(p, i + 1, s, 4 * classes);
        k[count] = SET;
        a[count++] = classes++;
      } else if (c == '\\' && i + 1 < n) {
        k[count] = BYTE;
        a[count++] = p[i + 1];
        i += 2;
      } else {
        k[count] = BYTE; // also a backslash that ends the pattern
        a[count++] = c;
        i++;
      }
    }
    length = count;
    empty = n == 0;
    refused = starRuns > MAX_NESTING;
    kind = k;
    arg = a;
    sets = s;
  }

  /**
   * Parses the class whose body starts at {@code i} (just after {@code [}) into the four words
   * at {@code sets[w]}, walking it exactly as Redis's loop does; returns the index after it.
   */
  private static int parseClass(byte[] p, int i, long[] sets, int w) {
    int n = p.length;
    boolean not = i < n && p[i] == '^';
    if (not) {
      i++;
    }
    while (true) {
      if (i < n && p[i] == '\\' && n - i >= 2) {
        add(sets, w, p[i + 1], p[i + 1]);
        i += 2;
      } else if (i < n && p[i] == ']') {
        i++;
        break;
      } else if (i >= n) {
        break; // no closing ']': the class is the rest of the pattern
      } else if (n - i >= 3 && p[i + 1] == '-') {
        int lo = p[i]; // signed, as C's char on x86-64
        int hi = p[i + 2];
        if (lo > hi) {
          int t = lo;
          lo = hi;
          hi = t;
        }
        add(sets, w, lo, hi);
        i += 3;
      } else {
        add(sets, w, p[i], p[i]);
        i++;
      }
    }
    if (not) {
      for (int j = 0; j < 4; j++) {
        sets[w + j] = ~sets[w + j];
      }
    }
    return i;
  }

  /** Adds the signed byte values {@code lo..hi} to the set at {@code w}. */
  private static void add(long[] sets, int w, int lo, int hi) {
    for (int v = lo; v <= hi; v++) {
      int b = v & 0xff;
      sets[w + (b >>> 6)] |= 1L << (b & 63);
    }
  }

  /** The pattern compiled once, to match many strings (KEYS, SCAN). */
  public static Glob compile(byte[] pattern) {
    return new Glob(pattern);
  }

  public static boolean matches(byte[] pattern, byte[] string) {
    return compile(pattern).matches(string);
  }

  private boolean one(int t, byte c) {
    switch (kind[t]) {
      case ANY:
        return true;
      case BYTE:
        return arg[t] == c;
      default:
        int b = c & 0xff;
        return (sets[4 * arg[t] + (b >>> 6)] & (1L << (b & 63))) != 0;
    }
  }

  public boolean matches(byte[] s) {
    int n = s.length;
    if (n == 0) {
      return empty; // Redis: only the empty pattern matches the empty string
    }
    if (refused) {
      return false;
    }
    int pi = 0;
    int si = 0;
    int star = -1; // the token after the last '*' seen
    int resume = 0; // where the part after it is tried next
    while (si < n) {
      if (pi < length && kind[pi] == STAR) {
        star = ++pi;
        resume = si;
      } else if (pi < length && one(pi, s[si])) {
        pi++;
        si++;
      } else if (star >= 0) {
        pi = star;
        si = ++resume; // the last '*' takes one more byte
      } else {
        return false;
      }
    }
    while (pi < length && kind[pi] == STAR) {
      pi++;
    }
    return pi == length;
  }
}

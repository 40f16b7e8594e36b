package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Glob gives Redis 7.0's stringmatchlen results (each case is also checked against a line by line
 * port of it, {@link #redis}), in bounded time whatever the pattern.
 */
class GlobTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1); // one byte per char: "\u00ff" is 0xff
  }

  private static String show(byte[] x) {
    StringBuilder sb = new StringBuilder("\"");
    for (byte c : x) {
      int v = c & 0xff;
      sb.append(v >= 0x20 && v < 0x7f ? String.valueOf((char) v) : String.format("\\x%02x", v));
    }
    return sb.append('"').toString();
  }

  private static void check(String pattern, String string, boolean expected) {
    byte[] p = b(pattern);
    byte[] s = b(string);
    String what = show(p) + " against " + show(s);
    assertEquals(expected, redis(p, s), "the Redis port disagrees with the expectation: " + what);
    assertEquals(expected, Glob.matches(p, s), what);
    assertEquals(expected, Glob.compile(p).matches(s), "compiled: " + what);
  }

  @Test
  void emptyStringsAndStars() {
    check("", "", true);
    check("", "a", false);
    check("*", "", false); // the C loop never runs: KEYS/SCAN answer a bare '*' without the matcher
    check("**", "", false);
    check("?", "", false);
    check("a", "", false);
    check("[^]", "", false);
    check("*", "anything", true);
    check("*", "a", true);
    check("**", "ab", true);
    check("a*", "a", true);
    check("a**", "a", true);
    check("a***", "abc", true);
    check("*a", "a", true);
    check("*a", "ba", true);
    check("*a", "ab", false);
    check("a*b", "ab", true);
    check("a*b", "axxb", true);
    check("a*b", "axxbc", false);
    check("a*b", "abab", true);
    check("a*b*c", "abbbc", true);
    check("a*b*c", "acb", false);
    check("*a*", "bab", true);
    check("*a*", "bbb", false);
    check("*?*", "a", true);
    check("*?*", "", false);
    check("?*?", "a", false);
    check("?*?", "ab", true);
    check("user:*:name", "user:42:name", true);
    check("user:*:name", "user:42:mail", false);
    check("user:*:name", "user::name", true);
    check("*:*:*", "a:b", false);
    check("*x*x*x", "xxx", true);
    check("*x*x*x", "xx", false);
  }

  @Test
  void questionMarksAndLiterals() {
    check("h?llo", "hello", true);
    check("h?llo", "hallo", true);
    check("h?llo", "hllo", false);
    check("h?llo", "heello", false);
    check("??", "a", false);
    check("?", "ab", false);
    check("abc", "abc", true);
    check("abc", "abd", false);
    check("abc", "ab", false);
    check("ab", "abc", false);
    check("ABC", "abc", false); // case-sensitive
    check("a\u0000b", "a\u0000b", true); // binary safe
    check("a\u0000b", "a", false);
    check("*\u0000", "x\u0000", true);
    check("\u00ff*", "\u00ffz", true);
  }

  @Test
  void classes() {
    check("h[ae]llo", "hallo", true);
    check("h[ae]llo", "hello", true);
    check("h[ae]llo", "hillo", false);
    check("h[^e]llo", "hallo", true);
    check("h[^e]llo", "hello", false);
    check("h[a-b]llo", "hbllo", true);
    check("h[a-b]llo", "hcllo", false);
    check("[a-c][0-9]", "b7", true);
    check("[a-c][0-9]", "d7", false);
    check("[abc]", "ab", false); // one byte
    // a reversed range is the same range
    check("[z-a]", "m", true);
    check("[z-a]", "a", true);
    check("[z-a]", "z", true);
    check("[z-a]", "A", false);
    check("[^z-a]", "m", false);
    check("[^z-a]", "A", true);
    // '^' negates only as the first byte
    check("[a^]", "^", true);
    check("[a^]", "b", false);
    check("[^^]", "^", false);
    check("[^^]", "a", true);
    // ']' right after '[' or "[^" closes the class
    check("[]", "]", false);
    check("[]", "a", false);
    check("[]a]", "a]", false);
    check("[^]", "x", true);
    check("[^]", "]", true);
    check("[^]]", "x]", true);
    check("[^]]", "x", false);
    // '-' first or last is not a range ... unless two bytes follow it ("[a-]" is a..']')
    check("[-a]", "-", true);
    check("[-a]", "a", true);
    check("[-a]", "b", false);
    check("[a-]", "]", true);
    check("[a-]", "^", true);
    check("[a-]", "a", true);
    check("[a-]", "-", false);
    check("[a-]", "b", false);
    check("[a-]x", "x", true); // the range took the ']': the class runs to the end
    check("[a-]]", "]", true); // the range, then ']' closes
    check("[--0]", "/", true);
    check("[--0]", "1", false);
    check("[a-c-e]", "-", true); // a-c, then '-', then 'e'
    check("[a-c-e]", "d", false);
    check("[a-c-e]", "e", true);
    // bounds compare as C's signed char (x86-64)
    check("[a-\u00ff]", "\u00ff", true);
    check("[a-\u00ff]", "\u0000", true);
    check("[a-\u00ff]", "a", true);
    check("[a-\u00ff]", "b", false);
    check("[a-\u00ff]", "\u0080", false);
    check("[\u0080-\u00ff]", "\u0090", true);
    check("[\u0080-\u00ff]", "\u00ff", true);
    check("[\u0080-\u00ff]", "a", false);
    check("[\u0000-\u007f]", "\u0080", false);
    check("[\u0000-\u007f]", "\u007f", true);
    check("[\u00e9]", "\u00e9", true);
    check("[^\u00e9]", "\u00e9", false);
  }

  @Test
  void unclosedClassesRunToTheEnd() {
    check("[", "[", false);
    check("[", "", false);
    check("[ab", "b", true);
    check("[ab", "[", false);
    check("[ab", "ab", false);
    check("x[ab", "xa", true);
    check("x[ab", "x", false);
    check("[^", "q", true);
    check("[^", "", false);
    check("[^", "qq", false);
    check("[^a", "a", false);
    check("[^a", "b", true);
    check("[a-", "a", true);
    check("[a-", "-", true); // too short for a range: 'a' and '-'
    check("*[", "x", false);
    check("*[^", "xy", true);
    check("[*", "*", true); // '*' in a class is a byte
    check("[*", "ab", false);
  }

  @Test
  void escapes() {
    check("a\\*b", "a*b", true);
    check("a\\*b", "axb", false);
    check("a\\*b", "ab", false);
    check("\\?", "?", true);
    check("\\?", "x", false);
    check("\\[a]", "[a]", true);
    check("\\[a]", "a", false);
    check("\\a", "a", true);
    check("\\", "\\", true); // a backslash ending the pattern is a literal backslash
    check("a\\", "a\\", true);
    check("a\\", "a", false);
    check("\\\\", "\\", true);
    check("\\\\*", "\\xyz", true);
    check("*\\*", "abc*", true);
    check("*\\*", "abc", false);
    check("[\\]]", "]", true);
    check("[\\]]", "\\", false);
    check("[\\", "\\", true); // in a class too
    check("[a\\-z]", "-", true); // an escaped '-' is not a range
    check("[a\\-z]", "b", false);
    check("[a\\-z]", "z", true);
    check("[\\^a]", "^", true);
    check("[\\^a]", "b", false);
    check("[\\]", "]", true); // "\]" is an escaped ']': the class is unclosed and holds ']'...
    check("[\\]", "\\", false); // ... and nothing else
    check("[\\]a", "a", true);
  }

  @Test
  void moreThanAThousandNestedStarsMatchNothing() {
    String star1000 = "*a".repeat(1000); // 1000 runs of '*' with more pattern after them
    String a1000 = "a".repeat(1000);
    check(star1000, a1000, true);
    check(star1000 + "*", a1000, true); // a trailing run does not count
    check("*a".repeat(1001), a1000 + "a", false);
    check("*a".repeat(1001), "a".repeat(3000), false);
    check("a*".repeat(1001), a1000 + "a", true); // the last run is trailing: 1000 count
    check("a*".repeat(1002), "a".repeat(1002), false);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void patternMatchingLongNestedLoopsIsQuick() {
    // Redis's regression test "pattern matching long nested loops": the old matcher was
    // exponential in the number of '*' and froze the peer on the 40-byte key
    byte[] pattern = b("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
    assertFalse(Glob.matches(pattern, b("a".repeat(40))));
    assertFalse(Glob.matches(pattern, b("a".repeat(10_000))));
    assertTrue(Glob.matches(pattern, b("a".repeat(10_000) + "b")));
    Glob compiled = Glob.compile(pattern);
    for (int i = 0; i < 1000; i++) {
      assertFalse(compiled.matches(b("a".repeat(40 + i))));
    }
    // CVE-2024-31228's test: many nested '*?' against a short key
    assertFalse(Glob.matches(b("*?".repeat(50_000)), b("a".repeat(100))));
    // 500 stars against 10,000 bytes: at most tokens x length steps
    assertFalse(Glob.matches(b("a*".repeat(500) + "b"), b("a".repeat(10_000))));
    assertFalse(Glob.matches(b("*a".repeat(500) + "*b"), b("a".repeat(10_000))));
    assertFalse(Glob.matches(b("*[ab]?".repeat(400) + "c"), b("ab".repeat(5_000))));
  }

  /** Every pattern of up to 4 bytes over the syntax bytes, against every short string. */
  @Test
  void exhaustivelyLikeRedisOnShortInputs() {
    byte[] pa = b("a*?[]^-\\\u00ff");
    byte[] sa = b("a]-\\\u00ff");
    int checked = 0;
    for (int plen = 0; plen <= 4; plen++) {
      for (byte[] p : all(pa, plen)) {
        Glob g = Glob.compile(p);
        for (int slen = 0; slen <= 3; slen++) {
          for (byte[] s : all(sa, slen)) {
            assertEquals(redis(p, s), g.matches(s), () -> show(p) + " against " + show(s));
            checked++;
          }
        }
      }
    }
    assertTrue(checked > 1_000_000, "checked " + checked);
  }

  @Test
  void randomlyLikeRedis() {
    Random rnd = new Random(20240705);
    byte[] pa = b("ab*?[]^-\\\u0000\u0080\u00ff");
    byte[] sa = b("ab]^-\\*\u0000\u0080\u00ff");
    for (int n = 0; n < 300_000; n++) {
      byte[] p = random(rnd, pa, rnd.nextInt(12));
      byte[] s = random(rnd, sa, rnd.nextInt(12));
      assertEquals(redis(p, s), Glob.matches(p, s), () -> show(p) + " against " + show(s));
    }
  }

  private static byte[] random(Random rnd, byte[] alphabet, int len) {
    byte[] x = new byte[len];
    for (int i = 0; i < len; i++) {
      x[i] = alphabet[rnd.nextInt(alphabet.length)];
    }
    return x;
  }

  private static java.util.List<byte[]> all(byte[] alphabet, int len) {
    java.util.List<byte[]> out = new java.util.ArrayList<>();
    int total = (int) Math.pow(alphabet.length, len);
    for (int code = 0; code < total; code++) {
      byte[] x = new byte[len];
      int c = code;
      for (int i = 0; i < len; i++) {
        x[i] = alphabet[c % alphabet.length];
        c /= alphabet.length;
      }
      out.add(x);
    }
    return out;
  }

  // ---- the reference: Redis's stringmatchlen_impl (util.c), nocase = 0 -----------------------
  // 7.0's code (skipLongerMatches) plus newer Redis's nesting limit, kept in the C's shape; a read
  // at or past the pattern's end sees the NUL that terminates a C string. Java's byte is signed
  // like C's char on x86-64.

  private static boolean redis(byte[] pattern, byte[] string) {
    boolean[] skipLongerMatches = {false};
    return impl(pattern, 0, pattern.length, string, 0, string.length, skipLongerMatches, 0);
  }

  private static byte at(byte[] x, int i) {
    return i < x.length ? x[i] : 0;
  }

  @SuppressWarnings("fallthrough")
  private static boolean impl(byte[] pat, int p, int patternLen, byte[] str, int s, int stringLen,
      boolean[] skipLongerMatches, int nesting) {
    if (nesting > 1000) {
      return false;
    }
    while (patternLen > 0 && stringLen > 0) {
      switch (at(pat, p)) {
        case '*':
          while (patternLen > 0 && at(pat, p + 1) == '*') {
            p++;
            patternLen--;
          }
          if (patternLen == 1) {
            return true;
          }
          while (stringLen > 0) {
            if (impl(pat, p + 1, patternLen - 1, str, s, stringLen, skipLongerMatches, nesting + 1)) {
              return true;
            }
            if (skipLongerMatches[0]) {
              return false;
            }
            s++;
            stringLen--;
          }
          skipLongerMatches[0] = true;
          return false;
        case '?':
          s++;
          stringLen--;
          break;
        case '[': {
          p++;
          patternLen--;
          boolean not = at(pat, p) == '^';
          if (not) {
            p++;
            patternLen--;
          }
          boolean match = false;
          while (true) {
            if (at(pat, p) == '\\' && patternLen >= 2) {
              p++;
              patternLen--;
              if (at(pat, p) == str[s]) {
                match = true;
              }
            } else if (at(pat, p) == ']') {
              break;
            } else if (patternLen == 0) {
              p--;
              patternLen++;
              break;
            } else if (patternLen >= 3 && at(pat, p + 1) == '-') {
              int start = at(pat, p);
              int end = at(pat, p + 2);
              int c = str[s];
              if (start > end) {
                int t = start;
                start = end;
                end = t;
              }
              p += 2;
              patternLen -= 2;
              if (c >= start && c <= end) {
                match = true;
              }
            } else if (at(pat, p) == str[s]) {
              match = true;
            }
            p++;
            patternLen--;
          }
          if (not) {
            match = !match;
          }
          if (!match) {
            return false;
          }
          s++;
          stringLen--;
          break;
        }
        case '\\':
          if (patternLen >= 2) {
            p++;
            patternLen--;
          }
          // fall through
        default:
          if (at(pat, p) != str[s]) {
            return false;
          }
          s++;
          stringLen--;
          break;
      }
      p++;
      patternLen--;
      if (stringLen == 0) {
        while (at(pat, p) == '*') {
          p++;
          patternLen--;
        }
        break;
      }
    }
    return patternLen == 0 && stringLen == 0;
  }
}

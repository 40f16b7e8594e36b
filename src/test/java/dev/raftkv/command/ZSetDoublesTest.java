package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Score parsing and formatting. The expected strings are what redis-server 7.0.15 answered to
 * ZADD then ZSCORE (and ZSCAN for the stored form) with the same input.
 */
class ZSetDoublesTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String viaRedis(String input) {
    return ZSetDoubles.format(ZSetDoubles.parseScore(b(input)));
  }

  @Test
  void scoresAreWrittenLikeRedis70() {
    String[][] cases = {
        {"1", "1"}, {"1.5", "1.5"}, {"0.1", "0.10000000000000001"}, {"1e20", "1e+20"},
        {"inf", "inf"}, {"-inf", "-inf"}, {"-0", "-0"}, {"0", "0"}, {"1e15", "1000000000000000"},
        {"1e16", "10000000000000000"}, {"1e17", "1e+17"},
        {"123456789012345678", "1.2345678901234568e+17"}, {"0.000001", "9.9999999999999995e-07"},
        {"0.0000001", "9.9999999999999995e-08"}, {"1e-5", "1.0000000000000001e-05"},
        {"3.14159", "3.1415899999999999"}, {"-2.5e-10", "-2.5000000000000002e-10"},
        {"1.7976931348623157e308", "1.7976931348623157e+308"},
        {"4.9e-324", "4.9406564584124654e-324"}, {"0x1p-3", "0.125"}, {".5", "0.5"}, {"5.", "5"},
        {"+5", "5"}, {"1E3", "1000"}, {"Infinity", "inf"}, {"-INF", "-inf"}, {"0x10", "16"},
        {"0.0001", "0.0001"}, {"100", "100"},
    };
    for (String[] c : cases) {
      assertEquals(c[1], viaRedis(c[0]), c[0]);
    }
  }

  @Test
  void theStoredFormIsAnIntegerWhenExactLikeRedisCompactEncoding() {
    assertEquals("100000000000000000", ZSetDoubles.formatStored(1e17));
    assertEquals("123456789012345680", ZSetDoubles.formatStored(123456789012345678.0));
    assertEquals("0", ZSetDoubles.formatStored(-0.0));
    assertEquals("1.5", ZSetDoubles.formatStored(1.5));
    assertEquals("inf", ZSetDoubles.formatStored(Double.POSITIVE_INFINITY));
    assertEquals("1e+20", ZSetDoubles.formatStored(1e20));
    assertEquals("4611686018427387904", ZSetDoubles.formatStored(0x1p62));
    assertEquals("9.2233720368547758e+18", ZSetDoubles.formatStored(0x1p63));
    assertEquals(0.0, ZSetDoubles.stored(-0.0));
    assertEquals(1 / 0.0, 1 / ZSetDoubles.stored(-0.0), "-0 is kept as +0");
  }

  @Test
  void scoreArgumentsFollowString2d() {
    for (String bad : new String[] {"", " 1", "1 ", "nan", "-nan", "NaN", "1e400", "-1e400",
        "1e-400", "abc", "1e", "1e+", "0x", "--1", "inf1", "1..2", "infinit", "0x1p", ".", "+",
        "1\u00002"}) {
      assertNull(ZSetDoubles.parseScore(b(bad)), bad);
    }
    assertEquals(4.9e-324, ZSetDoubles.parseScore(b("4.9e-324")), "a subnormal is fine");
    assertEquals(0.0, ZSetDoubles.parseScore(b("0e-400")), "an exact zero is fine");
    assertEquals(Double.POSITIVE_INFINITY, ZSetDoubles.parseScore(b("+Infinity")));
    assertEquals(1.5, ZSetDoubles.parseScore(b("0x1.8")));
    assertEquals(1000.0, ZSetDoubles.parseScore(b("1e0000000000000000000003")));
  }

  @Test
  void rangeBoundsFollowPlainStrtod() {
    assertEquals(0.0, ZSetDoubles.parseBound(b(""), 0), "empty is 0");
    assertEquals(0.0, ZSetDoubles.parseBound(b("("), 1), "\"(\" is an exclusive 0");
    assertEquals(1.0, ZSetDoubles.parseBound(b("  1"), 0), "leading spaces are skipped");
    assertEquals(Double.POSITIVE_INFINITY, ZSetDoubles.parseBound(b("1e400"), 0), "overflow is inf");
    assertEquals(1.0, ZSetDoubles.parseBound(b("1\u0000junk"), 0), "a C string ends at NUL");
    assertNull(ZSetDoubles.parseBound(b("1 "), 0));
    assertNull(ZSetDoubles.parseBound(b("   "), 0));
    assertNull(ZSetDoubles.parseBound(b("nan"), 0));
    assertNull(ZSetDoubles.parseBound(b("x"), 0));
  }

  @Test
  void formattingRoundTripsEveryDouble() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
    for (int i = 0; i < 20_000; i++) {
      double d = Double.longBitsToDouble(rnd.nextLong());
      if (Double.isNaN(d)) {
        continue;
      }
      String s = ZSetDoubles.format(d);
      assertEquals(d, ZSetDoubles.parseScore(b(s)), s);
      // %.17g has at most 17 significant digits
      String mantissa = s.replaceFirst("e.*", "").replace("-", "").replace(".", "").replaceFirst("^0+", "");
      org.junit.jupiter.api.Assertions.assertTrue(mantissa.length() <= 17, s);
    }
  }
}

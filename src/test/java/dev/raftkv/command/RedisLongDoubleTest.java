package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * HINCRBYFLOAT's long double emulation against replies recorded from redis-server 7.0.15 on
 * x86-64 (HSET h f A, then HINCRBYFLOAT h f B). HashesCompatIT checks the same live.
 */
class RedisLongDoubleTest {
  /** {@code stored increment|Redis's reply}. */
  private static final String GOLDEN = """
        0 0.1|0.1
        0.1 0.2|0.3
        1 -1|0
        -0 -0|0
        10.5 0.1|10.6
        3.0e3 1e-3|3000.00099999999999989
        1e4932 1e4932|ERR increment would produce NaN or Infinity
        -1e4932 -1e4932|ERR increment would produce NaN or Infinity
        0x1p-16445 0|0
        0x1p-16446 0|ERR hash value is not a float
        0 0x1p-16445|0
        1e-4950 0|0
        1e-4951 0|ERR hash value is not a float
        4e-4951 0|0
        0 5e-4951|0
        5 abc|ERR value is not a valid float
        abc 5|ERR hash value is not a float
        5 nan|ERR value is not a valid float
        nan 1|ERR hash value is not a float
        inf 1|ERR increment would produce NaN or Infinity
        -inf 1|ERR increment would produce NaN or Infinity
        5 -inf|ERR value is NaN or Infinity
        5 infinity|ERR value is NaN or Infinity
        5 INF|ERR value is NaN or Infinity
        1 1e|ERR value is not a valid float
        1 1e+|ERR value is not a valid float
        1 .5|1.5
        1 5.|6
        1 +.5e1|6
        1 -.e1|ERR value is not a valid float
        1 0x|ERR value is not a valid float
        1 0x.8|1.5
        1 0X1P4|17
        1 0x1.8p1|4
        1 0x1p|ERR value is not a valid float
        1 1e99999999999999999999|ERR value is not a valid float
        1 1e-99999999999999999999|ERR value is not a valid float
        1 0e99999999999999|1
        1 00012|13
        1 1_0|ERR value is not a valid float
        1 1 |ERR value is not a valid float
        0.000003814697265625 0|0.00000381469726562
        0.000003814697265626 0|0.00000381469726563
        0.000003814697265624 0|0.00000381469726562
        123456789012345678901234567890 1|123456789012345678899921813504
        9223372036854775807 1|9223372036854775808
        -9223372036854775808 -1|-9223372036854775809
        3.14159265358979323846264338327950288 0|3.14159265358979324
        -3.14159265358979323846264338327950288 1|-2.14159265358979324
        1e-17 0|0.00000000000000001
        5e-18 0|0
        1.5e-17 0|0.00000000000000002
        2.5e-17 0|0.00000000000000002
        -5e-18 0|0
        0.99999999999999999 0|0.99999999999999999
        0.999999999999999995 0|1
        942e-2489 -90.34271527463752704534|-90.34271527463752705
        -531607.4023704058 24.06152917632841|-531583.34084122947160722
        -32e-714 385043.88340024673|385043.88340024672999107
        -824140.5364626949 -336e-985|-824140.53646269490002396
        498e-4486 656989|656989
        60.962722885824405238963664 -396769.4174252398|-396708.45470235397559122
        541e-3944 14.85615368|14.85615368
        -684934.1203415886 -47|-684981.12034158860001298
        992209 -9.847939900429068416088|992199.15206009957091737
        651828723000409989382251672384.97882374309191657419 16.524932160|651828723000409989355598249984
        156679 281333.38401419274|438012.38401419274001114
        -670519906512847319790344816471.31497310406209948902 -87.266|-670519906512847319818599137280
        819775.3060423923 480494819851496647608762224020.4241657644992195861|480494819851496647596882001920
        33.77519755716289751 -649079|-649045.22480244283713091
        -148100 937992654552983606776729545469.2397617433006081421|937992654552983606761126625280
        -3.29859396327871934 59.169|55.87040603672128066
        73600 51.42819|73651.42819000000000074
        -519e-1598 479657.18284148374|479657.18284148373999187
        -867510432038845839539543664473.52355627620004217492 -182454|-867510432038845839524908498944
        843847.0869281883 -553414|290433.08692818830002125
        -286856 426125407568042930585222879325.9898867670432435327|426125407568042930594660745216
        -420781.4273366475 81371.77106428496|-339409.65627236253999399
        -807154.8428973516 94.4233304961965984603012|-807060.41956685540344552
        97320.08797355834 -957206.6513561766|-859886.56338261825999325
        698650705029446712007435468350.64877117852742604364 47.08260113425|698650705029446711991882219520
        -5e-4158 67376390355727202655774669196.42090785265845684709|67376390355727202656301613056
        -56.4 -735e-904|-56.4
        11709 18792|30501
        580974.3940988316 -978061|-397086.60590116840000974
        97.0497994129483743109 647917554943626195008915870137.72122658227427082505|647917554943626194990005223424
        -36.80404115833924 0x96da79a873d9a807ap-2562|-36.80404115833924
        -765423259679323721088649469599.1932842424923274771 -443e-4312|-765423259679323721067369857024
        -628527.1608033733 -693355.6008137154|-1321882.76161708869994982
        50e-2084 375576|375576
        -40.04660062726 397988.8674591426|397948.82085851534000653
        -48368 -288748|-337116
        275440 -866754.930251077|-591314.93025107699997989
        -311290895357460379583545277505.83160802820426100483 88.3002255077001337|-311290895357460379588966219776
        -44.43217384310986517 638559.6756714827|638515.24349763959014581
        -67.7122778947137078375818 -569633|-569700.71227789471367942
        -912209 274239.7540913145|-637969.24590868550001233
        """;

  private static BigDecimal parse(String s) {
    return RedisLongDouble.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  /** What HINCRBYFLOAT answers for a stored value and an increment, the way HashCommands decides. */
  private static String incr(String stored, String increment) {
    BigDecimal b = parse(increment);
    if (b == null) {
      return "ERR value is not a valid float";
    }
    if (b == RedisLongDouble.POSITIVE_INFINITY || b == RedisLongDouble.NEGATIVE_INFINITY) {
      return "ERR value is NaN or Infinity";
    }
    BigDecimal a = parse(stored);
    if (a == null) {
      return "ERR hash value is not a float";
    }
    if (a == RedisLongDouble.POSITIVE_INFINITY || a == RedisLongDouble.NEGATIVE_INFINITY) {
      return "ERR increment would produce NaN or Infinity";
    }
    BigDecimal sum = RedisLongDouble.add(a, b);
    return sum == null ? "ERR increment would produce NaN or Infinity" : RedisLongDouble.format(sum);
  }

  @Test
  void matchesRedisRecordedReplies() {
    int n = 0;
    for (String line : GOLDEN.strip().split("\n")) {
      String t = line.strip();
      int bar = t.lastIndexOf('|');
      String[] operands = t.substring(0, bar).split(" ", 2);
      assertEquals(t.substring(bar + 1), incr(operands[0], operands[1]), t);
      n++;
    }
    assertEquals(97, n);
  }

  @Test
  void parsesWhatStrtoldAcceptsAndRedisKeeps() {
    assertEquals("0.5", RedisLongDouble.format(parse(".5")));
    assertEquals("5", RedisLongDouble.format(parse("5.")));
    assertEquals("3", RedisLongDouble.format(parse("0x1.8p1")));
    assertEquals("-16", RedisLongDouble.format(parse("-0X10")));
    assertSame(RedisLongDouble.POSITIVE_INFINITY, parse("INF"));
    assertSame(RedisLongDouble.NEGATIVE_INFINITY, parse("-infinity"));
    assertNull(parse(""));
    assertNull(parse(" 1"), "leading space");
    assertNull(parse("1 "), "trailing space");
    assertNull(parse("nan"));
    assertNull(parse("1e"));
    assertNull(parse("0x"));
    assertNull(parse("1e99999"), "overflow is HUGE_VAL");
    assertNull(parse("1e-99999"), "underflow to zero");
    assertNull(parse("1".repeat(RedisLongDouble.MAX_CHARS)), "longer than Redis's buffer");
  }

  @Test
  void formatsWithSeventeenDecimalsTiesToEvenAndNoNegativeZero() {
    assertEquals("0.00000381469726562", RedisLongDouble.format(parse("0.000003814697265625")));
    assertEquals("0", RedisLongDouble.format(parse("-1e-30")));
    assertEquals("0", RedisLongDouble.format(parse("-0.0")));
    assertEquals("10.6", RedisLongDouble.format(RedisLongDouble.add(parse("10.5"), parse("0.1"))));
    assertEquals("3.14159265358979324", RedisLongDouble.format(parse("3.14159265358979323846")));
  }
}

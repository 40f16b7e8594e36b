package dev.raftkv.script;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.raftkv.protocol.RespOut;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/** The RESP <-> Lua conversions of Redis 7.0's script_lua.c, value by value. */
class LuaRespTest {
  private static LuaValue lua(String resp) {
    return LuaResp.toLua(resp.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static String resp(LuaValue v) {
    RespOut out = new RespOut();
    LuaResp.toResp(v, out);
    return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
  }

  @Test
  void repliesBecomeLuaValues() {
    assertEquals(42.0, lua(":42\r\n").todouble());
    assertEquals(LuaValue.TNUMBER, lua(":-7\r\n").type());
    assertEquals("hello", lua("$5\r\nhello\r\n").tojstring());
    assertEquals("", lua("$0\r\n\r\n").tojstring());
    assertSame(LuaValue.FALSE, lua("$-1\r\n"));
    assertSame(LuaValue.FALSE, lua("*-1\r\n"));
    assertEquals("OK", lua("+OK\r\n").get("ok").tojstring());
    assertEquals("WRONGTYPE Operation", lua("-WRONGTYPE Operation\r\n").get("err").tojstring());
    assertEquals("ERR bare", lua("-bare\r\n").get("err").tojstring());
    LuaValue t = lua("*4\r\n:1\r\n$-1\r\n*1\r\n$1\r\nx\r\n+S\r\n");
    assertEquals(1.0, t.get(1).todouble());
    assertSame(LuaValue.FALSE, t.get(2));
    assertEquals("x", t.get(3).get(1).tojstring());
    assertEquals("S", t.get(4).get("ok").tojstring());
    assertEquals(4, t.length());
    // binary bulk strings keep every byte
    byte[] bin = {0, (byte) 0xff, '\r', '\n'};
    LuaString s = (LuaString) LuaResp.toLua(("$4\r\n" + new String(bin, StandardCharsets.ISO_8859_1) + "\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(4, s.length());
    assertEquals(0xff, s.luaByte(1));
  }

  @Test
  void luaValuesBecomeReplies() {
    assertEquals(":3\r\n", resp(LuaValue.valueOf(3.99)));
    assertEquals(":-3\r\n", resp(LuaValue.valueOf(-3.99)));
    assertEquals(":-9223372036854775808\r\n", resp(LuaValue.valueOf(1e20)));
    assertEquals(":-9223372036854775808\r\n", resp(LuaValue.valueOf(Double.NaN)));
    assertEquals(":1\r\n", resp(LuaValue.TRUE));
    assertEquals("$-1\r\n", resp(LuaValue.FALSE));
    assertEquals("$-1\r\n", resp(LuaValue.NIL));
    assertEquals("$2\r\nab\r\n", resp(LuaValue.valueOf("ab")));
    LuaTable ok = new LuaTable();
    ok.set("ok", "fine\r\nline");
    assertEquals("+fine  line\r\n", resp(ok));
    LuaTable err = new LuaTable();
    err.set("err", "\nMY error\r\n");
    assertEquals("-MY error\r\n", resp(err));
    LuaTable arr = new LuaTable();
    arr.set(1, LuaValue.valueOf(1));
    arr.set(2, LuaValue.FALSE);
    arr.set(3, err);
    arr.set(5, LuaValue.valueOf("after the hole"));
    assertEquals("*3\r\n:1\r\n$-1\r\n-MY error\r\n", resp(arr));
    assertEquals("*0\r\n", resp(new LuaTable()));
  }

  @Test
  void numbersPrintLikeLua() {
    assertEquals("3", LuaNumbers.g14(3.0));
    assertEquals("3.5", LuaNumbers.g14(3.5));
    assertEquals("0.1", LuaNumbers.g14(0.1));
    assertEquals("1e+20", LuaNumbers.g14(1e20));
    assertEquals("1e+300", LuaNumbers.g14(1e300));
    assertEquals("1.2345678901235e-05", LuaNumbers.g14(0.000012345678901234567));
    assertEquals("0.17082803611217", LuaNumbers.g14(0.1708280361121651));
    assertEquals("-0.25", LuaNumbers.g14(-0.25));
    assertEquals("1e+14", LuaNumbers.g14(1e14));
    assertEquals("99999999999999", LuaNumbers.g14(99999999999999.0));
  }
}

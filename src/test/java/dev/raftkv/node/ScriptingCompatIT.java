package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT give redis-server 7.0.15's replies byte for byte,
 * through a follower of a 3-peer cluster: every Lua/RESP conversion, the error texts (with the
 * script's sha and line), the script cache, KEYS/ARGV, the redis, bit and cjson libraries, and
 * RESP3. The documented differences (docs/commands.md) are left out.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ScriptingCompatIT {
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  private static void eval(String script, String... keysAndArgs) throws Exception {
    String[] c = new String[keysAndArgs.length + 2];
    c[0] = "EVAL";
    c[1] = script;
    System.arraycopy(keysAndArgs, 0, c, 2, keysAndArgs.length);
    diff.same(c);
  }

  @Test
  void luaValuesBecomeRedisReplies() throws Exception {
    eval("return {1,2,3.7,'a',true,false,nil,4}", "0");
    eval("return {ok='fine'}", "0");
    eval("return {err='x'}", "0");
    eval("return {err='MYCODE with\\r\\nnewlines\\n'}", "0");
    eval("return {ok='st\\natus'}", "0");
    eval("return 3.99", "0");
    eval("return -3.99", "0");
    eval("return 1e20", "0");
    eval("return 0", "0");
    eval("return true", "0");
    eval("return false", "0");
    eval("return nil", "0");
    eval("return", "0");
    eval("return 'bulk'", "0");
    eval("return {1,{2,{3,'x'}},{},{err='inner'},{ok='s'}}", "0");
    eval("return {}", "0");
    eval("return {a=1}", "0");
    eval("return redis.error_reply('x')", "0");
    eval("return redis.error_reply('MY err')", "0");
    eval("return redis.error_reply('-FOO bar')", "0");
    eval("return redis.error_reply()", "0");
    eval("return redis.status_reply('OK2')", "0");
    eval("return redis.status_reply()", "0");
    eval("return redis.sha1hex('abc')", "0");
    eval("return redis.sha1hex('')", "0");
    eval("return redis.sha1hex()", "0");
  }

  @Test
  void commandRepliesBecomeLuaValues() throws Exception {
    diff.same("SET", "s", "v");
    diff.same("RPUSH", "l", "a", "b", "c");
    diff.same("HSET", "h", "f", "1");
    eval("return type(redis.call('get','nokey'))", "0");
    eval("return redis.call('get','nokey')", "0");
    eval("return redis.call('get','s')", "0");
    eval("return {type(redis.call('incr','n')), redis.call('incr','n')}", "0");
    eval("return redis.call('set','x','y')", "0");
    eval("return redis.call('set','x','y').ok", "0");
    eval("return redis.call('lrange','l',0,-1)", "0");
    eval("return redis.call('hgetall','h')", "0");
    eval("return redis.call('mget','s','nokey','x')", "0");
    eval("return redis.call('zscore','nokey','m')", "0");
    eval("return redis.pcall('lpush','s','x')", "0");
    eval("return redis.pcall('lpush','s','x').err", "0");
    eval("return redis.pcall('nosuch')", "0");
    eval("return redis.pcall('get')", "0");
    eval("redis.call('set','f',3.5) return redis.call('get','f')", "0");
    eval("redis.call('set','f',1e20) return redis.call('get','f')", "0");
    eval("redis.call('set','f',-0.25) return redis.call('get','f')", "0");
    eval("return redis.call('ping')", "0");
    eval("return redis.call('echo','e')", "0");
    eval("return redis.call('exists', KEYS[1], KEYS[2])", "2", "s", "nokey");
  }

  @Test
  void keysAndArgv() throws Exception {
    eval("return {KEYS[1],ARGV[1],ARGV[2]}", "1", "k", "a", "b");
    eval("return {#KEYS, #ARGV}", "0");
    eval("return {#KEYS, #ARGV}", "3", "a", "b", "c");
    eval("return {#KEYS, #ARGV}", "0", "a", "b", "c");
    eval("redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", "1", "key", "val");
    diff.same("GET", "key");
    eval("return 1", "-1");
    eval("return 1", "2", "a");
    eval("return 1", "x");
    eval("return 1", "99999999999999999999");
    diff.same("EVAL", "return 1");
  }

  @Test
  void errorsHaveRedisTexts() throws Exception {
    diff.same("SET", "s", "v");
    eval("return 1 +", "0");
    eval("error('boom')", "0");
    eval("error('boom', 0)", "0");
    eval("error({err='FOO bar'})", "0");
    eval("\n\nerror('on line three')", "0");
    eval("local function f()\n  error('inner')\nend\nf()", "0");
    eval("return redis.call('get')", "0");
    eval("return redis.call('nosuch')", "0");
    eval("return redis.call('multi')", "0");
    eval("return redis.call('eval','return 1','0')", "0");
    eval("return redis.call('blpop','x','0')", "0");
    eval("return redis.call('client','list')", "0");
    eval("return redis.call()", "0");
    eval("return redis.call({})", "0");
    eval("return redis.call('set', {})", "0");
    eval("return redis.call('lpush','s','x')", "0");
    eval("local x = redis.call('lpush','s','x') return 1", "0");
    eval("x = 1", "0");
    eval("return y", "0");
    eval("return nosuch()", "0");
    eval("return type(print)", "0");
    eval("return type(debug)", "0");
    eval("return type(bit32)", "0");
    eval("return redis.call('incr','s')", "0");
  }

  @Test
  void aFailingScriptUndoesItsWrites() throws Exception {
    diff.same("SET", "s", "v");
    // Redis does not undo a script's earlier writes: raft-kv does (docs/commands.md), so only
    // the reply is compared here and the keys are checked on raft-kv alone in ScriptingIT
    eval("return redis.call('lpush','s','x')", "0");
    eval("redis.pcall('lpush','s','x') redis.call('set','p','1') return 'went on'", "0");
    diff.same("GET", "p");
  }

  @Test
  void scriptCache() throws Exception {
    diff.same("SCRIPT", "FLUSH");
    diff.same("SCRIPT", "LOAD", "return 1");
    diff.same("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0");
    diff.same("EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0");
    diff.same("EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0");
    diff.same("EVALSHA", "abc", "0");
    diff.same("EVALSHA_RO", "abc", "0");
    diff.same("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0");
    diff.same("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db",
        "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "x");
    // EVAL caches its script, also one that fails at run time
    eval("return 2", "0");
    diff.same("EVALSHA", "7f923f79fe76194c868d7e1d0820de36700eb649", "0");
    eval("error('x')", "0");
    diff.same("SCRIPT", "EXISTS", "7f923f79fe76194c868d7e1d0820de36700eb649");
    diff.same("FLUSHALL");
    diff.same("SCRIPT", "EXISTS", "7f923f79fe76194c868d7e1d0820de36700eb649");
    diff.same("SCRIPT", "FLUSH", "SYNC");
    diff.same("SCRIPT", "EXISTS", "7f923f79fe76194c868d7e1d0820de36700eb649",
        "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    diff.same("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0");
    diff.same("SCRIPT", "FLUSH", "ASYNC");
    diff.same("SCRIPT", "FLUSH", "x");
    diff.same("SCRIPT", "LOAD", "return 1 +");
    diff.same("SCRIPT", "LOAD");
    diff.same("SCRIPT", "EXISTS");
    diff.same("SCRIPT", "KILL");
    diff.same("SCRIPT", "KILL", "x");
    diff.same("SCRIPT", "foo");
    diff.same("SCRIPT", "HELP");
    diff.same("SCRIPT");
    diff.same("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "-1");
    diff.same("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    diff.same("EVALSHA", "abc", "x");
    diff.same("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "x");
  }

  @Test
  void readOnlyScripts() throws Exception {
    diff.same("SET", "k", "v");
    diff.same("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k");
    diff.same("EVAL_RO", "return redis.call('set','a','b')", "0");
    diff.same("EVAL_RO", "return redis.pcall('del','k')", "0");
    diff.same("GET", "k");
    diff.same("EVAL_RO", "return 1", "x");
    diff.same("EVAL_RO", "return 1 +", "0");
  }

  @Test
  void shebangFlags() throws Exception {
    diff.same("SET", "a", "v");
    eval("#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0");
    eval("#!lua\nreturn 1", "0");
    eval("#!lua flags=bogus\nreturn 1", "0");
    eval("#!python\nreturn 1", "0");
    eval("#!lua flags=no-writes,allow-oom\nreturn redis.call('get','a')", "0");
    eval("#!lua name=x\nreturn 1", "0");
    eval("#!lua flags=no-writes\nerror('l2')", "0");
    diff.same("EVAL_RO", "#!lua\nreturn 1", "0");
    diff.same("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get','a')", "0");
    diff.same("SCRIPT", "LOAD", "#!lua flags=bogus\nreturn 1");
  }

  @Test
  void bitAndCjsonLibraries() throws Exception {
    eval("return bit.tohex(65535)", "0");
    eval("return {bit.tohex(-1, -4), bit.tohex(255, 2), bit.tohex(1, 12)}", "0");
    eval("return {bit.band(0xff,0x0f), bit.bnot(0), bit.lshift(1,31), bit.tobit(2^32+5),"
        + " bit.arshift(-256,4), bit.rshift(-1,28), bit.bor(1,2,4), bit.bxor(5,3), bit.tobit(0.5),"
        + " bit.tobit(1.5), bit.rol(1, 33), bit.ror(1, 1), bit.bswap(0x12345678)}", "0");
    eval("return cjson.encode({1,2,{a=1.5}})", "0");
    eval("return cjson.encode({a='x/y\\n\"q\"\\\\'})", "0");
    eval("return cjson.encode(string.char(127,1,31,200))", "0");
    eval("return cjson.encode({})", "0");
    eval("return cjson.encode({[1]=1,[3]=3})", "0");
    eval("return cjson.encode({[1]=1,[30]=3})", "0");
    eval("return cjson.encode({0.1, 1e300, -0.5, 100, 2^53})", "0");
    eval("return cjson.encode(1/0)", "0");
    eval("return cjson.encode({[true]=1})", "0");
    eval("return cjson.encode({cjson.null, true, false})", "0");
    eval("return cjson.decode('[1,2.5,null,true]')[3] == cjson.null", "0");
    eval("return cjson.encode(cjson.decode('{\"a\":[1,{\"b\":null}]}'))", "0");
    eval("return cjson.decode('\"\\\\u00e9\\\\n\"')", "0");
    eval("local t = cjson.decode('{\"n\":12,\"s\":\"x\",\"l\":[true,false]}') return {t.n, t.s, t.l[1], t.l[2]}", "0");
    eval("return cjson.decode('{bad')", "0");
    eval("return cjson.decode('[1,2')", "0");
    eval("return cjson.decode('  ')", "0");
    eval("return cjson.decode('1e2')", "0");
    eval("return type(cjson.null)", "0");
  }

  @Test
  void cmsgpackLibrary() throws Exception {
    eval("return cmsgpack.pack({1,2,3})", "0");
    eval("return cmsgpack.pack(1, -1, 200, -200, 70000, -70000, 2^40, -2^40, 3.5, 0.1, 'abc', true, false, nil)", "0");
    eval("return cmsgpack.pack({a=1})", "0");
    eval("return cmsgpack.pack({})", "0");
    eval("return cmsgpack.pack(string.rep('x', 40), string.rep('y', 300), string.rep('z', 70000))", "0");
    eval("return cmsgpack.pack({[1]=1,[3]=3})", "0");
    eval("return {cmsgpack.unpack(cmsgpack.pack({1,{2,'x'}}, 5))}", "0");
    eval("local t = cmsgpack.unpack(cmsgpack.pack({1,{2,'x'}})) return t[2][2]", "0");
    eval("return {cmsgpack.unpack_one(cmsgpack.pack(1,2))}", "0");
    eval("return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)}", "0");
    eval("local t = cmsgpack.unpack(cmsgpack.pack({k='v'})) return t.k", "0");
    eval("return cmsgpack.unpack(cmsgpack.pack(-2^40))", "0");
  }

  @Test
  void structLibrary() throws Exception {
    eval("return struct.pack('>I2', 258)", "0");
    eval("return struct.pack('<i4 h b B', -2, 300, -1, 255)", "0");
    eval("return struct.pack('>d', 1.5) .. struct.pack('<f', 0.25)", "0");
    eval("return struct.pack('!4 b i', 1, 2)", "0");
    eval("return struct.pack('s c3 x Bc0', 'ab', 'xyz', 4, 'tail')", "0");
    eval("return struct.pack('>i16 I3 L T', -3, 70000, 5, 6)", "0");
    eval("return {struct.unpack('>I2 i4', struct.pack('>I2 i4', 513, -7))}", "0");
    eval("return {struct.unpack('s', 'ab' .. string.char(0) .. 'cd')}", "0");
    eval("return {struct.unpack('b c0', struct.pack('b', 3) .. 'xyzw')}", "0");
    eval("return {struct.unpack('>l', string.rep(string.char(255), 8))}", "0");
    eval("return {struct.unpack('<h', 'xx' .. struct.pack('<h', -300), 3)}", "0");
    eval("return tostring(struct.unpack('<d', struct.pack('<d', 0.1)))", "0");
    eval("return {struct.size('>!4 b i h'), struct.size('i8 c5 d')}", "0");
    eval("return tostring((pcall(struct.pack, 'z', 1)))", "0");
    eval("return tostring((pcall(struct.unpack, 'i4', 'ab')))", "0");
    eval("return tostring((pcall(struct.size, 's')))", "0");
  }

  @Test
  void stringTableAndMathLibraries() throws Exception {
    eval("return {string.format('%d-%s-%5.2f', 3, 'x', 1.5), string.rep('ab', 3, ','),"
        + " string.upper('abc'), ('x'):rep(2), string.byte('A'), string.char(72, 105)}", "0");
    eval("local t = {3,1,2} table.sort(t) return t", "0");
    eval("return {table.concat({'a','b','c'}, '-'), #{1,2,3}, select('#', 1, 2), unpack({7, 8})}", "0");
    eval("return {math.floor(3.7), math.max(1, 9, 4), math.abs(-2), math.fmod(7, 3)}", "0");
    eval("return {tonumber('12'), tonumber('x'), tostring(12), tostring(0.1), tostring(1e20), tostring(nil)}", "0");
    eval("local t = {} t[1] = 'a' t[2] = 'b' return t", "0");
    eval("return {pcall(function() return 5 end)}", "0");
    eval("local ok, e = pcall(function() local x = nil; return x.y end) return ok", "0");
    eval("local ok, e = pcall(redis.call, 'nosuch') return e", "0");
    eval("local ok, e = pcall(redis.call, 'nosuch') return type(e)", "0");
    eval("local ok, e = pcall(function() return redis.call('nosuch') end) return {type(e), e}", "0");
    eval("local ok, e = pcall(error, {err='caught'}) return {type(e), tostring(e)}", "0");
    eval("local ok, e = pcall(function() error('x') end) return {type(e), e}", "0");
    eval("local ok, e = pcall(function() local t = nil; return t.x end) return type(e)", "0");
    eval("return redis.REDIS_VERSION", "0");
    eval("return redis.LOG_WARNING", "0");
    eval("redis.log(redis.LOG_WARNING, 'hello') return 1", "0");
    eval("return redis.call('type', 'nokey')", "0");
  }

  @Test
  void resp3Replies() throws Exception {
    TestCluster c = diff.cluster();
    try (ConnectionCompatIT.RawClient r = new ConnectionCompatIT.RawClient(diff.redisPort());
        ConnectionCompatIT.RawClient k = new ConnectionCompatIT.RawClient(c.redisPorts[c.aFollower()])) {
      for (String proto : new String[] {"2", "3"}) {
        r.call("HELLO", proto);
        k.call("HELLO", proto);
        String[][] cmds = {
            {"SET", "s", "v"},
            {"EVAL", "return {1,2,3.7,'a',true,false,nil,4}", "0"},
            {"EVAL", "return nil", "0"},
            {"EVAL", "return false", "0"},
            {"EVAL", "return {ok='fine'}", "0"},
            {"EVAL", "return {err='x'}", "0"},
            {"EVAL", "return redis.call('get', 'nokey')", "0"},
            {"EVAL", "return {redis.call('get', 's'), 5, {false}}", "0"},
            {"EVAL", "error('boom')", "0"},
            {"EVAL_RO", "return redis.call('get','s')", "0"},
            {"SCRIPT", "EXISTS", "nosuch"},
            {"SCRIPT", "LOAD", "return 3"},
            {"EVALSHA", "e3c1b4e4e6e6a8d70d4b3c8a35e8e8d1f5bb8b35", "0"},
        };
        for (String[] cmd : cmds) {
          assertEquals(r.call(cmd), k.call(cmd), "RESP" + proto + ": " + String.join(" ", cmd));
        }
        for (String name : new String[] {"eval", "evalsha", "eval_ro", "evalsha_ro"}) {
          String ri = r.call("COMMAND", "INFO", name);
          String ki = k.call("COMMAND", "INFO", name);
          if (!name.endsWith("_ro")) {
            // EVAL and EVALSHA go through the Raft log: raft-kv adds the write flag (documented)
            ri = ri.replace("*5\r\n+noscript", "*6\r\n+write\r\n+noscript")
                .replace("~5\r\n+noscript", "~6\r\n+write\r\n+noscript");
          }
          int cut = ConnectionCompatIT.nthElementStart(ri, 7);
          assertEquals(ri.substring(0, cut), ki.substring(0, ConnectionCompatIT.nthElementStart(ki, 7)),
              "COMMAND INFO " + name + " in RESP" + proto);
          assertTrue(ki.contains("@scripting"), ki);
        }
      }
    }
  }
}

package dev.raftkv.script;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.command.CommandError;
import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.raft.PendingKeyspace;
import dev.raftkv.store.MemoryStore;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scripts run as the state machine runs them (normalized on the receiving peer, applied in a log
 * entry against a real memory store), with Redis 7.0.15's replies, checked against texts taken
 * from redis-server 7.0.15.
 */
class ScriptCommandsTest {
  private MemoryStore store;
  private final long now = 1_700_000_000_123L;
  private long index;

  @BeforeEach
  void setUp() {
    store = new MemoryStore();
  }

  private String run(String... a) {
    byte[][] args = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      args[i] = a[i].getBytes(StandardCharsets.UTF_8);
    }
    CommandSpec spec = Commands.lookup(args[0]);
    if (!spec.arityOk(args.length)) {
      return "-" + CommandError.arity(spec.name()).getMessage() + "\r\n";
    }
    try {
      args = spec.normalizer().normalize(args, now);
    } catch (CommandError e) {
      return "-" + e.getMessage() + "\r\n";
    }
    PendingKeyspace ks = new PendingKeyspace(store, now, Commands.DEFAULT_MAX_VALUE);
    RespOut out = new RespOut();
    Commands.execute(spec, args, ks, out);
    try {
      ks.commit(1, ++index);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
  }

  private static String sha(String body) {
    return LuaScripts.sha1hex(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void conversionsOfTheScriptReply() {
    assertEquals("*6\r\n:1\r\n:2\r\n:3\r\n$1\r\na\r\n:1\r\n$-1\r\n",
        run("eval", "return {1,2,3.7,'a',true,false,nil,4}", "0"));
    assertEquals("+fine\r\n", run("eval", "return {ok='fine'}", "0"));
    assertEquals("-x\r\n", run("eval", "return {err='x'}", "0"));
    assertEquals(":3\r\n", run("eval", "return 3.99", "0"));
    assertEquals(":-3\r\n", run("eval", "return -3.99", "0"));
    assertEquals(":-9223372036854775808\r\n", run("eval", "return 1e20", "0"));
    assertEquals(":1\r\n", run("eval", "return true", "0"));
    assertEquals("$-1\r\n", run("eval", "return false", "0"));
    assertEquals("$-1\r\n", run("eval", "return nil", "0"));
    assertEquals("*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\nb\r\n",
        run("eval", "return {KEYS[1],ARGV[1],ARGV[2]}", "1", "k", "a", "b"));
    assertEquals("-ERR x\r\n", run("eval", "return redis.error_reply('x')", "0"));
    assertEquals("-MY err\r\n", run("eval", "return redis.error_reply('MY err')", "0"));
    assertEquals("+OK2\r\n", run("eval", "return redis.status_reply('OK2')", "0"));
    assertEquals("$40\r\na9993e364706816aba3e25717850c26c9cd0d89d\r\n",
        run("eval", "return redis.sha1hex('abc')", "0"));
  }

  @Test
  void conversionsOfCommandReplies() {
    run("set", "s", "v");
    run("rpush", "l", "a", "b");
    assertEquals("$7\r\nboolean\r\n", run("eval", "return type(redis.call('get','nokey'))", "0"));
    assertEquals("$6\r\nnumber\r\n", run("eval", "return type(redis.call('incr','n'))", "0"));
    assertEquals("$2\r\nOK\r\n", run("eval", "return redis.call('set','x','y').ok", "0"));
    assertEquals("*2\r\n$1\r\na\r\n$1\r\nb\r\n", run("eval", "return redis.call('lrange','l',0,-1)", "0"));
    assertEquals("$65\r\nWRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        run("eval", "return redis.pcall('lpush','s','x').err", "0"));
    assertEquals("$3\r\n3.5\r\n", run("eval", "redis.call('set','f',3.5) return redis.call('get','f')", "0"));
    assertEquals("$5\r\n1e+20\r\n", run("eval", "redis.call('set','f',1e20) return redis.call('get','f')", "0"));
  }

  @Test
  void errorsAreRedisExact() {
    assertEquals("-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n",
        run("eval", "return 1 +", "0"));
    assertEquals("-ERR user_script:1: boom script: " + sha("error('boom')") + ", on @user_script:1.\r\n",
        run("eval", "error('boom')", "0"));
    assertEquals("-ERR Wrong number of args calling Redis command from script script: "
        + sha("return redis.call('get')") + ", on @user_script:1.\r\n", run("eval", "return redis.call('get')", "0"));
    assertEquals("-ERR Unknown Redis command called from script script: "
        + sha("return redis.call('nosuch')") + ", on @user_script:1.\r\n", run("eval", "return redis.call('nosuch')", "0"));
    assertEquals("-ERR This Redis command is not allowed from script script: "
        + sha("return redis.call('multi')") + ", on @user_script:1.\r\n", run("eval", "return redis.call('multi')", "0"));
    assertEquals("-ERR user_script:1: Attempt to modify a readonly table script: " + sha("x = 1")
        + ", on @user_script:1.\r\n", run("eval", "x = 1", "0"));
    assertEquals("-ERR user_script:1: Script attempted to access nonexistent global variable 'y' script: "
        + sha("return y") + ", on @user_script:1.\r\n", run("eval", "return y", "0"));
    assertEquals("-ERR Number of keys can't be negative\r\n", run("eval", "return 1", "-1"));
    assertEquals("-ERR Number of keys can't be greater than number of args\r\n", run("eval", "return 1", "2", "a"));
    assertEquals("-ERR value is not an integer or out of range\r\n", run("eval", "return 1", "x"));
    assertEquals("-NOSCRIPT No matching script. Please use EVAL.\r\n", run("evalsha", "abc", "0"));
    assertEquals("-ERR Write commands are not allowed from read-only scripts. script: "
        + sha("return redis.call('set','a','b')") + ", on @user_script:1.\r\n",
        run("eval_ro", "return redis.call('set','a','b')", "0"));
    assertEquals("-FOO bar script: " + sha("error({err='FOO bar'})") + ", on @user_script:1.\r\n",
        run("eval", "error({err='FOO bar'})", "0"));
    assertEquals("-ERR Please specify at least one argument for this redis lib call script: "
        + sha("return redis.call()") + ", on @user_script:1.\r\n", run("eval", "return redis.call()", "0"));
  }

  @Test
  void aFailingScriptLeavesNothingButItsCacheEntry() {
    String body = "redis.call('set','a','1') redis.call('set','b','2') return redis.call('lpush','a','x')";
    assertTrue(run("eval", body, "0").startsWith("-WRONGTYPE"));
    assertEquals("$-1\r\n", run("get", "a"));
    assertEquals("$-1\r\n", run("get", "b"));
    assertEquals("*1\r\n:1\r\n", run("script", "exists", sha(body)));
  }

  @Test
  void scriptCacheLoadExistsFlush() {
    assertEquals("$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n", run("script", "load", "return 1"));
    assertEquals(":1\r\n", run("evalsha", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"));
    assertEquals("*3\r\n:1\r\n:1\r\n:0\r\n", run("script", "exists", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db",
        "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "x"));
    assertEquals("+OK\r\n", run("script", "flush"));
    assertEquals("*1\r\n:0\r\n", run("script", "exists", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"));
    assertEquals("-NOTBUSY No scripts in execution right now.\r\n", run("script", "kill"));
    assertEquals("-ERR unknown subcommand 'foo'. Try SCRIPT HELP.\r\n", run("script", "foo"));
    assertEquals("-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n", run("script", "flush", "x"));
  }

  @Test
  void librariesBitCjsonAndMathRandomLikeRedis() {
    assertEquals("$8\r\n0000ffff\r\n", run("eval", "return bit.tohex(65535)", "0"));
    assertEquals("*6\r\n:15\r\n:-1\r\n:-2147483648\r\n:5\r\n:-16\r\n:15\r\n", run("eval",
        "return {bit.band(0xff,0x0f), bit.bnot(0), bit.lshift(1,31), bit.tobit(2^32+5), bit.arshift(-256,4), bit.rshift(-1,28)}", "0"));
    assertEquals("$15\r\n[1,2,{\"a\":1.5}]\r\n", run("eval", "return cjson.encode({1,2,{a=1.5}})", "0"));
    assertEquals("$14\r\n{\"a\":\"x\\/y\\n\"}\r\n", run("eval", "return cjson.encode({a='x/y\\n'})", "0"));
    assertEquals(":1\r\n", run("eval", "return cjson.decode('[1,2.5,null,true]')[3] == cjson.null", "0"));
    // every script starts from redisSrand48(0), as Redis 6 did (Redis 7.0 continues one
    // server-wide sequence, which replicas running the script could not reproduce)
    assertEquals("*3\r\n:0\r\n:8\r\n:5\r\n", run("eval", "return {math.random(), math.random(10), math.random(5,9)}", "0"));
    assertEquals("$16\r\n0.17082803611217\r\n", run("eval", "return tostring(math.random())", "0"));
    assertEquals("$16\r\n0.17082803611217\r\n", run("eval", "return tostring(math.random())", "0"));
    assertEquals("*2\r\n$10\r\n1700000000\r\n$6\r\n123000\r\n", run("eval", "return redis.call('time')", "0"));
  }

  @Test
  void pcallGivesTheErrorTextLikeRedis() {
    // replies of redis-server 7.0.15
    assertEquals("*2\r\n$6\r\nstring\r\n$44\r\nERR Unknown Redis command called from script\r\n",
        run("eval", "local ok, e = pcall(function() return redis.call('nosuch') end) return {type(e), e}", "0"));
    assertEquals("*2\r\n$6\r\nstring\r\n$6\r\ncaught\r\n",
        run("eval", "local ok, e = pcall(error, {err='caught'}) return {type(e), tostring(e)}", "0"));
    assertEquals("*2\r\n$6\r\nstring\r\n$16\r\nuser_script:1: x\r\n",
        run("eval", "local ok, e = pcall(function() error('x') end) return {type(e), e}", "0"));
  }

  @Test
  void cmsgpackPacksLikeLuaCmsgpack() {
    // bytes from redis-server 7.0.15
    assertEquals("$4\r\n\u0093\u0001\u0002\u0003\r\n", run("eval", "return cmsgpack.pack({1,2,3})", "0"));
    assertEquals("$4\r\n\u0081\u00a1a\u0001\r\n", run("eval", "return cmsgpack.pack({a=1})", "0"));
    assertEquals("$1\r\n\u0090\r\n", run("eval", "return cmsgpack.pack({})", "0"));
    assertEquals("$5\r\n\u00ca@`\u0000\u0000\r\n", run("eval", "return cmsgpack.pack(3.5)", "0"));
    assertEquals("$3\r\n\u00d1\u00ff8\r\n", run("eval", "return cmsgpack.pack(-200)", "0"));
    assertEquals("$1\r\nx\r\n", run("eval", "local t = cmsgpack.unpack(cmsgpack.pack({1,{2,'x'}})) return t[2][2]", "0"));
    // a deeply nested input fails the same way on every replica, not by stack size
    String deep = run("eval", "return cmsgpack.unpack(string.rep(string.char(0x91), 5000) .. string.char(1))", "0");
    assertTrue(deep.contains("nested deeper than 1000"), deep);
    assertTrue(run("eval", "return cmsgpack.unpack(string.char(0x92, 1))", "0").contains("Missing bytes in input."));
  }

  @Test
  void theInstructionBudgetStopsABusyLoop() {
    long t0 = System.nanoTime();
    String r = run("eval", "while true do end", "0");
    assertTrue(r.startsWith("-ERR Script exceeded the instruction budget"), r);
    String p = run("eval", "local n = 0 while true do pcall(function() while true do n = n + 1 end end) end", "0");
    assertTrue(p.startsWith("-ERR Script exceeded the instruction budget"), p);
    String deep = run("eval", "local function f(n) return f(n + 1) + 1 end return f(1)", "0");
    assertTrue(deep.contains("stack overflow"), deep);
    System.out.println("budget runs took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
  }
}

package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The blocking pops give redis-server 7.0.15's replies byte for byte, in RESP2 and RESP3, through
 * a follower: immediate pops, timeouts, argument errors, WRONGTYPE, MULTI, and clients served by
 * a push from another connection (BlockingIT covers several peers and failures).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BlockingCompatIT {
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  /** A raw RESP connection: requests can be sent without waiting for their replies. */
  static final class Raw implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    Raw(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(15_000);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    void send(String... args) throws IOException {
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        req.writeBytes(b);
        req.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      out.write(req.toByteArray());
      out.flush();
    }

    String read() throws IOException {
      ByteArrayOutputStream reply = new ByteArrayOutputStream();
      readReply(reply);
      return reply.toString(StandardCharsets.UTF_8);
    }

    String call(String... args) throws IOException {
      send(args);
      return read();
    }

    private String line(ByteArrayOutputStream copy) throws IOException {
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new EOFException();
        }
        copy.write(c);
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      copy.write('\n');
      return sb.toString();
    }

    private void readReply(ByteArrayOutputStream copy) throws IOException {
      String l = line(copy);
      switch (l.charAt(0)) {
        case '$', '=', '!' -> {
          int n = Integer.parseInt(l.substring(1));
          if (n >= 0) {
            copy.write(in.readNBytes(n + 2));
          }
        }
        case '*', '~', '>' -> {
          int n = Integer.parseInt(l.substring(1));
          for (int i = 0; i < n; i++) {
            readReply(copy);
          }
        }
        case '%', '|' -> {
          int n = Integer.parseInt(l.substring(1));
          for (int i = 0; i < 2 * n; i++) {
            readReply(copy);
          }
        }
        default -> { }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** One connection to redis-server and one to the raft-kv follower, in the given protocol. */
  private static Raw[] pair(int proto) throws IOException {
    Raw r = new Raw(diff.redisPort());
    Raw k = new Raw(diff.raftKvPort());
    if (proto == 3) {
      assertTrue(r.call("HELLO", "3").startsWith("%7"));
      assertTrue(k.call("HELLO", "3").startsWith("%7"));
    }
    return new Raw[] {r, k};
  }

  /** Each line to both, byte-identical replies required. */
  private static void script(int proto, String lines) throws IOException {
    Raw[] p = pair(proto);
    try (Raw r = p[0]; Raw k = p[1]) {
      for (String line : lines.split("\n")) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        String[] c = t.split(" +");
        String expected = r.call(c);
        assertEquals(expected, k.call(c), () -> "RESP" + proto + " reply to " + t);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void immediatePopsWhenThereIsSomethingToPop(int proto) throws Exception {
    script(proto, """
        RPUSH l a b c d e f
        BLPOP l 0
        BRPOP l 1
        BLPOP nothing l 0
        BRPOP nothing other l 0.5
        BLMOVE l d LEFT RIGHT 0
        BLMOVE l d RIGHT LEFT 0
        BRPOPLPUSH d l 0
        LRANGE l 0 -1
        LRANGE d 0 -1
        BLMPOP 0 2 nothing l LEFT
        BLMPOP 0 2 l d RIGHT COUNT 10
        EXISTS l
        EXISTS d
        RPUSH one x
        BLMOVE one one LEFT RIGHT 0
        BLPOP one 0
        EXISTS one
        ZADD z 1 a 2.5 b -3 c 4 d
        BZPOPMIN z 0
        BZPOPMAX nothing z 0
        BZMPOP 0 2 nothing z MIN COUNT 1
        BZMPOP 0 1 z MAX COUNT 5
        EXISTS z
        ZADD y 1 only
        BZPOPMAX y 0
        EXISTS y
        """);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void timeoutsAnswerRedisNull(int proto) throws Exception {
    script(proto, """
        BLPOP nothing 0.1
        BRPOP nothing other 0.05
        BLMOVE nothing d LEFT RIGHT 0.1
        BRPOPLPUSH nothing d 0.1
        BLMPOP 0.1 2 nothing other LEFT COUNT 3
        BZPOPMIN nothing 0.1
        BZPOPMAX nothing 0.1
        BZMPOP 0.1 1 nothing MIN
        BLPOP nothing 0.00001
        BLPOP nothing 1e-3
        BLPOP nothing 0x0.1p-4
        EXISTS d
        """);
  }

  @Test
  void argumentErrorsAreRedisErrorsAndLogNothing() throws Exception {
    script(2, """
        RPUSH l a
        BLPOP l abc
        BLPOP l -1
        BLPOP l -0.9
        BLPOP l nan
        BLPOP l inf
        BLPOP l -inf
        BLPOP l 1e30
        BLPOP l 9223372036854775807
        BLPOP l
        BRPOP l
        BLPOP
        BLMOVE l d UP RIGHT abc
        BLMOVE l d LEFT UP abc
        BLMOVE l d LEFT RIGHT abc
        BLMOVE l d LEFT RIGHT -1
        BLMOVE l d LEFT RIGHT
        BRPOPLPUSH l d abc
        BRPOPLPUSH l d
        BLMPOP abc 0 l LEFT
        BLMPOP 0 0 l LEFT
        BLMPOP 0 1 l UP
        BLMPOP 0 1 l LEFT COUNT 0
        BLMPOP abc 1 l LEFT COUNT 0
        BLMPOP 0 2 l LEFT
        BLMPOP -1 1 l LEFT
        BLMPOP abc 1 l LEFT
        BLMPOP 0 1 l
        BZPOPMIN z abc
        BZPOPMAX z -1
        BZPOPMIN z
        BZMPOP abc 0 z MIN
        BZMPOP abc 1 z MIN COUNT 0
        BZMPOP abc 1 z MIN
        BZMPOP 0 1 z UP
        BZMPOP 0 1 z
        LRANGE l 0 -1
        EXISTS d
        """);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void wrongTypeKeys(int proto) throws Exception {
    script(proto, """
        SET s x
        RPUSH l a b
        ZADD z 1 m
        BLPOP s 0.1
        BLPOP nothing s 0.1
        BLPOP l s 0.1
        BRPOP z 0.1
        BLMOVE s l LEFT RIGHT 0.1
        BLMOVE l s LEFT RIGHT 0.1
        BRPOPLPUSH l z 0.1
        LRANGE l 0 -1
        BLMPOP 0.1 2 s l LEFT
        BZPOPMIN l 0.1
        BZPOPMAX nothing s 0.1
        BZMPOP 0.1 2 l z MIN
        BZPOPMIN z s 0.1
        """);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void insideMultiTheyDoNotBlock(int proto) throws Exception {
    script(proto, """
        MULTI
        BLPOP nothing 0
        BRPOP nothing 1
        BLMOVE nothing d LEFT RIGHT 0
        BRPOPLPUSH nothing d 0
        BLMPOP 0 1 nothing LEFT
        BZPOPMIN nothing 0
        BZPOPMAX nothing 0
        BZMPOP 0 1 nothing MIN
        EXEC
        MULTI
        RPUSH l a b c
        BLPOP l 0
        BLMOVE l d LEFT LEFT 0
        BLMPOP 0 1 l RIGHT COUNT 5
        BLPOP l 0
        ZADD z 1 a 2 b
        BZPOPMAX z 0
        BZMPOP 0 1 z MIN COUNT 2
        BZPOPMIN z 0
        BLPOP l abc
        BLMPOP 0 0 l LEFT
        SET s x
        BLPOP s 0
        EXEC
        LRANGE d 0 -1
        """);
  }

  /**
   * Sends the blocking command to both, runs {@code push} on a second pair of connections once
   * the client is blocked on both, compares the blocked client's replies, then the {@code checks}.
   */
  private static void servedByAnotherConnection(int proto, String[] blocking, String[] push,
      String[]... checks) throws Exception {
    servedAfter(proto, blocking, new String[][] {push}, checks);
  }

  /** The same with several commands run (in turn, on both) while the client is blocked. */
  private static void servedAfter(int proto, String[] blocking, String[][] pushes,
      String[]... checks) throws Exception {
    Raw[] waiting = pair(proto);
    Raw[] pushing = pair(proto);
    try (Raw wr = waiting[0]; Raw wk = waiting[1]; Raw pr = pushing[0]; Raw pk = pushing[1]) {
      wr.send(blocking);
      wk.send(blocking);
      awaitBlocked(1);
      for (String[] push : pushes) {
        assertEquals(pr.call(push), pk.call(push), () -> "reply to " + String.join(" ", push));
      }
      assertEquals(wr.read(), wk.read(), () -> "RESP" + proto + " reply to " + String.join(" ", blocking));
      for (String[] c : checks) {
        assertEquals(pr.call(c), pk.call(c), () -> "reply to " + String.join(" ", c));
      }
    }
  }

  /** Waits until both servers report {@code n} blocked clients. */
  static void awaitBlocked(int n) throws Exception {
    try (Raw r = new Raw(diff.redisPort()); Raw k = new Raw(diff.raftKvPort())) {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      int br;
      int bk;
      while ((br = blocked(r)) != n | (bk = blocked(k)) != n) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("expected " + n + " blocked clients, redis-server has " + br
              + ", raft-kv " + bk);
        }
        Thread.sleep(20);
      }
    }
  }

  private static int blocked(Raw c) {
    try {
      String info = c.call("INFO", "clients");
      int i = info.indexOf("blocked_clients:");
      return Integer.parseInt(info.substring(i + 16, info.indexOf('\r', i)));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void aBlockedClientIsServedByAPushOfAnotherConnection(int proto) throws Exception {
    servedByAnotherConnection(proto, new String[] {"BLPOP", "a", "l", "0"},
        new String[] {"RPUSH", "l", "x", "y"}, new String[] {"LRANGE", "l", "0", "-1"});
    servedByAnotherConnection(proto, new String[] {"BRPOP", "l2", "10"},
        new String[] {"LPUSH", "l2", "v"}, new String[] {"EXISTS", "l2"});
    servedByAnotherConnection(proto, new String[] {"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"},
        new String[] {"RPUSH", "src", "1", "2"}, new String[] {"LRANGE", "dst", "0", "-1"},
        new String[] {"LRANGE", "src", "0", "-1"});
    servedByAnotherConnection(proto, new String[] {"BRPOPLPUSH", "src2", "dst", "0"},
        new String[] {"LPUSH", "src2", "3"}, new String[] {"LRANGE", "dst", "0", "-1"});
    servedByAnotherConnection(proto, new String[] {"BLMPOP", "0", "2", "n", "m", "LEFT", "COUNT", "2"},
        new String[] {"RPUSH", "m", "a", "b", "c"}, new String[] {"LRANGE", "m", "0", "-1"});
    servedByAnotherConnection(proto, new String[] {"BZPOPMIN", "z", "0"},
        new String[] {"ZADD", "z", "2", "b", "1.5", "a"}, new String[] {"ZRANGE", "z", "0", "-1", "WITHSCORES"});
    servedByAnotherConnection(proto, new String[] {"BZPOPMAX", "z2", "y", "0"},
        new String[] {"ZADD", "y", "7", "q"}, new String[] {"EXISTS", "y"});
    servedByAnotherConnection(proto, new String[] {"BZMPOP", "0", "1", "w", "MAX", "COUNT", "2"},
        new String[] {"ZADD", "w", "1", "a", "2", "b", "3", "c"}, new String[] {"ZRANGE", "w", "0", "-1"});
    diff.same("DBSIZE");
  }

  @Test
  void commandsPipelinedAfterABlockedOneWaitForIt() throws Exception {
    Raw[] waiting = pair(2);
    Raw[] pushing = pair(2);
    try (Raw wr = waiting[0]; Raw wk = waiting[1]; Raw pr = pushing[0]; Raw pk = pushing[1]) {
      for (Raw w : new Raw[] {wr, wk}) {
        w.send("BLPOP", "q", "0");
        w.send("LPUSH", "q", "own"); // runs only once the BLPOP has been served
        w.send("LRANGE", "q", "0", "-1");
      }
      awaitBlocked(1);
      assertEquals(pr.call("LLEN", "q"), pk.call("LLEN", "q"));
      assertEquals(pr.call("RPUSH", "q", "theirs"), pk.call("RPUSH", "q", "theirs"));
      List<String> r = new ArrayList<>();
      List<String> k = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        r.add(wr.read());
        k.add(wk.read());
      }
      assertEquals(r, k);
      assertEquals("*2\r\n$1\r\nq\r\n$6\r\ntheirs\r\n", k.get(0));
    }
  }

  @Test
  void theTimeoutRunsOnTheReceivingPeerAndADisconnectedClientTakesNothing() throws Exception {
    Raw[] p = pair(2);
    try (Raw r = p[0]; Raw k = p[1]) {
      long t0 = System.nanoTime();
      assertEquals("*-1\r\n", k.call("BLPOP", "gone", "0.3"));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 290 && ms < 5_000, "waited " + ms + " ms");
      assertEquals(r.call("BLPOP", "gone", "0.3"), "*-1\r\n");
    }
    Raw[] q = pair(2);
    q[0].send("BLPOP", "gone", "0");
    q[1].send("BLPOP", "gone", "0");
    awaitBlocked(1);
    q[0].close();
    q[1].close();
    awaitBlocked(0);
    diff.same("RPUSH", "gone", "kept");
    diff.same("LRANGE", "gone", "0", "-1");
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void clientUnblockAnswersTheTimeoutsNullOrAnError(int proto) throws Exception {
    script(proto, """
        CLIENT UNBLOCK 1 timeout x
        CLIENT UNBLOCK abc
        CLIENT UNBLOCK abc foo
        CLIENT UNBLOCK 99999 error
        CLIENT UNBLOCK 99999 TIMEOUT
        CLIENT UNBLOCK 99999
        CLIENT UNBLOCK
        """);
    for (String mode : new String[] {"TIMEOUT", "ERROR", null}) {
      Raw[] waiting = pair(proto);
      Raw[] other = pair(proto);
      try (Raw wr = waiting[0]; Raw wk = waiting[1]; Raw or = other[0]; Raw ok = other[1]) {
        String idr = wr.call("CLIENT", "ID").substring(1).strip();
        String idk = wk.call("CLIENT", "ID").substring(1).strip();
        wr.send("BZPOPMIN", "unblock-me", "0");
        wk.send("BZPOPMIN", "unblock-me", "0");
        awaitBlocked(1);
        String list = ok.call("CLIENT", "LIST");
        assertTrue(list.contains("id=" + idk + " ") && list.matches("(?s).*id=" + idk + " [^\\n]* flags=b .*"),
            "CLIENT LIST flags a blocked client b: " + list);
        String[] cr = mode == null ? new String[] {"CLIENT", "UNBLOCK", idr}
            : new String[] {"CLIENT", "UNBLOCK", idr, mode};
        String[] ck = mode == null ? new String[] {"CLIENT", "UNBLOCK", idk}
            : new String[] {"CLIENT", "UNBLOCK", idk, mode};
        assertEquals(":1\r\n", or.call(cr));
        assertEquals(":1\r\n", ok.call(ck));
        assertEquals(wr.read(), wk.read(), "the unblocked client's reply, " + mode);
        assertEquals(or.call(cr), ok.call(ck), "not blocked any more");
        assertEquals(wr.call("PING"), wk.call("PING"), "the connection goes on");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void aKeyThatNowHoldsAnotherTypeKeepsItsClientsBlocked(int proto) throws Exception {
    // BLPOP on a key SET to a string meanwhile: still blocked, served by the other key's push
    servedAfter(proto, new String[] {"BLPOP", "k1", "k2", "0"},
        new String[][] {new String[] {"SET", "k1", "string"}, new String[] {"RPUSH", "k2", "v"}},
        new String[] {"GET", "k1"}, new String[] {"EXISTS", "k2"});
    servedAfter(proto, new String[] {"BZPOPMIN", "z1", "z2", "0"},
        new String[][] {new String[] {"RPUSH", "z1", "list"}, new String[] {"ZADD", "z2", "1", "m"}},
        new String[] {"LRANGE", "z1", "0", "-1"});
    servedAfter(proto, new String[] {"BLMPOP", "0", "2", "m1", "m2", "RIGHT"},
        new String[][] {new String[] {"SADD", "m1", "member"}, new String[] {"RPUSH", "m2", "a", "b"}},
        new String[] {"LRANGE", "m2", "0", "-1"});
    servedAfter(proto, new String[] {"BZMPOP", "0", "2", "n1", "n2", "MAX"},
        new String[][] {new String[] {"SET", "n1", "s"}, new String[] {"ZADD", "n2", "1", "a", "2", "b"}},
        new String[] {"ZRANGE", "n2", "0", "-1"});
    // Redis's "BRPOPLPUSH with multiple blocked clients": the first client's destination is a
    // string, so it gets WRONGTYPE and the element goes to the second client
    Raw[] first = pair(proto);
    Raw[] second = pair(proto);
    Raw[] pushing = pair(proto);
    try (Raw f0 = first[0]; Raw f1 = first[1]; Raw s0 = second[0]; Raw s1 = second[1];
        Raw p0 = pushing[0]; Raw p1 = pushing[1]) {
      assertEquals(p0.call("SET", "target1", "nolist"), p1.call("SET", "target1", "nolist"));
      f0.send("BRPOPLPUSH", "blist", "target1", "0");
      f1.send("BRPOPLPUSH", "blist", "target1", "0");
      awaitBlocked(1);
      s0.send("BRPOPLPUSH", "blist", "target2", "0");
      s1.send("BRPOPLPUSH", "blist", "target2", "0");
      awaitBlocked(2);
      assertEquals(p0.call("LPUSH", "blist", "foo"), p1.call("LPUSH", "blist", "foo"));
      assertEquals(f0.read(), f1.read(), "the first client's WRONGTYPE");
      assertEquals(s0.read(), s1.read(), "the second client's element");
      assertEquals(p0.call("LRANGE", "target2", "0", "-1"), p1.call("LRANGE", "target2", "0", "-1"));
      assertEquals(p0.call("EXISTS", "blist"), p1.call("EXISTS", "blist"));
    }
    // BLMOVE whose destination became a string: WRONGTYPE, the element stays in the source
    servedAfter(proto, new String[] {"BLMOVE", "from", "to", "LEFT", "LEFT", "0"},
        new String[][] {new String[] {"SET", "to", "s"}, new String[] {"RPUSH", "from", "e"}},
        new String[] {"LRANGE", "from", "0", "-1"}, new String[] {"GET", "to"});
  }
}

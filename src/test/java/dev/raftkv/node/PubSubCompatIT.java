package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pub/Sub against redis-server 7.0.15, byte for byte on raw sockets (push frames included):
 * confirmations, message / pmessage / smessage frames in RESP2 and RESP3, RESP2's subscribed-mode
 * errors and PING, PUBSUB's subcommands, and PUBLISH's count of subscribers. On raft-kv every
 * connection of a test goes to the same follower, so PUBLISH goes through the leader's log and the
 * subscribers it counts are the follower's own.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PubSubCompatIT {
  @RegisterExtension static final RedisDiff diff = new RedisDiff("memory");

  /** One raw connection to each server; what each sends back is compared as bytes. */
  private static final class Pair implements AutoCloseable {
    final Raw redis;
    final Raw raftkv;

    Pair() throws IOException {
      redis = new Raw(diff.redisPort());
      raftkv = new Raw(diff.raftKvPort());
    }

    /** Sends the commands to both and requires the same bytes back. */
    void same(String... commands) throws Exception {
      for (String c : commands) {
        redis.send(c);
        raftkv.send(c);
      }
      sameOutput(String.join(" / ", commands));
    }

    /** What each has received since the last look must be the same bytes. */
    void sameOutput(String what) throws Exception {
      String expected = redis.readQuiet(300);
      String actual = raftkv.readAtLeast(expected.length(), 5000);
      assertEquals(expected, actual, what);
    }

    /** HELLO 3 on both; the replies differ (server name, version, id) and are dropped. */
    void hello3() throws Exception {
      redis.send("HELLO 3");
      raftkv.send("HELLO 3");
      redis.readQuiet(300);
      raftkv.readQuiet(300);
    }

    @Override
    public void close() throws IOException {
      redis.close();
      raftkv.close();
    }
  }

  /** A raw RESP connection: commands are split on spaces and sent as RESP arrays. */
  static final class Raw implements AutoCloseable {
    final Socket socket;
    final OutputStream out;
    final InputStream in;

    Raw(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = socket.getInputStream();
    }

    void send(String command) throws IOException {
      String[] args = command.split(" ");
      StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        sb.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
      }
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    /** Everything that arrives until nothing came for {@code quietMs}. */
    String readQuiet(int quietMs) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      byte[] buf = new byte[65536];
      socket.setSoTimeout(quietMs);
      while (true) {
        try {
          int n = in.read(buf);
          if (n < 0) {
            break;
          }
          b.write(buf, 0, n);
        } catch (SocketTimeoutException e) {
          break;
        }
      }
      return b.toString(StandardCharsets.UTF_8);
    }

    /** At least {@code n} characters (waiting up to {@code limitMs}), then whatever follows at once. */
    String readAtLeast(int n, int limitMs) throws IOException {
      StringBuilder sb = new StringBuilder();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limitMs);
      while (sb.length() < n && System.nanoTime() < deadline) {
        sb.append(readQuiet(50));
      }
      sb.append(readQuiet(200));
      return sb.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @Test
  void keyspaceNotificationsAreRedisOnesInCommandOrder() throws Exception {
    try (Pair sub = new Pair(); Pair w = new Pair()) {
      w.same("CONFIG SET notify-keyspace-events KEA", "CONFIG GET notify-keyspace-events");
      sub.same("PSUBSCRIBE *");
      w.same("SET foo bar", "SET foo bar", "SETNX foo x", "SET foo y NX", "SET foo z XX", "EXPIRE foo 100",
          "PERSIST foo", "PERSIST foo", "DEL foo nothing", "MSET a 1 b 2", "INCR a", "INCRBY a 0",
          "INCRBYFLOAT a 1.5", "APPEND b x", "SETRANGE b 0 y", "GETDEL b", "RENAME a c", "COPY c d",
          "SET e 1 EX 100", "GETEX e PERSIST", "EXPIRE e -1");
      w.same("LPUSH l a b c", "RPUSH l d", "RPOP l", "LPOP l 2", "LSET l 0 x", "LINSERT l BEFORE x w",
          "LREM l 0 w", "RPOPLPUSH l l2", "LMOVE l2 l3 LEFT RIGHT", "LPUSHX nothing a");
      w.same("SADD s a b", "SADD s a", "SREM s x", "SREM s a", "SMOVE s s2 b", "SADD s3 1 2",
          "SINTERSTORE s4 s3 s2", "SUNIONSTORE s4 s3 s2", "SREM s3 1", "SPOP s3");
      w.same("HMSET h a 1 b 2", "HSET h a 1", "HSETNX h a 2", "HINCRBY h a 5", "HINCRBYFLOAT h b 1.5",
          "HDEL h x", "HDEL h a b");
      w.same("ZADD z 1 a 2 b", "ZADD z 1 a", "ZADD z INCR 1 a", "ZINCRBY z 1 b", "ZREM z x", "ZREM z a",
          "ZADD z 3 c 4 d 5 e", "ZPOPMIN z", "ZPOPMAX z", "ZUNIONSTORE z2 1 z", "ZREMRANGEBYSCORE z 0 10",
          "ZADD z 1 a", "ZREMRANGEBYRANK z 0 -1");
      w.same("CONFIG SET notify-keyspace-events KEl", "SET masked 1", "LPUSH ml a");
      w.same("CONFIG SET notify-keyspace-events En", "SET n1 1", "SET n1 2", "SET n2 1",
          "EVAL return(redis.call('SET',KEYS[1],'1')) 1 n3"); // the script's SET notifies, once
      w.same("CONFIG SET notify-keyspace-events Kg", "SET g 1", "EXPIRE g 100", "DEL g",
          "EVAL return(redis.call('DEL',KEYS[1])) 1 n3", "MULTI", "SET g 1", "DEL g", "EXEC");
      sub.sameOutput("the events of those commands");
      w.same("CONFIG SET notify-keyspace-events gKE", "CONFIG GET notify-keyspace-events",
          "CONFIG SET notify-keyspace-events $lshzxeKE", "CONFIG GET notify-keyspace-events",
          "CONFIG SET notify-keyspace-events KA", "CONFIG GET notify-keyspace-events",
          "CONFIG SET notify-keyspace-events EA", "CONFIG GET notify-keyspace-events",
          "CONFIG SET notify-keyspace-events Kq", "CONFIG GET notify-keyspace-events",
          "CONFIG SET notify-keyspace-events nmKE", "CONFIG GET notify-keyspace-events");
      w.same("CONFIG SET notify-keyspace-events", "CONFIG SET notify-keyspace-events Ex");
      // a key removed by the expiry sweeper (Redis's active expiry): 'expired', from every peer's log
      sub.raftkv.send("PING");
      sub.redis.send("PING");
      sub.sameOutput("PING");
      w.same("PSETEX t 100 1");
      String expired = "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$22\r\n__keyevent@0__:expired\r\n$1\r\nt\r\n";
      assertEquals(expired, sub.raftkv.readAtLeast(expired.length(), 10_000));
      assertEquals(expired, sub.redis.readAtLeast(expired.length(), 10_000));
      diff.both("CONFIG", "SET", "notify-keyspace-events", ""); // off again for the other tests
    }
  }

  @Test
  void confirmationsSubscribedModeErrorsAndPingInResp2() throws Exception {
    try (Pair p = new Pair()) {
      p.same("UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "UNSUBSCRIBE nothing");
      p.same("SUBSCRIBE a b a");
      p.same("GET x", "CLIENT LIST", "SET k v", "MULTI", "PUBLISH a m");
      p.same("PING", "PING hi", "PING a b");
      p.same("PSUBSCRIBE h* h?", "SSUBSCRIBE s", "SSUBSCRIBE s t");
      p.same("UNSUBSCRIBE b", "UNSUBSCRIBE a", "UNSUBSCRIBE a");
      p.same("PUNSUBSCRIBE h?", "PUNSUBSCRIBE", "GET x");
      p.same("SUNSUBSCRIBE t", "SUNSUBSCRIBE");
      p.same("GET x", "PING", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE");
    }
  }

  @Test
  void confirmationsAndCommandsInResp3() throws Exception {
    try (Pair p = new Pair()) {
      p.hello3();
      p.same("UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE");
      p.same("SUBSCRIBE a", "PSUBSCRIBE a*", "SSUBSCRIBE s");
      // RESP3 has no subscribed mode: every command runs
      p.same("PING", "PING x", "GET x", "SET k v", "GET k", "ECHO e");
      p.same("UNSUBSCRIBE a", "PUNSUBSCRIBE", "SUNSUBSCRIBE s", "UNSUBSCRIBE");
    }
  }

  @Test
  void resetLeavesSubscribedMode() throws Exception {
    try (Pair p = new Pair()) {
      p.same("SUBSCRIBE a", "PSUBSCRIBE p*", "RESET", "GET x", "PUBSUB NUMSUB a", "PUBSUB NUMPAT");
    }
  }

  @Test
  void messageFramesInResp2AndResp3() throws Exception {
    try (Pair sub2 = new Pair(); Pair sub3 = new Pair(); Pair pub = new Pair()) {
      sub2.same("SUBSCRIBE ch", "PSUBSCRIBE c*", "SSUBSCRIBE ch");
      sub3.hello3();
      sub3.same("SUBSCRIBE ch", "PSUBSCRIBE c*", "SSUBSCRIBE ch");
      pub.same("PUBLISH ch hello", "SPUBLISH ch x", "PUBLISH other y", "PUBLISH cx z");
      sub2.sameOutput("RESP2 subscriber's messages");
      sub3.sameOutput("RESP3 subscriber's messages");
      // RESP3: a pending reply and pushes on one connection
      sub3.same("GET k");
      pub.same("PUBLISH ch after");
      sub3.sameOutput("RESP3 push after a reply");
    }
  }

  @Test
  void publishCountsSubscribersOfThePeer() throws Exception {
    try (Pair pub = new Pair(); Pair s1 = new Pair(); Pair s2 = new Pair()) {
      pub.same("PUBLISH n m");
      s1.same("SUBSCRIBE n");
      pub.same("PUBLISH n m");
      s2.same("PSUBSCRIBE n*");
      pub.same("PUBLISH n m", "PUBLISH nn m", "SPUBLISH n m");
      s1.sameOutput("channel subscriber");
      s2.sameOutput("pattern subscriber");
      s2.same("PUNSUBSCRIBE");
      pub.same("PUBLISH n m");
    }
  }

  @Test
  void pubsubSubcommands() throws Exception {
    try (Pair s = new Pair(); Pair t = new Pair(); Pair q = new Pair()) {
      q.same("PUBSUB CHANNELS", "PUBSUB NUMPAT", "PUBSUB NUMSUB", "PUBSUB NUMSUB a", "PUBSUB SHARDCHANNELS",
          "PUBSUB SHARDNUMSUB x");
      s.same("SUBSCRIBE news", "PSUBSCRIBE n*", "PSUBSCRIBE x*", "SSUBSCRIBE shard");
      t.same("SUBSCRIBE news", "PSUBSCRIBE n*");
      q.same("PUBSUB CHANNELS", "PUBSUB CHANNELS n*", "PUBSUB CHANNELS z*", "PUBSUB NUMPAT",
          "PUBSUB NUMSUB news n* zz", "PUBSUB SHARDCHANNELS", "PUBSUB SHARDCHANNELS s*",
          "PUBSUB SHARDNUMSUB shard news");
      q.same("PUBSUB", "PUBSUB foo", "PUBSUB NUMPAT x", "PUBSUB CHANNELS a b", "PUBSUB HELP",
          "PUBLISH a", "SPUBLISH a", "PUBLISH a b c");
      q.hello3();
      q.same("PUBSUB CHANNELS", "PUBSUB NUMSUB news", "PUBSUB NUMPAT");
    }
  }

  @Test
  void aclChannelPermissions() throws Exception {
    diff.same("ACL", "SETUSER", "pubsubuser", "on", "nopass", "+@all", "~*", "&news.*");
    try (Pair p = new Pair()) {
      p.same("AUTH pubsubuser x");
      p.same("PUBLISH news.a m", "PUBLISH other m", "SPUBLISH other m");
      p.same("SUBSCRIBE news.1 other", "PSUBSCRIBE news.*", "PSUBSCRIBE news.x*", "UNSUBSCRIBE zzz");
      p.same("PUNSUBSCRIBE", "UNSUBSCRIBE");
    } finally {
      diff.same("ACL", "DELUSER", "pubsubuser");
    }
  }

  @Test
  void aclPubsubCategoryAndNewUsersWithoutChannels() throws Exception {
    diff.same("ACL", "SETUSER", "onlypubsub", "on", "nopass", "-@all", "+@pubsub", "allchannels");
    diff.same("ACL", "SETUSER", "nochannels", "on", "nopass", "+@all", "~*");
    try (Pair p = new Pair(); Pair q = new Pair()) {
      p.same("AUTH onlypubsub x", "PUBLISH a b", "GET k", "PUBSUB NUMSUB a", "PUBSUB NUMPAT", "PUBSUB HELP",
          "SUBSCRIBE a", "UNSUBSCRIBE a");
      q.same("AUTH nochannels x", "PUBLISH a b", "SUBSCRIBE a", "PSUBSCRIBE *", "GET k", "PUBSUB CHANNELS");
    } finally {
      diff.same("ACL", "DELUSER", "onlypubsub", "nochannels");
    }
  }

  /** The fields of CLIENT LIST lines and INFO lines that both servers must show alike. */
  private static String fields(String text, String... names) {
    StringBuilder sb = new StringBuilder();
    for (String line : text.split("[\r\n]+")) {
      for (String f : line.split(" ")) {
        for (String n : names) {
          if (f.startsWith(n + "=") || f.startsWith(n + ":")) {
            sb.append(f).append(' ');
          }
        }
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') {
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  @Test
  void clientListAndInfoShowSubscriptions() throws Exception {
    try (Pair s = new Pair(); Pair t = new Pair()) {
      s.same("SUBSCRIBE a b", "PSUBSCRIBE p*", "SSUBSCRIBE x");
      t.same("SUBSCRIBE a");
      for (String[] c : new String[][] {{"CLIENT", "LIST", "TYPE", "pubsub"}, {"CLIENT", "LIST", "TYPE", "normal"}}) {
        Object[] r = diff.both(c);
        assertEquals(fields((String) r[0], "flags", "sub", "psub", "ssub"),
            fields((String) r[1], "flags", "sub", "psub", "ssub"), String.join(" ", c));
      }
      Object[] info = diff.both("INFO", "stats");
      assertEquals(fields((String) info[0], "pubsub_channels", "pubsub_patterns", "pubsubshard_channels"),
          fields((String) info[1], "pubsub_channels", "pubsub_patterns", "pubsubshard_channels"));
      assertEquals("pubsub_channels:2 \npubsub_patterns:1 \npubsubshard_channels:1 \n",
          fields((String) info[1], "pubsub_channels", "pubsub_patterns", "pubsubshard_channels"));
    }
  }
}

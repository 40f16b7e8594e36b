package dev.raftkv.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.command.Keyspace;
import dev.raftkv.pubsub.PubSubHub;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Pushes and the connection's ordered replies, on the real pipeline (EmbeddedChannel) with a hub
 * of its own: a push never overtakes a reply produced before it, and never waits for one
 * produced after it.
 */
class PubSubSessionTest {
  private final PubSubHub hub = new PubSubHub();
  private final List<CompletableFuture<byte[]>> futures = new ArrayList<>();
  private final List<String> calls = new ArrayList<>();

  private final Backend backend = new Backend() {
    private CompletableFuture<byte[]> record(String kind, byte[][] argv) {
      calls.add(kind + " " + new String(argv[0], StandardCharsets.UTF_8));
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      futures.add(f);
      return f;
    }

    @Override
    public CompletableFuture<byte[]> write(byte[][] argv) {
      return record("W", argv);
    }

    @Override
    public CompletableFuture<byte[]> read(byte[][] argv) {
      return record("R", argv);
    }

    @Override
    public String info(List<String> sections, ServerStats stats) {
      return "";
    }

    @Override
    public PubSubHub pubsub() {
      return hub;
    }
  };

  private EmbeddedChannel channel() {
    hub.goLive(0);
    ServerStats stats = new ServerStats();
    return new EmbeddedChannel(new RedisDecoder(true), new FrameLimits(1024, 1 << 20),
        new RedisBulkStringAggregator(), new RedisArrayAggregator(),
        new ClientSession(backend, stats, new LocalCommands(backend, stats, Map.of()), 100));
  }

  private static void send(EmbeddedChannel ch, String s) {
    ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
  }

  private static String out(EmbeddedChannel ch) {
    ch.runPendingTasks();
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
    return sb.toString();
  }

  private void publish(long index, String channel, String message) {
    hub.published(index, List.of(new Keyspace.Published(false, channel.getBytes(StandardCharsets.UTF_8),
        message.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void inResp3APushGoesOutBeforeAPendingReplyThatFollowsInOrder() {
    EmbeddedChannel ch = channel();
    send(ch, "HELLO 3\r\n");
    out(ch);
    send(ch, "SUBSCRIBE ch\r\nGET k\r\n");
    assertEquals(">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", out(ch));
    publish(1, "ch", "hi");
    assertEquals(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", out(ch), "not held behind the GET");
    futures.get(0).complete("$1\r\nv\r\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("$1\r\nv\r\n", out(ch));
  }

  @Test
  void aPushWaitsForTheConfirmationQueuedBehindAnEarlierPendingReply() {
    EmbeddedChannel ch = channel();
    send(ch, "GET k\r\nSUBSCRIBE ch\r\n");
    publish(1, "ch", "one");
    publish(2, "ch", "two");
    assertEquals("", out(ch), "the GET's reply comes first, then the confirmation, then the messages");
    futures.get(0).complete("$1\r\nv\r\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("$1\r\nv\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
        + "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\none\r\n*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\ntwo\r\n", out(ch));
  }

  @Test
  void resp2SubscribedModeAndReset() {
    EmbeddedChannel ch = channel();
    send(ch, "PSUBSCRIBE c*\r\nGET k\r\nPING\r\nPUBLISH c x\r\n");
    assertEquals("*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:1\r\n"
        + "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
        + "*2\r\n$4\r\npong\r\n$0\r\n\r\n"
        + "-ERR Can't execute 'publish': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
        out(ch));
    publish(1, "cat", "m");
    assertEquals("*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$3\r\ncat\r\n$1\r\nm\r\n", out(ch));
    assertEquals(1, hub.count(PubSubHub.Space.PATTERN));
    send(ch, "RESET\r\nPING\r\n");
    assertEquals("+RESET\r\n+PONG\r\n", out(ch));
    assertEquals(0, hub.count(PubSubHub.Space.PATTERN), "RESET drops the subscriptions");
    publish(2, "cat", "m");
    assertEquals("", out(ch));
    assertTrue(calls.isEmpty(), "nothing refused reached the backend");
  }

  @Test
  void publishAnswersThisPeersReceiversAndAClosedConnectionUnsubscribes() {
    EmbeddedChannel ch = channel();
    EmbeddedChannel sub = channel();
    send(sub, "SUBSCRIBE n\r\n");
    out(sub);
    send(ch, "PUBLISH n m\r\n");
    assertEquals(List.of("W PUBLISH"), calls);
    futures.get(0).complete(":0\r\n".getBytes(StandardCharsets.UTF_8)); // the leader's count
    assertEquals("", out(ch), "no reply before this peer has applied the write");
    assertEquals(List.of("W PUBLISH", "R dbsize"), calls, "then a read: it waits for the local apply");
    futures.get(1).complete(":5\r\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(":1\r\n", out(ch), "the receiving peer's own subscriber");
    sub.close();
    assertEquals(0, hub.count(PubSubHub.Space.CHANNEL));
  }
}

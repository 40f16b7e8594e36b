package dev.raftkv.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.raftkv.command.Keyspace;
import dev.raftkv.pubsub.PubSubHub.Space;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hub's bookkeeping and fan-out, with recording subscribers. */
class PubSubHubTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Records what it is handed, as "kind pattern channel message". */
  private static final class Recorder implements PubSubHub.Subscriber {
    final List<String> got = new ArrayList<>();

    @Override
    public void push(PubSubHub.Kind kind, byte[] pattern, byte[] channel, byte[] message) {
      got.add(kind + " " + (pattern == null ? "-" : new String(pattern, StandardCharsets.UTF_8)) + " "
          + new String(channel, StandardCharsets.UTF_8) + " " + new String(message, StandardCharsets.UTF_8));
    }
  }

  private static List<Keyspace.Published> msgs(String... channelMessage) {
    List<Keyspace.Published> r = new ArrayList<>();
    for (String cm : channelMessage) {
      String[] p = cm.split(" ");
      r.add(new Keyspace.Published(p[0].startsWith("shard:"), b(p[0].replace("shard:", "")), b(p[1])));
    }
    return r;
  }

  @Test
  void channelSubscribersFirstThenEveryMatchingPatternInLogOrder() {
    PubSubHub hub = new PubSubHub();
    hub.goLive(0);
    Recorder a = new Recorder();
    Recorder p = new Recorder();
    hub.subscribe(Space.CHANNEL, b("news"), a);
    hub.subscribe(Space.PATTERN, b("n*"), a);
    hub.subscribe(Space.PATTERN, b("n[eo]ws"), p);
    hub.subscribe(Space.SHARD, b("news"), p);
    assertEquals(3, hub.receivers(false, b("news")));
    assertEquals(1, hub.receivers(true, b("news")));
    hub.published(1, msgs("news 1", "nows 2", "other 3", "shard:news 4"));
    assertEquals(List.of("MESSAGE - news 1", "PMESSAGE n* news 1", "PMESSAGE n* nows 2"), a.got);
    assertEquals(List.of("PMESSAGE n[eo]ws news 1", "PMESSAGE n[eo]ws nows 2", "SMESSAGE - news 4"), p.got);
    assertEquals(1, hub.count(Space.CHANNEL));
    assertEquals(2, hub.count(Space.PATTERN));
    assertEquals(1, hub.subscribers(Space.CHANNEL, b("news")));
  }

  @Test
  void unsubscribingTheLastSubscriberForgetsTheName() {
    PubSubHub hub = new PubSubHub();
    hub.goLive(0);
    Recorder a = new Recorder();
    Recorder c = new Recorder();
    hub.subscribe(Space.CHANNEL, b("x"), a);
    hub.subscribe(Space.CHANNEL, b("x"), c);
    hub.unsubscribe(Space.CHANNEL, b("x"), a);
    assertEquals(1, hub.subscribers(Space.CHANNEL, b("x")));
    hub.unsubscribe(Space.CHANNEL, b("x"), c);
    hub.unsubscribe(Space.CHANNEL, b("never"), c);
    assertEquals(0, hub.count(Space.CHANNEL));
    assertEquals(List.of(), hub.active(Space.CHANNEL, null));
    hub.published(2, msgs("x m"));
    assertEquals(List.of(), a.got);
  }

  @Test
  void entriesReplayedAfterARestartAreNotDelivered() {
    PubSubHub hub = new PubSubHub();
    Recorder a = new Recorder();
    hub.subscribe(Space.CHANNEL, b("c"), a);
    hub.published(3, msgs("c before-live")); // the log is still being replayed: not live yet
    hub.goLive(10);
    hub.published(10, msgs("c replayed"));
    hub.published(11, msgs("c new"));
    assertEquals(List.of("MESSAGE - c new"), a.got);
    assertEquals(2, hub.skippedOnReplay());
  }

  @Test
  void aFailingSubscriberDoesNotStopDelivery() {
    PubSubHub hub = new PubSubHub();
    hub.goLive(0);
    Recorder ok = new Recorder();
    hub.subscribe(Space.CHANNEL, b("c"), (k, p, ch, m) -> {
      throw new IllegalStateException("broken");
    });
    hub.subscribe(Space.CHANNEL, b("c"), ok);
    hub.published(1, msgs("c m"));
    assertEquals(List.of("MESSAGE - c m"), ok.got);
  }
}

package dev.raftkv.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.command.CommandSpec;
import dev.raftkv.fuzz.FuzzInputs;
import dev.raftkv.fuzz.RespReplies;
import dev.raftkv.fuzz.StoreBackend;
import dev.raftkv.store.MemoryStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.ChannelHandler;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzes the real RESP pipeline (decoder, frame limits, aggregators, client session) on an
 * EmbeddedChannel, with commands executed by the real executors against a real memory store.
 * Inputs are split into random chunks, as TCP would deliver them. For every input: no exception
 * escapes the pipeline, everything sent back is well-formed RESP, nothing is left unanswered (the
 * connection is closed or idle), every buffer is released (a counting allocator, and Netty's
 * leak detector at PARANOID), and the size limits hold.
 *
 * <p>CI runs the default number of tries (junit-platform.properties); {@code bin/fuzz.sh} runs it
 * for longer.
 */
class RespPipelineFuzzTest {
  private static final List<CommandSpec> SPECS = FuzzInputs.clientCommands().stream()
      .filter(s -> !FuzzInputs.SESSION_ENDING.contains(s.name())).toList();
  private static final List<String> LEAKS = Collections.synchronizedList(new ArrayList<>());

  @BeforeContainer
  static void paranoidLeakDetection() throws ReflectiveOperationException {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    Field f = Class.forName("io.netty.buffer.AbstractByteBuf").getDeclaredField("leakDetector");
    f.setAccessible(true);
    @SuppressWarnings("unchecked")
    ResourceLeakDetector<ByteBuf> detector = (ResourceLeakDetector<ByteBuf>) f.get(null);
    detector.setLeakListener((type, records) -> LEAKS.add(type + " " + records));
  }

  @AfterContainer
  static void noLeakReported() throws InterruptedException {
    // leaked buffers are reported when the detector next tracks a buffer after they were collected
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
      UnpooledByteBufAllocator.DEFAULT.heapBuffer(16).release();
    }
    assertTrue(LEAKS.isEmpty(), "Netty reported leaked buffers: " + LEAKS);
  }

  /** An allocator that remembers every buffer it handed out, to check they were all released. */
  static final class CountingAllocator extends AbstractByteBufAllocator {
    final List<ByteBuf> handedOut = new ArrayList<>();

    CountingAllocator() {
      super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
      handedOut.add(b);
      return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
      handedOut.add(b);
      return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    List<ByteBuf> unreleased() {
      return handedOut.stream().filter(b -> b.refCnt() != 0).toList();
    }
  }

  /** One connection through the real pipeline. */
  static final class Conn {
    final CountingAllocator alloc = new CountingAllocator();
    final StoreBackend backend;
    final EmbeddedChannel ch;
    final ClientSession session;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Conn(long seed, long maxArgs, long maxBulk) {
      backend = new StoreBackend(new MemoryStore(), seed, 0.3);
      ServerStats stats = new ServerStats();
      LocalCommands local = new LocalCommands(backend, stats, Map.of("save", ""));
      ChannelHandler[] handlers = RespServer.handlers(backend, stats, local,
          new RespServer.Limits(maxArgs, maxBulk, 64),
          new RespServer.ClientLimits(100, 1 << 24, 1 << 16, 0), new ConnectionLimits.Slots(100));
      session = (ClientSession) handlers[handlers.length - 1];
      ch = new EmbeddedChannel(handlers);
      ch.config().setAllocator(alloc);
    }

    /** Feeds the input in random chunks, letting held-back replies complete in between. */
    void feed(byte[] input, Random r) {
      int at = 0;
      while (at < input.length && ch.isOpen()) {
        if (!ch.config().isAutoRead()) {
          // the peer stopped reading (back-pressure): a real client waits until it reads again
          backend.overload = false;
          while (backend.releaseDeferred()) {
            tick();
          }
          tick();
          if (!ch.config().isAutoRead()) {
            break; // closing
          }
        }
        int n = Math.min(input.length - at, 1 + r.nextInt(r.nextBoolean() ? 8 : 4096));
        ByteBuf chunk = alloc.heapBuffer(n).writeBytes(input, at, n);
        at += n;
        ch.writeInbound(chunk); // rethrows anything that escaped the pipeline
        if (r.nextInt(4) == 0) {
          backend.releaseDeferred();
        }
        if (r.nextInt(6) == 0) {
          backend.overload = !backend.overload; // the peer's queue passes its bound, or drops below
        }
        tick();
        collect();
      }
      backend.overload = false;
      tick();
      while (backend.releaseDeferred()) {
        tick();
      }
      tick();
      ch.checkException();
      collect();
    }

    /** Lets time pass for scheduled tasks (the overload re-check), then runs what is due. */
    void tick() {
      ch.advanceTimeBy(10, java.util.concurrent.TimeUnit.MILLISECONDS);
      ch.runPendingTasks();
      ch.runScheduledPendingTasks();
      ch.runPendingTasks();
    }

    void collect() {
      ByteBuf b;
      while ((b = ch.readOutbound()) != null) {
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        out.writeBytes(bytes);
        b.release();
      }
    }

    /** Closes like a client that hangs up, then checks every buffer came back. */
    void closeAndCheckBuffers() {
      ch.finishAndReleaseAll();
      collect();
      List<ByteBuf> left = alloc.unreleased();
      assertTrue(left.isEmpty(), left.size() + " buffers were never released: " + left);
    }
  }

  @Provide
  Arbitrary<byte[]> streams() {
    return FuzzInputs.stream(SPECS);
  }

  @Property
  void anyByteStreamGetsWellFormedRepliesOrAClosedConnectionAndLeaksNothing(
      @ForAll("streams") byte[] input, @ForAll long seed) {
    Conn c = new Conn(seed, 1024, 1 << 20);
    c.feed(input, new Random(seed));
    byte[] sent = c.out.toByteArray();
    RespReplies.count(sent); // throws when the output is not a sequence of complete replies
    boolean open = c.ch.isOpen();
    if (open) {
      assertTrue(c.session.idle(), "an open connection has every complete request answered");
    }
    String text = new String(sent, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertTrue(!text.contains("internal error"), "a command hit a bug: " + text);
    c.closeAndCheckBuffers();
  }

  @Provide
  Arbitrary<List<byte[][]>> commandLists() {
    return FuzzInputs.command(SPECS).list().ofMinSize(1).ofMaxSize(40);
  }

  @Property
  void everyWellFormedRequestGetsExactlyOneReplyInOrder(@ForAll("commandLists") List<byte[][]> commands,
      @ForAll long seed) {
    Conn c = new Conn(seed, 1024, 1 << 20);
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    for (byte[][] argv : commands) {
      in.writeBytes(FuzzInputs.respArray(argv));
    }
    // a marker at the end: its reply must be the last one
    in.writeBytes(FuzzInputs.respArray(new byte[][] {FuzzInputs.bytes("ECHO"), FuzzInputs.bytes("end-marker")}));
    c.feed(in.toByteArray(), new Random(seed));
    byte[] sent = c.out.toByteArray();
    assertEquals(commands.size() + 1, RespReplies.count(sent), () -> "replies to " + commands.size()
        + " commands and the marker: " + new String(sent, java.nio.charset.StandardCharsets.ISO_8859_1));
    String text = new String(sent, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertTrue(text.endsWith("$10\r\nend-marker\r\n") || text.endsWith("+end-marker\r\n")
        || text.endsWith("+QUEUED\r\n"), "the marker's reply is last");
    assertTrue(!text.contains("internal error"), "a command hit a bug: " + text);
    assertTrue(c.ch.isOpen(), "well-formed commands never close the connection");
    assertTrue(c.session.idle());
    c.closeAndCheckBuffers();
  }

  @Property(tries = 200)
  void frameLimitsRejectOversizedRequestsBeforeTheyReachACommand(
      @ForAll("limitCases") long[] limitAndDeclared, @ForAll long seed) {
    long limit = limitAndDeclared[0];
    long declared = limitAndDeclared[1];
    boolean bulk = limitAndDeclared[2] == 1;
    Conn c = bulk ? new Conn(seed, 1024, limit) : new Conn(seed, limit, 1 << 20);
    String head = bulk ? "*2\r\n$4\r\nECHO\r\n$" + declared + "\r\n" : "*" + declared + "\r\n$4\r\nECHO\r\n";
    c.feed(FuzzInputs.bytes(head), new Random(seed));
    String text = c.out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    if (declared > limit) {
      assertEquals(bulk ? "-ERR Protocol error: invalid bulk length\r\n"
          : "-ERR Protocol error: invalid multibulk length\r\n", text);
      assertTrue(!c.ch.isOpen(), "the connection is closed");
    } else {
      assertEquals("", text, "a request within the limits waits for the rest of its bytes");
      assertTrue(c.ch.isOpen());
    }
    c.closeAndCheckBuffers();
  }

  @Provide
  Arbitrary<long[]> limitCases() {
    return net.jqwik.api.Combinators.combine(Arbitraries.longs().between(4, 1 << 20),
        Arbitraries.longs().between(2, 1 << 21), Arbitraries.of(0L, 1L))
        .as((limit, declared, bulk) -> new long[] {limit, declared, bulk});
  }

  /** Every file of the seed corpus, whole and in one piece. */
  @Example
  void theSeedCorpusPasses() {
    for (byte[] input : FuzzInputs.corpus()) {
      Conn c = new Conn(1, 1024, 1 << 20);
      c.feed(input, new Random(1));
      RespReplies.count(c.out.toByteArray());
      if (c.ch.isOpen()) {
        assertTrue(c.session.idle());
      }
      c.closeAndCheckBuffers();
    }
  }
}

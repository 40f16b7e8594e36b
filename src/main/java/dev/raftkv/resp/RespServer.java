package dev.raftkv.resp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The Netty RESP listener of one peer. */
public final class RespServer implements Closeable {
  /** Limits applied to every connection. */
  public record Limits(long maxArgs, long maxBulkLen, int maxPendingPerClient) {}

  /**
   * Connection limits: {@code maxclients}, {@code client-query-buffer-limit} (bytes of one
   * request), the largest command the log accepts, and the idle {@code timeout} (seconds, 0 = off).
   */
  public record ClientLimits(int maxClients, long queryBufferLimit, long maxCommandBytes,
      long idleTimeoutSeconds) {
    /** Redis's defaults; no command size limit. */
    public static final ClientLimits DEFAULTS = new ClientLimits(10_000, 1L << 30, Long.MAX_VALUE, 0);
  }

  /** A second listener whose connections start with a TLS handshake. */
  public record Tls(InetSocketAddress bind, io.netty.handler.ssl.SslContext context) {}

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ServerStats stats = new ServerStats();
  private final Channel channel;
  private Channel tlsChannel;

  /**
   * Binds and starts serving.
   *
   * @throws IOException when the address cannot be bound (e.g. the port is busy)
   */
  public RespServer(InetSocketAddress bind, Backend backend, Limits limits, Map<String, String> configView,
      int workerThreads) throws IOException {
    this(bind, backend, limits, ClientLimits.DEFAULTS, configView, workerThreads, null);
  }

  /** Binds and starts serving, with these connection limits. */
  public RespServer(InetSocketAddress bind, Backend backend, Limits limits, ClientLimits clientLimits,
      Map<String, String> configView, int workerThreads) throws IOException {
    this(bind, backend, limits, clientLimits, configView, workerThreads, null);
  }

  /**
   * Binds and starts serving; also serves TLS clients on {@code tls} when it is not null.
   *
   * @throws IOException when an address cannot be bound (e.g. the port is busy)
   */
  public RespServer(InetSocketAddress bind, Backend backend, Limits limits, ClientLimits clientLimits,
      Map<String, String> configView, int workerThreads, Tls tls) throws IOException {
    boolean epoll = Epoll.isAvailable();
    boss = new MultiThreadIoEventLoopGroup(1,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    workers = new MultiThreadIoEventLoopGroup(workerThreads,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    LocalCommands local = new LocalCommands(backend, stats, configView);
    ConnectionLimits.Slots slots = new ConnectionLimits.Slots(clientLimits.maxClients());
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(type)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ClientNumbering(stats))
        .childHandler(initializer(null, backend, local, limits, clientLimits, slots));
    try {
      channel = b.bind(bind).sync().channel();
    } catch (Exception e) {
      close();
      throw new IOException("cannot listen for Redis clients on " + bind + ": " + e.getMessage(), e);
    }
    if (tls != null) {
      try {
        tlsChannel = b.clone().childHandler(initializer(tls.context(), backend, local, limits, clientLimits, slots))
            .bind(tls.bind()).sync().channel();
      } catch (Exception e) {
        close();
        throw new IOException("cannot listen for TLS Redis clients on " + tls.bind() + ": "
            + e.getMessage(), e);
      }
    }
  }

  private ChannelInitializer<SocketChannel> initializer(io.netty.handler.ssl.SslContext ssl,
      Backend backend, LocalCommands local, Limits limits, ClientLimits clientLimits,
      ConnectionLimits.Slots slots) {
    return new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        if (ssl != null) {
          ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
        }
        Long id = ch.attr(CLIENT_ID).get();
        ch.pipeline().addLast(handlers(backend, stats, local, limits, clientLimits, slots,
            id == null ? stats.clientIds.incrementAndGet() : id));
      }
    };
  }

  /** A connection's client id (CLIENT ID, CLIENT LIST), set when the listener accepts it. */
  private static final io.netty.util.AttributeKey<Long> CLIENT_ID = io.netty.util.AttributeKey.valueOf("raftkv.client-id");

  /**
   * Numbers the accepted connections on the listener's one accepting thread, in accept order (as
   * Redis does), before each goes to one of the worker loops; numbering them when each becomes
   * active on its loop let two connections opened back to back swap their order in CLIENT LIST.
   */
  @io.netty.channel.ChannelHandler.Sharable
  private static final class ClientNumbering extends io.netty.channel.ChannelInboundHandlerAdapter {
    private final ServerStats stats;

    ClientNumbering(ServerStats stats) {
      this.stats = stats;
    }

    @Override
    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof io.netty.channel.Channel child) {
        child.attr(CLIENT_ID).set(stats.clientIds.incrementAndGet());
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** The TLS listener's address, or null. */
  public InetSocketAddress tlsAddress() {
    return tlsChannel == null ? null : (InetSocketAddress) tlsChannel.localAddress();
  }

  /** The handlers of one client connection, in pipeline order (tests run them on an EmbeddedChannel). */
  static ChannelHandler[] handlers(Backend backend, ServerStats stats, LocalCommands local, Limits limits,
      ClientLimits clientLimits, ConnectionLimits.Slots slots) {
    return handlers(backend, stats, local, limits, clientLimits, slots, stats.clientIds.incrementAndGet());
  }

  private static ChannelHandler[] handlers(Backend backend, ServerStats stats, LocalCommands local, Limits limits,
      ClientLimits clientLimits, ConnectionLimits.Slots slots, long clientId) {
    List<ChannelHandler> h = new ArrayList<>();
    if (clientLimits.idleTimeoutSeconds() > 0) {
      h.add(new IdleStateHandler(0, 0, clientLimits.idleTimeoutSeconds(), TimeUnit.SECONDS));
    }
    h.add(new ConnectionLimits(slots, stats));
    h.add(new LineLimit());
    h.add(new RedisDecoder(true));
    h.add(new FrameLimits(limits.maxArgs(), limits.maxBulkLen(), clientLimits.queryBufferLimit(),
        clientLimits.maxCommandBytes()));
    h.add(new RedisBulkStringAggregator());
    h.add(new RequestAggregator());
    h.add(new ClientSession(backend, stats, local, limits.maxPendingPerClient(), clientId));
    return h.toArray(new ChannelHandler[0]);
  }

  public ServerStats stats() {
    return stats;
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    if (tlsChannel != null) {
      tlsChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    boss.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    workers.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}

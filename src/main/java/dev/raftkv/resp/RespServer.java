package dev.raftkv.resp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
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
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The Netty RESP listener of one peer. */
public final class RespServer implements Closeable {
  /** Limits applied to every connection. */
  public record Limits(long maxArgs, long maxBulkLen, int maxPendingPerClient) {}

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
    this(bind, backend, limits, configView, workerThreads, null);
  }

  /** Also serves TLS clients on {@code tls} when it is not null. */
  public RespServer(InetSocketAddress bind, Backend backend, Limits limits, Map<String, String> configView,
      int workerThreads, Tls tls) throws IOException {
    boolean epoll = Epoll.isAvailable();
    boss = new MultiThreadIoEventLoopGroup(1,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    workers = new MultiThreadIoEventLoopGroup(workerThreads,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    LocalCommands local = new LocalCommands(backend, stats, configView);
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(type)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childHandler(initializer(null, backend, local, limits));
    try {
      channel = b.bind(bind).sync().channel();
    } catch (Exception e) {
      close();
      throw new IOException("cannot listen for Redis clients on " + bind + ": " + e.getMessage(), e);
    }
    if (tls != null) {
      try {
        tlsChannel = b.clone().childHandler(initializer(tls.context(), backend, local, limits))
            .bind(tls.bind()).sync().channel();
      } catch (Exception e) {
        close();
        throw new IOException("cannot listen for TLS Redis clients on " + tls.bind() + ": "
            + e.getMessage(), e);
      }
    }
  }

  private ChannelInitializer<SocketChannel> initializer(io.netty.handler.ssl.SslContext ssl,
      Backend backend, LocalCommands local, Limits limits) {
    return new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        if (ssl != null) {
          ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
        }
        ch.pipeline()
            .addLast(new RedisDecoder(true))
            .addLast(new FrameLimits(limits.maxArgs(), limits.maxBulkLen()))
            .addLast(new RedisBulkStringAggregator())
            .addLast(new RedisArrayAggregator())
            .addLast(new ClientSession(backend, stats, local, limits.maxPendingPerClient()));
      }
    };
  }

  /** The TLS listener's address, or null. */
  public InetSocketAddress tlsAddress() {
    return tlsChannel == null ? null : (InetSocketAddress) tlsChannel.localAddress();
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

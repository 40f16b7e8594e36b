package dev.raftkv.resp;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of a client connection: enforces {@code maxclients} (one more connection is
 * answered with Redis's {@code -ERR max number of clients reached} and closed) and closes a
 * connection that was idle for {@code timeout} seconds (an IdleStateHandler before it fires the
 * event) while it has no request in progress, like Redis's {@code timeout}.
 */
final class ConnectionLimits extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimits.class);
  static final byte[] MAX_CLIENTS = "-ERR max number of clients reached\r\n".getBytes(StandardCharsets.US_ASCII);

  /** Shared by every connection of one server. */
  static final class Slots {
    final int maxClients;
    final AtomicInteger used = new AtomicInteger();

    Slots(int maxClients) {
      this.maxClients = maxClients;
    }
  }

  private final Slots slots;
  private final ServerStats stats;
  private boolean admitted;

  ConnectionLimits(Slots slots, ServerStats stats) {
    this.slots = slots;
    this.stats = stats;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (slots.used.incrementAndGet() > slots.maxClients) {
      slots.used.decrementAndGet();
      stats.rejectedConnections.incrementAndGet();
      LOG.debug("refusing client {}: maxclients ({}) reached", ctx.channel().remoteAddress(), slots.maxClients);
      ctx.write(Unpooled.wrappedBuffer(MAX_CLIENTS));
      CloseAfterReply.close(ctx);
      return; // the session never starts
    }
    admitted = true;
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!admitted) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (admitted) {
      admitted = false;
      slots.used.decrementAndGet();
      super.channelInactive(ctx);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      ClientSession session = ctx.pipeline().get(ClientSession.class);
      if (session == null || session.idle()) {
        LOG.debug("closing idle client {}", ctx.channel().remoteAddress());
        ctx.close();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }
}

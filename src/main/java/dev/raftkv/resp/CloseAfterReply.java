package dev.raftkv.resp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after its last reply so that the client can read that reply whole.
 *
 * <p>Closing a TCP socket while the client's unread requests sit in its receive buffer makes the
 * kernel send a reset, and a reset throws away whatever reply bytes are still queued to send: a
 * client that pipelined a GET of a large value and then a malformed request would see the value
 * cut short instead of the value and the protocol error. So, as web servers do ("lingering
 * close"): every reply is flushed, the sending side is shut down (a FIN after the last byte), what
 * the client still sends is read and thrown away, and the socket is closed when the client closes
 * its side or after {@link #LINGER_MS}, whichever comes first.
 */
final class CloseAfterReply {
  static final long LINGER_MS = 2000;

  private CloseAfterReply() {}

  /** After everything written on {@code ctx}'s channel so far: shut output, drain input, close. */
  static void close(ChannelHandlerContext ctx) {
    Channel ch = ctx.channel();
    if (ch.pipeline().get(Discard.class) != null) {
      return; // already closing
    }
    ch.pipeline().addFirst(new Discard());
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
      if (!written.isSuccess() || !(ch instanceof DuplexChannel duplex)) {
        ch.close();
        return;
      }
      SslHandler tls = ch.pipeline().get(SslHandler.class);
      if (tls != null) {
        tls.closeOutbound().addListener(notified -> shutdownOutput(duplex));
      } else {
        shutdownOutput(duplex);
      }
    });
  }

  private static void shutdownOutput(DuplexChannel ch) {
    ch.shutdownOutput().addListener(shut -> {
      if (!shut.isSuccess()) {
        ch.close();
        return;
      }
      ch.config().setAutoRead(true); // read and drop, so the client's close is seen
      ch.eventLoop().schedule(() -> ch.close(), LINGER_MS, TimeUnit.MILLISECONDS);
    });
  }

  /** First in the pipeline once the connection is closing: whatever arrives is dropped. */
  private static final class Discard extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // e.g. reset by the client: nothing is left to deliver
    }
  }
}

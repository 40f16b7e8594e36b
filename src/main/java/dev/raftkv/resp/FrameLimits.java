package dev.raftkv.resp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.ArrayHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.LastBulkStringRedisContent;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits between the RESP decoder and the aggregators: rejects a request whose declared number of
 * arguments or bulk length is over the limits before anything is allocated for it, and nested
 * arrays, which no command uses. The client gets Redis's error and the connection is closed.
 */
final class FrameLimits extends ChannelInboundHandlerAdapter {
  private final long maxArgs;
  private final long maxBulk;
  /** Elements still expected in the current request array. */
  private long remaining;
  private boolean failed;

  FrameLimits(long maxArgs, long maxBulk) {
    this.maxArgs = maxArgs;
    this.maxBulk = maxBulk;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (failed) {
      ReferenceCountUtil.release(msg);
      return;
    }
    String problem = null;
    if (msg instanceof ArrayHeaderRedisMessage h) {
      if (remaining > 0) {
        problem = "nested arrays are not allowed in requests";
      } else if (h.length() > maxArgs) {
        problem = "invalid multibulk length";
      } else {
        remaining = h.isNull() ? 0 : h.length();
      }
    } else if (msg instanceof BulkStringHeaderRedisMessage b) {
      if (b.bulkStringLength() > maxBulk) {
        problem = "invalid bulk length";
      }
    } else if (msg instanceof LastBulkStringRedisContent || msg instanceof SimpleStringRedisMessage
        || msg instanceof ErrorRedisMessage || msg instanceof IntegerRedisMessage) {
      if (remaining > 0) {
        remaining--;
      }
    }
    if (problem != null) {
      failed = true;
      ReferenceCountUtil.release(msg);
      ClientSession session = ctx.pipeline().get(ClientSession.class);
      if (session != null) {
        session.protocolError(problem);
      } else {
        ctx.close();
      }
      return;
    }
    ctx.fireChannelRead(msg);
  }
}

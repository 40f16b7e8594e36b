package dev.raftkv.resp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.redis.ArrayHeaderRedisMessage;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the elements of one request array into an {@link ArrayRedisMessage}. It replaces
 * netty-codec-redis' RedisArrayAggregator, which keeps the elements of an unfinished array when
 * the connection closes and never releases them (found by RespPipelineFuzzTest: every client that
 * hung up in the middle of a request leaked its buffers). Requests are flat: FrameLimits, before
 * this handler, rejects nested arrays.
 */
final class RequestAggregator extends MessageToMessageDecoder<RedisMessage> {
  private List<RedisMessage> children;
  private long expected;

  RequestAggregator() {
    super(RedisMessage.class);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, RedisMessage msg, List<Object> out) {
    if (msg instanceof ArrayHeaderRedisMessage header) {
      if (children != null) {
        throw new DecoderException("nested arrays are not allowed in requests");
      }
      if (header.isNull()) {
        out.add(ArrayRedisMessage.NULL_INSTANCE);
      } else if (header.length() == 0) {
        out.add(ArrayRedisMessage.EMPTY_INSTANCE);
      } else {
        children = new ArrayList<>((int) Math.min(header.length(), 64));
        expected = header.length();
      }
      return;
    }
    ReferenceCountUtil.retain(msg); // the decoder releases msg after this method
    if (children == null) {
      out.add(msg); // not inside an array: the session answers with a protocol error
      return;
    }
    children.add(msg);
    if (children.size() == expected) {
      out.add(new ArrayRedisMessage(children));
      children = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    discardPartial();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    discardPartial();
    super.handlerRemoved(ctx);
  }

  /** Drops the elements of the unfinished request (FrameLimits skips the rest of it). */
  void discardPartial() {
    if (children != null) {
      children.forEach(ReferenceCountUtil::release);
      children = null;
    }
  }
}

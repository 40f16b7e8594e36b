package dev.raftkv.resp;

import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.ArrayHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringRedisContent;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.LastBulkStringRedisContent;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits between the RESP decoder and the aggregators and enforces the size limits of a request
 * from its declared lengths, before anything is buffered for it:
 * <ul>
 *   <li>more arguments than {@code maxArgs}, a bulk longer than {@code maxBulk}, or a nested
 *       array: Redis's protocol error, and the connection is closed;</li>
 *   <li>a request whose declared bytes pass {@code queryBufferLimit} (Redis's
 *       client-query-buffer-limit): the connection is closed, like Redis does;</li>
 *   <li>an argument longer than {@code maxCommandBytes}, or a write command whose arguments add
 *       up to more (it could never fit in a Raft log entry): the rest of the request is read and
 *       thrown away without being buffered, and the request is answered with an error; the
 *       connection stays usable.</li>
 * </ul>
 */
final class FrameLimits extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(FrameLimits.class);

  private final long maxArgs;
  private final long maxBulk;
  private final long queryBufferLimit;
  private final long maxCommandBytes;
  /** Elements still expected in the current request array. */
  private long remaining;
  /** Declared bytes of the current request so far. */
  private long requestBytes;
  /** The first element (the command name) of the current request, while it is short. */
  private ByteArrayOutputStream name;
  private boolean inFirst;
  private boolean skipping;
  private boolean failed;

  FrameLimits(long maxArgs, long maxBulk) {
    this(maxArgs, maxBulk, Long.MAX_VALUE, Long.MAX_VALUE);
  }

  FrameLimits(long maxArgs, long maxBulk, long queryBufferLimit, long maxCommandBytes) {
    this.maxArgs = maxArgs;
    this.maxBulk = maxBulk;
    this.queryBufferLimit = queryBufferLimit;
    this.maxCommandBytes = maxCommandBytes;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (failed) {
      ReferenceCountUtil.release(msg);
      return;
    }
    String problem = null;
    boolean elementDone = false;
    if (msg instanceof ArrayHeaderRedisMessage h) {
      if (remaining > 0) {
        problem = "nested arrays are not allowed in requests";
      } else if (h.length() > maxArgs) {
        problem = "invalid multibulk length";
      } else {
        remaining = h.isNull() ? 0 : h.length();
        requestBytes = 0;
        name = new ByteArrayOutputStream();
        inFirst = true;
      }
    } else if (msg instanceof BulkStringHeaderRedisMessage b) {
      long len = b.bulkStringLength();
      if (len > maxBulk) {
        problem = "invalid bulk length";
      } else if (remaining > 0) {
        requestBytes += len;
        if (!skipping && (len > maxCommandBytes || (requestBytes > maxCommandBytes && isWrite()))) {
          skipping = true; // thrown away as it arrives, so the query buffer limit does not apply
          RequestAggregator aggregator = ctx.pipeline().get(RequestAggregator.class);
          if (aggregator != null) {
            aggregator.discardPartial();
          }
        }
        if (!skipping && requestBytes > queryBufferLimit) {
          failed = true;
          ReferenceCountUtil.release(msg);
          LOG.warn("closing client {}: request of at least {} bytes passes the query buffer limit"
              + " (raftkv.client-query-buffer-limit = {})", ctx.channel().remoteAddress(), requestBytes,
              queryBufferLimit);
          ctx.close();
          return;
        }
      }
    } else if (msg instanceof LastBulkStringRedisContent || msg instanceof SimpleStringRedisMessage
        || msg instanceof ErrorRedisMessage || msg instanceof IntegerRedisMessage) {
      elementDone = remaining > 0;
    }
    if (inFirst && msg instanceof BulkStringRedisContent c && name != null) {
      ByteBuf content = c.content();
      if (name.size() + content.readableBytes() <= 64) {
        byte[] part = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), part);
        name.writeBytes(part);
      } else {
        name = null; // longer than any command name
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
    if (elementDone) {
      inFirst = false;
      remaining--;
    }
    if (!skipping) {
      ctx.fireChannelRead(msg);
      return;
    }
    ReferenceCountUtil.release(msg);
    if (remaining == 0) {
      skipping = false;
      ClientSession session = ctx.pipeline().get(ClientSession.class);
      if (session != null) {
        session.tooLarge(name == null ? null : name.toByteArray(), requestBytes, maxCommandBytes);
      }
    }
  }

  /**
   * The RESP decoder's errors about a length line, in Redis's words: this handler knows whether
   * the line was a request's argument count (outside an array) or an argument's length (inside
   * one), the decoder does not. Like Redis, a request header with a negative count ({@code *-10})
   * is skipped without a reply; a length that is not a number is {@code invalid multibulk length}
   * or {@code invalid bulk length}, and the connection is closed.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    String m = cause instanceof io.netty.handler.codec.DecoderException
        && cause.getCause() instanceof io.netty.handler.codec.redis.RedisCodecException e
        ? e.getMessage() : null;
    if (m == null || failed) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    boolean notANumber = m.startsWith("no number to parse") || m.startsWith("bad byte in number")
        || m.startsWith("too many characters");
    if (remaining == 0 && m.startsWith("length: -") && m.endsWith("(expected: >= -1)")) {
      // *-10: Redis ignores a request header whose count is not positive. The decoder stopped at
      // the exception; what followed in the same read waits in its buffer: decode it now
      ChannelHandlerContext decoder = ctx.pipeline().context(io.netty.handler.codec.redis.RedisDecoder.class);
      if (decoder != null) {
        ctx.executor().execute(() -> {
          try {
            ((io.netty.channel.ChannelInboundHandler) decoder.handler()).channelRead(decoder, io.netty.buffer.Unpooled.EMPTY_BUFFER);
          } catch (Exception e) {
            ctx.fireExceptionCaught(e);
          }
        });
      }
      return;
    }
    if (!notANumber) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    failed = true;
    ClientSession session = ctx.pipeline().get(ClientSession.class);
    if (session != null) {
      session.protocolError(remaining > 0 ? "invalid bulk length" : "invalid multibulk length");
    } else {
      ctx.close();
    }
  }

  private boolean isWrite() {
    if (name == null || inFirst) {
      return false;
    }
    CommandSpec spec = Commands.lookup(name.toByteArray());
    // inside MULTI a write is queued, and EXEC carries it into the log all the same
    return spec != null && spec.route() == CommandSpec.Route.WRITE;
  }
}

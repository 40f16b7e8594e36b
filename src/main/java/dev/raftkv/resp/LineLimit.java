package dev.raftkv.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits before the RESP decoder and bounds the lines of a request the way Redis bounds its query
 * buffer: a line (a request header {@code *N}, a bulk length {@code $N}, an inline command) that
 * passes 64 KB without its newline is Redis's protocol error, and the connection is closed.
 * The decoder limits inline commands only; a line that starts with a type byte it would buffer
 * without bound (Redis's protocol.tcl, "Protocol desync regression test").
 *
 * <p>It follows the framing just enough for that: bulk payloads (after a {@code $N} line) are
 * passed over by their declared length, whatever bytes they hold.
 */
final class LineLimit extends ChannelInboundHandlerAdapter {
  /** Redis's PROTO_INLINE_MAX_SIZE. */
  static final int MAX_LINE = 64 * 1024;

  /** Bytes of a bulk payload, with its CRLF, still to pass over. */
  private long skip;
  /** Bytes of the current line so far (0: at the start of a line). */
  private int line;
  /** The current line is a bulk length ({@code $N}); {@link #length} is its value so far. */
  private boolean bulkHeader;
  /** The first byte of the current line. */
  private byte type;
  private long length;
  private boolean lengthValid;
  private boolean failed;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (failed) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf b) {
      for (int i = b.readerIndex(), end = b.writerIndex(); i < end; ) {
        if (skip > 0) {
          int n = (int) Math.min(skip, end - i);
          skip -= n;
          i += n;
          continue;
        }
        byte c = b.getByte(i++);
        if (c == '\n') {
          if (bulkHeader && lengthValid && length >= 0) {
            skip = length + 2;
          }
          line = 0;
          continue;
        }
        if (line == 0) {
          type = c;
          bulkHeader = c == '$';
          length = 0;
          lengthValid = false;
        } else if (bulkHeader && c >= '0' && c <= '9' && length < 1_000_000_000_000L) {
          length = length * 10 + (c - '0');
          lengthValid = true;
        } else if (bulkHeader && c != '\r') {
          lengthValid = false; // $-1, or not a number: no payload follows (the decoder decides)
          length = -1;
        }
        if (++line > MAX_LINE) {
          failed = true;
          ReferenceCountUtil.release(msg);
          ClientSession session = ctx.pipeline().get(ClientSession.class);
          if (session != null) {
            session.protocolError(type == '$' ? "too big bulk count string"
                : type == '*' ? "too big mbulk count string" : "too big inline request");
          } else {
            ctx.close();
          }
          return;
        }
      }
    }
    ctx.fireChannelRead(msg);
  }
}

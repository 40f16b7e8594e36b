package dev.raftkv.raft;

import dev.raftkv.command.Commands;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The log-entry codec: one Raft log entry (or read request) carries a batch of client commands.
 *
 * <pre>
 *   version:1 (=2) | timestampMillis:8 | maxValueBytes:varint | count:varint | count x command
 *   command = argc:varint | argc x (length:varint | bytes)
 * </pre>
 *
 * The timestamp is the proposing peer's clock when the batch was formed: the "now" that every
 * replica uses for expiry decisions while applying it. {@code maxValueBytes} is the proposing
 * peer's {@code raftkv.max-value-bytes}: the largest record a command of this batch may leave, the
 * same on every replica whatever each one's own configuration says. Version 1 (written before
 * the limit existed) has no such field and is applied with Redis's 512 MB string limit.
 */
public final class CommandBatch {
  static final byte VERSION = 2;
  private static final byte VERSION_WITHOUT_LIMIT = 1;

  public final long timestamp;
  public final int maxValueBytes;
  public final byte[][][] commands;

  public CommandBatch(long timestamp, int maxValueBytes, byte[][][] commands) {
    this.timestamp = timestamp;
    this.maxValueBytes = maxValueBytes;
    this.commands = commands;
  }

  public static int encodedSize(byte[][] argv) {
    int n = varintSize(argv.length);
    for (byte[] a : argv) {
      n += varintSize(a.length) + a.length;
    }
    return n;
  }

  public static byte[] encode(long timestamp, int maxValueBytes, List<byte[][]> commands) {
    int size = 1 + 8 + varintSize(maxValueBytes) + varintSize(commands.size());
    for (byte[][] c : commands) {
      size += encodedSize(c);
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(VERSION).putLong(timestamp);
    putVarint(b, maxValueBytes);
    putVarint(b, commands.size());
    for (byte[][] c : commands) {
      putVarint(b, c.length);
      for (byte[] a : c) {
        putVarint(b, a.length);
        b.put(a);
      }
    }
    return b.array();
  }

  public static CommandBatch decode(ByteBuffer b) throws IOException {
    try {
      byte version = b.get();
      if (version != VERSION && version != VERSION_WITHOUT_LIMIT) {
        throw new IOException("unknown command batch version " + version);
      }
      long ts = b.getLong();
      int maxValueBytes = version == VERSION_WITHOUT_LIMIT ? (int) Commands.MAX_STRING : getVarint(b);
      int n = getVarint(b);
      byte[][][] commands = new byte[n][][];
      for (int i = 0; i < n; i++) {
        int argc = getVarint(b);
        byte[][] argv = new byte[argc][];
        for (int j = 0; j < argc; j++) {
          argv[j] = new byte[getVarint(b)];
          b.get(argv[j]);
        }
        commands[i] = argv;
      }
      if (b.hasRemaining()) {
        throw new IOException("trailing bytes after command batch");
      }
      return new CommandBatch(ts, maxValueBytes, commands);
    } catch (RuntimeException e) {
      throw new IOException("malformed command batch: " + e, e);
    }
  }

  /** Replies to a batch: {@code count:varint | count x (length:varint | RESP bytes)}. */
  public static byte[] encodeReplies(List<byte[]> replies) {
    int size = varintSize(replies.size());
    for (byte[] r : replies) {
      size += varintSize(r.length) + r.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    putVarint(b, replies.size());
    for (byte[] r : replies) {
      putVarint(b, r.length);
      b.put(r);
    }
    return b.array();
  }

  public static byte[][] decodeReplies(ByteBuffer b) throws IOException {
    try {
      int n = getVarint(b);
      byte[][] r = new byte[n][];
      for (int i = 0; i < n; i++) {
        r[i] = new byte[getVarint(b)];
        b.get(r[i]);
      }
      return r;
    } catch (RuntimeException e) {
      throw new IOException("malformed reply batch: " + e, e);
    }
  }

  static int varintSize(int v) {
    int n = 1;
    while ((v & ~0x7f) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  static void putVarint(ByteBuffer b, int v) {
    while ((v & ~0x7f) != 0) {
      b.put((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
  }

  static int getVarint(ByteBuffer b) throws IOException {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int x = b.get();
      v |= (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        if (v < 0) {
          throw new IOException("negative length");
        }
        return v;
      }
    }
    throw new IOException("varint too long");
  }
}

package dev.raftkv.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed RESP2 reply, as the executors and the Raft gateway produce them: a leaf (its type byte
 * and text) or an array. What reads a reply back (the RESP3 conversion, the merging of several
 * Raft groups' replies) parses it with this.
 */
public final class RespReply {
  public final byte type;
  /** For + - : $ (null for a nil bulk). */
  public final byte[] text;
  /** For * (null for a nil array). */
  public final List<RespReply> items;

  private RespReply(byte type, byte[] text, List<RespReply> items) {
    this.type = type;
    this.text = text;
    this.items = items;
  }

  public boolean isNil() {
    return type == '$' ? text == null : type == '*' && items == null;
  }

  public boolean isArray() {
    return type == '*' && items != null;
  }

  /** The whole of {@code b}, one RESP2 reply. */
  public static RespReply parse(byte[] b) {
    return parse(b, new int[] {0});
  }

  /** Parses one RESP2 reply starting at pos[0]; advances pos[0] past it. */
  public static RespReply parse(byte[] b, int[] pos) {
    byte type = b[pos[0]++];
    int eol = pos[0];
    while (b[eol] != '\r') {
      eol++;
    }
    byte[] line = java.util.Arrays.copyOfRange(b, pos[0], eol);
    pos[0] = eol + 2;
    switch (type) {
      case '$' -> {
        int len = Integer.parseInt(new String(line, StandardCharsets.US_ASCII));
        if (len < 0) {
          return new RespReply(type, null, null);
        }
        byte[] data = java.util.Arrays.copyOfRange(b, pos[0], pos[0] + len);
        pos[0] += len + 2;
        return new RespReply(type, data, null);
      }
      case '*' -> {
        int count = Integer.parseInt(new String(line, StandardCharsets.US_ASCII));
        if (count < 0) {
          return new RespReply(type, null, null);
        }
        List<RespReply> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          items.add(parse(b, pos));
        }
        return new RespReply(type, null, items);
      }
      case '+', '-', ':' -> {
        return new RespReply(type, line, null);
      }
      default -> throw new IllegalArgumentException("not a RESP2 reply: type byte " + type);
    }
  }
}

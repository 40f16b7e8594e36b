package dev.raftkv.fuzz;

import java.nio.charset.StandardCharsets;

/** A strict reader of what a server sends (RESP2 and RESP3): counts complete top-level replies. */
public final class RespReplies {
  private final byte[] b;
  private int pos;

  private RespReplies(byte[] b) {
    this.b = b;
  }

  /**
   * The number of top-level replies in {@code out}.
   *
   * @throws IllegalArgumentException when the bytes are not a sequence of complete replies
   */
  public static int count(byte[] out) {
    RespReplies r = new RespReplies(out);
    int n = 0;
    while (r.pos < out.length) {
      r.value();
      n++;
    }
    return n;
  }

  private void value() {
    if (pos >= b.length) {
      throw new IllegalArgumentException("incomplete reply at byte " + pos);
    }
    byte type = b[pos++];
    String line = line();
    switch (type) {
      case '+', '-', '_', '#', ',', '(' -> { }
      case ':' -> Long.parseLong(line);
      case '$', '=', '!' -> {
        long len = Long.parseLong(line);
        if (len >= 0) {
          if (pos + len + 2 > b.length || b[(int) (pos + len)] != '\r' || b[(int) (pos + len + 1)] != '\n') {
            throw new IllegalArgumentException("bad bulk of length " + len + " at byte " + pos);
          }
          pos += (int) len + 2;
        } else if (len != -1) {
          throw new IllegalArgumentException("negative bulk length " + len);
        }
      }
      case '*', '~', '>' -> elements(Long.parseLong(line));
      case '%' -> elements(2 * Long.parseLong(line));
      case '|' -> {
        elements(2 * Long.parseLong(line));
        value(); // an attribute precedes the value it describes
      }
      default -> throw new IllegalArgumentException("unknown reply type '" + (char) type + "' at byte " + (pos - 1));
    }
  }

  private void elements(long n) {
    if (n < -1) {
      throw new IllegalArgumentException("negative aggregate length " + n);
    }
    for (long i = 0; i < n; i++) {
      value();
    }
  }

  private String line() {
    for (int i = pos; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        String s = new String(b, pos, i - pos, StandardCharsets.ISO_8859_1);
        pos = i + 2;
        return s;
      }
    }
    throw new IllegalArgumentException("unterminated line at byte " + pos);
  }
}

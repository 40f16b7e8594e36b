package dev.raftkv.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable buffer of RESP2 replies. Not thread-safe. */
public final class RespOut {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NIL = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NIL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);

  private byte[] buf;
  private int len;

  public RespOut() {
    this(64);
  }

  public RespOut(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  private void ensure(int extra) {
    if (len + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
  }

  private void raw(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, buf, len, b.length);
    len += b.length;
  }

  private void ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      // a status or error line must not break the framing
      buf[len++] = (byte) (c == '\r' || c == '\n' ? ' ' : c);
    }
  }

  private void number(long v) {
    ascii(Long.toString(v));
  }

  public RespOut ok() {
    raw(OK);
    return this;
  }

  public RespOut simple(String s) {
    ensure(1);
    buf[len++] = '+';
    ascii(s);
    raw(CRLF);
    return this;
  }

  /** One error reply as bytes. */
  public static byte[] errorBytes(String text) {
    return new RespOut(text.length() + 3).error(text).toByteArray();
  }

  /** Whether what was written from {@code mark} on is a nil reply (RESP2 {@code $-1} or RESP3 {@code _}). */
  public boolean isNilFrom(int mark) {
    return len - mark == 5 && buf[mark] == '$' && buf[mark + 1] == '-' || len - mark == 3 && buf[mark] == '_';
  }

  /** Whether what was written from {@code mark} on is an error reply. */
  public boolean isErrorFrom(int mark) {
    return len > mark && buf[mark] == '-';
  }

  public RespOut error(String s) {
    ensure(1);
    buf[len++] = '-';
    ascii(s);
    raw(CRLF);
    return this;
  }

  public RespOut integer(long v) {
    ensure(1);
    buf[len++] = ':';
    number(v);
    raw(CRLF);
    return this;
  }

  public RespOut bulk(byte[] b) {
    if (b == null) {
      return nil();
    }
    ensure(b.length + 16);
    buf[len++] = '$';
    number(b.length);
    raw(CRLF);
    raw(b);
    raw(CRLF);
    return this;
  }

  public RespOut bulk(String s) {
    return bulk(s.getBytes(StandardCharsets.UTF_8));
  }

  public RespOut nil() {
    raw(NIL);
    return this;
  }

  public RespOut nilArray() {
    raw(NIL_ARRAY);
    return this;
  }

  public RespOut array(int n) {
    ensure(1);
    buf[len++] = '*';
    number(n);
    raw(CRLF);
    return this;
  }

  /** Appends already-encoded RESP. */
  public RespOut append(byte[] encoded) {
    raw(encoded);
    return this;
  }

  public int length() {
    return len;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /** Discards everything after {@code mark} (used to drop a half-written reply on error). */
  public void truncate(int mark) {
    len = mark;
  }
}

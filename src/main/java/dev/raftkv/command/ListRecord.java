package dev.raftkv.command;

import java.util.ArrayList;
import java.util.List;

/**
 * Fast paths over a LIST record's bytes ({@code [type][expireAt][count:varint][len:varint
 * bytes]...}, the {@link Packed} layout) for the hot list commands: pushes and pops at either end,
 * LLEN, LINDEX and LRANGE splice or walk the bytes without decoding every element, so they cost a
 * copy of the record rather than an object per element. Everything else unpacks the whole list.
 * ListRecordTest pins the bytes to {@link Packed#pack}'s. The walking primitives serve
 * {@link HashRecord} too: both types use the same layout.
 */
final class ListRecord {
  private ListRecord() {}

  /** Number of elements. */
  static int count(byte[] r) {
    return (int) varint(r, Record.HEADER);
  }

  /** Offset of the first element's length. */
  static int body(byte[] r) {
    return (int) (varint(r, Record.HEADER) >>> 32);
  }

  /** Offset just after the element whose length starts at {@code pos}. */
  static int next(byte[] r, int pos) {
    long v = varint(r, pos);
    return (int) (v >>> 32) + (int) v;
  }

  /** The element whose length starts at {@code pos}. */
  static byte[] element(byte[] r, int pos) {
    long v = varint(r, pos);
    int start = (int) (v >>> 32);
    int len = (int) v;
    byte[] e = new byte[len];
    System.arraycopy(r, start, e, 0, len);
    return e;
  }

  /** Offset of element {@code i} (0-based), walking from the head. */
  static int offset(byte[] r, int i) {
    int pos = body(r);
    for (int k = 0; k < i; k++) {
      pos = next(r, pos);
    }
    return pos;
  }

  /** Elements {@code from..to} inclusive (already clamped to the list). */
  static List<byte[]> range(byte[] r, int from, int to) {
    List<byte[]> out = new ArrayList<>(to - from + 1);
    int pos = offset(r, from);
    for (int i = from; i <= to; i++) {
      out.add(element(r, pos));
      pos = next(r, pos);
    }
    return out;
  }

  /**
   * A new record: {@code args[from..]} pushed one by one at the head (each new one becomes the
   * first, like LPUSH) or the tail, onto {@code old} (null for a new list).
   */
  static byte[] push(byte[] old, long expireAt, byte[][] args, int from, boolean left) {
    int oldCount = old == null ? 0 : count(old);
    int oldBody = old == null ? 0 : body(old);
    int oldBytes = old == null ? 0 : old.length - oldBody;
    long added = 0;
    for (int i = from; i < args.length; i++) {
      added += varintSize(args[i].length) + args[i].length;
    }
    int count = oldCount + (args.length - from);
    long size = Record.HEADER + varintSize(count) + added + oldBytes;
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException("list record too large");
    }
    byte[] r = header((int) size, expireAt);
    int pos = putVarint(r, Record.HEADER, count);
    if (left) {
      for (int i = args.length - 1; i >= from; i--) {
        pos = putElement(r, pos, args[i]);
      }
      if (old != null) {
        System.arraycopy(old, oldBody, r, pos, oldBytes);
      }
    } else {
      if (old != null) {
        System.arraycopy(old, oldBody, r, pos, oldBytes);
        pos += oldBytes;
      }
      for (int i = from; i < args.length; i++) {
        pos = putElement(r, pos, args[i]);
      }
    }
    return r;
  }

  /**
   * Removes {@code n} (at most the length) elements from one end. Returns the popped elements in
   * pop order and, in {@code rest[0]}, the remaining record or null when the list is now empty.
   */
  static List<byte[]> pop(byte[] r, boolean left, int n, byte[][] rest) {
    int count = count(r);
    n = Math.min(n, count);
    List<byte[]> popped = new ArrayList<>(n);
    int keep = count - n;
    if (keep == 0) {
      rest[0] = null;
      int pos = body(r);
      for (int i = 0; i < count; i++) {
        popped.add(element(r, pos));
        pos = next(r, pos);
      }
      if (!left) {
        java.util.Collections.reverse(popped);
      }
      return popped;
    }
    long expireAt = Record.expireAt(r);
    if (left) {
      int pos = body(r);
      for (int i = 0; i < n; i++) {
        popped.add(element(r, pos));
        pos = next(r, pos);
      }
      rest[0] = splice(r, expireAt, keep, pos, r.length);
    } else {
      int split = offset(r, keep);
      int pos = split;
      for (int i = 0; i < n; i++) {
        popped.add(element(r, pos));
        pos = next(r, pos);
      }
      java.util.Collections.reverse(popped);
      rest[0] = splice(r, expireAt, keep, body(r), split);
    }
    return popped;
  }

  /** A record of {@code count} elements whose encoded bytes are {@code r[from, to)}. */
  private static byte[] splice(byte[] r, long expireAt, int count, int from, int to) {
    byte[] out = header(Record.HEADER + varintSize(count) + (to - from), expireAt);
    int pos = putVarint(out, Record.HEADER, count);
    System.arraycopy(r, from, out, pos, to - from);
    return out;
  }

  private static byte[] header(int size, long expireAt) {
    return header(Record.LIST, size, expireAt);
  }

  /** A record of {@code size} bytes with its header written. */
  static byte[] header(byte type, int size, long expireAt) {
    byte[] r = new byte[size];
    r[0] = type;
    Record.putLong(r, 1, expireAt);
    return r;
  }

  static int putElement(byte[] r, int pos, byte[] e) {
    pos = putVarint(r, pos, e.length);
    System.arraycopy(e, 0, r, pos, e.length);
    return pos + e.length;
  }

  static int varintSize(int v) {
    int n = 1;
    while ((v & ~0x7f) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  static int putVarint(byte[] b, int pos, int v) {
    while ((v & ~0x7f) != 0) {
      b[pos++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    b[pos++] = (byte) v;
    return pos;
  }

  /** The varint at {@code pos}: its value in the low 32 bits, the offset after it in the high. */
  static long varint(byte[] b, int pos) {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos >= b.length) {
        throw new IllegalStateException("corrupt collection record");
      }
      int x = b[pos++];
      v |= (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        if (v < 0) {
          throw new IllegalStateException("corrupt collection record");
        }
        return ((long) pos << 32) | v;
      }
    }
    throw new IllegalStateException("corrupt collection record");
  }
}

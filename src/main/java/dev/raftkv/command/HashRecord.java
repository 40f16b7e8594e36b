package dev.raftkv.command;

import java.util.Arrays;

/**
 * Fast paths over a HASH record's bytes ({@code f1 v1 f2 v2 ...} in the {@link Packed} layout) for
 * the hot single-field commands: a lookup compares fields in place and an update splices the
 * record, without an object per field. HashCommandsTest checks the bytes against {@link Packed}.
 */
final class HashRecord {
  private HashRecord() {}

  /** Number of fields. */
  static int fields(byte[] r) {
    return ListRecord.count(r) / 2;
  }

  /** Offset of the field's entry (its length varint), or -1 when absent. */
  static int find(byte[] r, byte[] field) {
    int items = ListRecord.count(r);
    int pos = ListRecord.body(r);
    int want = field.length;
    for (int i = 0; i < items; i += 2) {
      int start;
      int len;
      byte b = r[pos];
      if (b >= 0) { // a one-byte length: the common case, decoded inline
        start = pos + 1;
        len = b;
      } else {
        long v = ListRecord.varint(r, pos);
        start = (int) (v >>> 32);
        len = (int) v;
      }
      if (len == want && Arrays.equals(r, start, start + len, field, 0, want)) {
        return pos;
      }
      int valuePos = start + len;
      byte vb = r[valuePos];
      pos = vb >= 0 ? valuePos + 1 + vb : ListRecord.next(r, valuePos);
    }
    return -1;
  }

  /** The value of the field found at {@code pos} by {@link #find}. */
  static byte[] valueAt(byte[] r, int pos) {
    return ListRecord.element(r, ListRecord.next(r, pos));
  }

  /** The value of a field, or null. */
  static byte[] value(byte[] r, byte[] field) {
    if (r == null) {
      return null;
    }
    int pos = find(r, field);
    return pos < 0 ? null : valueAt(r, pos);
  }

  private static int entrySize(byte[] e) {
    return ListRecord.varintSize(e.length) + e.length;
  }

  /**
   * A new record with the field set: its value replaced in place when {@code pos} (from
   * {@link #find}) is its entry, appended at the end when {@code pos} is -1; {@code r} is null for
   * a new hash.
   */
  static byte[] set(byte[] r, long expireAt, int pos, byte[] field, byte[] value) {
    int items = r == null ? 0 : ListRecord.count(r);
    int body = r == null ? 0 : ListRecord.body(r);
    int bodyBytes = r == null ? 0 : r.length - body;
    byte[] out;
    if (pos < 0) {
      int count = items + 2;
      long size = (long) Record.HEADER + ListRecord.varintSize(count) + bodyBytes
          + entrySize(field) + entrySize(value);
      out = ListRecord.header(Record.HASH, checked(size), expireAt);
      int p = ListRecord.putVarint(out, Record.HEADER, count);
      if (r != null) {
        System.arraycopy(r, body, out, p, bodyBytes);
        p += bodyBytes;
      }
      p = ListRecord.putElement(out, p, field);
      ListRecord.putElement(out, p, value);
    } else {
      int valuePos = ListRecord.next(r, pos);
      int valueEnd = ListRecord.next(r, valuePos);
      long size = (long) Record.HEADER + ListRecord.varintSize(items) + (valuePos - body)
          + entrySize(value) + (r.length - valueEnd);
      out = ListRecord.header(Record.HASH, checked(size), expireAt);
      int p = ListRecord.putVarint(out, Record.HEADER, items);
      System.arraycopy(r, body, out, p, valuePos - body);
      p += valuePos - body;
      p = ListRecord.putElement(out, p, value);
      System.arraycopy(r, valueEnd, out, p, r.length - valueEnd);
    }
    return out;
  }

  private static int checked(long size) {
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException("hash record too large");
    }
    return (int) size;
  }
}

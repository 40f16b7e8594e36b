package dev.raftkv.command;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload of a collection record: a sequence of byte strings, {@code count:varint} then
 * {@code length:varint bytes} for each. Collections are stored whole in one record; what the
 * sequence means (pairs, members, elements) is up to the record type, see {@link Record}.
 */
public final class Packed {
  private Packed() {}

  public static byte[] pack(List<byte[]> items) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 + items.size() * 8);
    putVarint(out, items.size());
    for (byte[] item : items) {
      putVarint(out, item.length);
      out.write(item, 0, item.length);
    }
    return out.toByteArray();
  }

  /** Decodes a payload written by {@link #pack}; a malformed payload is a store corruption. */
  public static List<byte[]> unpack(byte[] payload) {
    int[] pos = {0};
    int n = getVarint(payload, pos);
    List<byte[]> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int len = getVarint(payload, pos);
      if (len < 0 || pos[0] + len > payload.length) {
        throw new IllegalStateException("corrupt collection record");
      }
      byte[] item = new byte[len];
      System.arraycopy(payload, pos[0], item, 0, len);
      pos[0] += len;
      items.add(item);
    }
    return items;
  }

  private static void putVarint(ByteArrayOutputStream out, int v) {
    while ((v & ~0x7f) != 0) {
      out.write((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  private static int getVarint(byte[] b, int[] pos) {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos[0] >= b.length) {
        throw new IllegalStateException("corrupt collection record");
      }
      int x = b[pos[0]++];
      v |= (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return v;
      }
    }
    throw new IllegalStateException("corrupt collection record");
  }
}

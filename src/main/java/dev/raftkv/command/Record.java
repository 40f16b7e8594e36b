package dev.raftkv.command;

/**
 * How a value is stored: {@code [type:1][expireAtMillis:8][payload]}. An expiry of 0 means the
 * key does not expire; otherwise it is an absolute Unix time in milliseconds.
 */
public final class Record {
  public static final byte STRING = 0;
  /** Field/value pairs, payload {@link Packed}: f1 v1 f2 v2 ... in insertion order (like Redis). */
  public static final byte HASH = 1;
  /** Elements in list order, payload {@link Packed}. */
  public static final byte LIST = 2;
  /** Members sorted bytewise, payload {@link Packed}. */
  public static final byte SET = 3;
  /** Sorted set, payload {@link Packed}: member score pairs; the score as its 8 IEEE bytes. */
  public static final byte ZSET = 4;
  static final int HEADER = 9;

  private Record() {}

  public static byte[] encode(byte type, long expireAt, byte[] payload) {
    byte[] r = new byte[HEADER + payload.length];
    r[0] = type;
    putLong(r, 1, expireAt);
    System.arraycopy(payload, 0, r, HEADER, payload.length);
    return r;
  }

  public static byte type(byte[] record) {
    return record[0];
  }

  public static long expireAt(byte[] record) {
    return getLong(record, 1);
  }

  public static boolean isExpired(byte[] record, long now) {
    long at = expireAt(record);
    return at != 0 && at <= now;
  }

  public static byte[] payload(byte[] record) {
    byte[] p = new byte[record.length - HEADER];
    System.arraycopy(record, HEADER, p, 0, p.length);
    return p;
  }

  public static int payloadLength(byte[] record) {
    return record.length - HEADER;
  }

  public static String typeName(byte type) {
    return switch (type) {
      case STRING -> "string";
      case HASH -> "hash";
      case LIST -> "list";
      case SET -> "set";
      case ZSET -> "zset";
      default -> "none";
    };
  }

  static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }
}

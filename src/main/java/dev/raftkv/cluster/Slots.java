package dev.raftkv.cluster;

/**
 * Redis Cluster's key to slot mapping: CRC16 (XMODEM, as Redis's crc16.c) of the key, or of the
 * part between the first {@code {} and the next {@code }} when that part is not empty (a hash
 * tag), modulo 16384.
 */
public final class Slots {
  /** How many hash slots a Redis Cluster has. */
  public static final int COUNT = 16384;

  private static final int[] TABLE = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int crc = i << 8;
      for (int b = 0; b < 8; b++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      TABLE[i] = crc & 0xffff;
    }
  }

  private Slots() {}

  /** CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as Redis's crc16(). */
  public static int crc16(byte[] b, int from, int to) {
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ b[i]) & 0xff]) & 0xffff;
    }
    return crc;
  }

  /** The slot of a key, hash tags included (Redis's keyHashSlot). */
  public static int slot(byte[] key) {
    int open = -1;
    for (int i = 0; i < key.length; i++) {
      if (key[i] == '{') {
        open = i;
        break;
      }
    }
    if (open >= 0) {
      for (int j = open + 1; j < key.length; j++) {
        if (key[j] == '}') {
          if (j > open + 1) {
            return crc16(key, open + 1, j) & (COUNT - 1);
          }
          break; // "{}": the whole key
        }
      }
    }
    return crc16(key, 0, key.length) & (COUNT - 1);
  }
}

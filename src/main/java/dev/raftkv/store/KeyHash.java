package dev.raftkv.store;

/**
 * The 64-bit hash that orders keys for SCAN: both stores iterate keys by ascending unsigned hash
 * (then by key bytes, for the astronomically rare collisions), so a SCAN cursor, which is simply
 * the hash to resume from, means the same position on every peer. The function is part of the
 * RocksDB key layout and of the cursor contract: it must never change (a golden-value test pins
 * it). It is a multiply-xorshift hash in the style of MurmurHash64A with a fixed seed.
 */
public final class KeyHash {
  private static final long M = 0xc6a4a7935bd1e995L;
  private static final long SEED = 0x5241_4654_4b56_3031L; // "RAFTKV01"

  private KeyHash() {}

  public static long hash64(byte[] b) {
    long h = SEED ^ (b.length * M);
    int i = 0;
    for (; i + 8 <= b.length; i += 8) {
      long k = (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16
          | (b[i + 3] & 0xffL) << 24 | (b[i + 4] & 0xffL) << 32 | (b[i + 5] & 0xffL) << 40
          | (b[i + 6] & 0xffL) << 48 | (b[i + 7] & 0xffL) << 56;
      k *= M;
      k ^= k >>> 47;
      k *= M;
      h ^= k;
      h *= M;
    }
    if (i < b.length) {
      long k = 0;
      for (int j = b.length - 1; j >= i; j--) {
        k = (k << 8) | (b[j] & 0xffL);
      }
      h ^= k;
      h *= M;
    }
    h ^= h >>> 47;
    h *= M;
    h ^= h >>> 47;
    return h;
  }

  /** Scan order: unsigned hash, then unsigned key bytes. */
  public static int compare(long hashA, byte[] a, long hashB, byte[] b) {
    int c = Long.compareUnsigned(hashA, hashB);
    return c != 0 ? c : java.util.Arrays.compareUnsigned(a, b);
  }
}

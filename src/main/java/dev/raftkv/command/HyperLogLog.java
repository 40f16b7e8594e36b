package dev.raftkv.command;

import java.util.Arrays;

/**
 * Redis 7.0's HyperLogLog, byte for byte (hyperloglog.c): a string value starting with the
 * 16-byte header {@code "HYLL" | encoding | 3 unused | cached cardinality (8, little endian, MSB
 * set = invalid)}, then either the dense registers (16,384 six-bit counters, 12,288 bytes) or the
 * sparse run-length opcodes (ZERO {@code 00xxxxxx}, XZERO {@code 01xxxxxx yyyyyyyy}, VAL {@code
 * 1vvvvvxx}). A value written here reads back in redis-server as the same HLL and the reverse,
 * because the hash (MurmurHash64A, seed 0xadc83b19), the opcode splitting and merging, the
 * promotion to dense past 3,000 bytes (hll-sparse-max-bytes) and the estimator (Ertl's, as in
 * Redis 5+) are the same.
 *
 * <p>An instance is one HLL being read or changed: {@code bytes[0, length)}.
 */
public final class HyperLogLog {
  static final int P = 14;
  static final int Q = 64 - P;
  static final int REGISTERS = 1 << P;
  private static final int P_MASK = REGISTERS - 1;
  private static final int BITS = 6;
  private static final int REGISTER_MAX = (1 << BITS) - 1;
  static final int HDR = 16;
  static final int DENSE_SIZE = HDR + (REGISTERS * BITS + 7) / 8;
  static final int DENSE = 0;
  static final int SPARSE = 1;
  /** Redis's hll-sparse-max-bytes default: a sparse HLL growing past it becomes dense. */
  public static final int SPARSE_MAX_BYTES = 3000;
  private static final int SPARSE_VAL_MAX_VALUE = 32;
  private static final int SPARSE_VAL_MAX_LEN = 4;
  private static final int SPARSE_ZERO_MAX_LEN = 64;
  private static final int SPARSE_XZERO_MAX_LEN = 16384;
  private static final double ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)

  static final String NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";
  static final String CORRUPTED = "INVALIDOBJ Corrupted HLL object detected";

  byte[] bytes;
  int length;

  private HyperLogLog(byte[] bytes, int length) {
    this.bytes = bytes;
    this.length = length;
  }

  /** A new, empty HLL: sparse, every register covered by XZERO opcodes, cached cardinality 0. */
  static HyperLogLog empty() {
    int n = HDR + ((REGISTERS + SPARSE_XZERO_MAX_LEN - 1) / SPARSE_XZERO_MAX_LEN) * 2;
    HyperLogLog h = new HyperLogLog(new byte[n + 8], n);
    h.bytes[0] = 'H';
    h.bytes[1] = 'Y';
    h.bytes[2] = 'L';
    h.bytes[3] = 'L';
    h.bytes[4] = SPARSE;
    int p = HDR;
    for (int left = REGISTERS; left > 0; ) {
      int x = Math.min(left, SPARSE_XZERO_MAX_LEN);
      h.setXzero(p, x);
      p += 2;
      left -= x;
    }
    return h;
  }

  /**
   * The HLL held in a string payload, or a {@link CommandError} with Redis's reply when the value
   * is not one (isHLLObjectOrReply): too short, wrong magic, unknown encoding, dense of the wrong
   * length. A sparse HLL's opcodes are only checked when they are read.
   */
  static HyperLogLog of(byte[] payload) throws CommandError {
    if (payload.length < HDR || payload[0] != 'H' || payload[1] != 'Y' || payload[2] != 'L'
        || payload[3] != 'L' || (payload[4] & 0xff) > SPARSE
        || (payload[4] == DENSE && payload.length != DENSE_SIZE)) {
      throw new CommandError(NOT_HLL);
    }
    return new HyperLogLog(Arrays.copyOf(payload, payload.length + 8), payload.length);
  }

  byte[] payload() {
    return Arrays.copyOf(bytes, length);
  }

  int encoding() {
    return bytes[4];
  }

  void invalidateCache() {
    bytes[15] |= (byte) 0x80;
  }

  boolean cacheValid() {
    return (bytes[15] & 0x80) == 0;
  }

  long cachedCardinality() {
    long card = 0;
    for (int i = 0; i < 8; i++) {
      card |= (bytes[8 + i] & 0xffL) << (8 * i);
    }
    return card;
  }

  // ---- hashing -------------------------------------------------------------------------------

  static long murmurHash64A(byte[] key, long seed) {
    final long m = 0xc6a4a7935bd1e995L;
    final int r = 47;
    int len = key.length;
    long h = seed ^ (len * m);
    int end = len - (len & 7);
    for (int i = 0; i < end; i += 8) {
      long k = 0;
      for (int j = 7; j >= 0; j--) {
        k = (k << 8) | (key[i + j] & 0xffL);
      }
      k *= m;
      k ^= k >>> r;
      k *= m;
      h ^= k;
      h *= m;
    }
    int rest = len & 7;
    if (rest > 0) {
      for (int j = rest - 1; j >= 0; j--) {
        h ^= (key[end + j] & 0xffL) << (8 * j);
      }
      h *= m;
    }
    h ^= h >>> r;
    h *= m;
    h ^= h >>> r;
    return h;
  }

  /** The register an element maps to (low 14 bits) and its run length of zeroes plus one. */
  private static long patLen(byte[] element) {
    long hash = murmurHash64A(element, 0xadc83b19L);
    long index = hash & P_MASK;
    hash >>>= P;
    hash |= 1L << Q;
    long bit = 1;
    int count = 1;
    while ((hash & bit) == 0) {
      count++;
      bit <<= 1;
    }
    return (index << 8) | count;
  }

  // ---- dense ---------------------------------------------------------------------------------

  private static int denseGet(byte[] b, int off, int reg) {
    int at = off + reg * BITS / 8;
    int fb = reg * BITS & 7;
    int b0 = b[at] & 0xff;
    int b1 = b[at + 1] & 0xff;
    return ((b0 >>> fb) | (b1 << (8 - fb))) & REGISTER_MAX;
  }

  private static void denseSet(byte[] b, int off, int reg, int val) {
    int at = off + reg * BITS / 8;
    int fb = reg * BITS & 7;
    int fb8 = 8 - fb;
    b[at] = (byte) ((b[at] & ~(REGISTER_MAX << fb)) | (val << fb));
    b[at + 1] = (byte) ((b[at + 1] & ~(REGISTER_MAX >>> fb8)) | (val >>> fb8));
  }

  private boolean denseSetIfGreater(int reg, int count) {
    if (count > denseGet(bytes, HDR, reg)) {
      denseSet(bytes, HDR, reg, count);
      return true;
    }
    return false;
  }

  // ---- sparse opcodes ------------------------------------------------------------------------

  private int op(int p) {
    return bytes[p] & 0xff;
  }

  private boolean isZero(int p) {
    return (op(p) & 0xc0) == 0;
  }

  private boolean isXzero(int p) {
    return (op(p) & 0xc0) == 0x40;
  }

  private boolean isVal(int p) {
    return (op(p) & 0x80) != 0;
  }

  private int zeroLen(int p) {
    return (op(p) & 0x3f) + 1;
  }

  private int xzeroLen(int p) {
    return (((op(p) & 0x3f) << 8) | op(p + 1)) + 1;
  }

  private int valValue(int p) {
    return ((op(p) >> 2) & 0x1f) + 1;
  }

  private int valLen(int p) {
    return (op(p) & 0x3) + 1;
  }

  private static byte val(int value, int len) {
    return (byte) (((value - 1) << 2 | (len - 1)) | 0x80);
  }

  private void setXzero(int p, int len) {
    int l = len - 1;
    bytes[p] = (byte) ((l >> 8) | 0x40);
    bytes[p + 1] = (byte) (l & 0xff);
  }

  /** Sparse to dense (hllSparseToDense); false when the opcodes do not cover 16,384 registers. */
  private boolean toDense() {
    if (encoding() == DENSE) {
      return true;
    }
    byte[] dense = new byte[DENSE_SIZE + 8];
    System.arraycopy(bytes, 0, dense, 0, HDR);
    dense[4] = DENSE;
    int idx = 0;
    for (int p = HDR; p < length; ) {
      if (isZero(p)) {
        idx += zeroLen(p);
        p++;
      } else if (isXzero(p)) {
        idx += xzeroLen(p);
        p += 2;
      } else {
        int runlen = valLen(p);
        int regval = valValue(p);
        if (runlen + idx > REGISTERS) {
          break;
        }
        while (runlen-- > 0) {
          denseSet(dense, HDR, idx, regval);
          idx++;
        }
        p++;
      }
    }
    if (idx != REGISTERS) {
      return false;
    }
    bytes = dense;
    length = DENSE_SIZE;
    return true;
  }

  /**
   * Raises register {@code index} to {@code count} if it is lower (hllSparseSet): 1 if changed,
   * 0 if not, -1 if the sparse HLL is corrupt. May promote to dense.
   */
  private int sparseSet(int index, int count) {
    if (count > SPARSE_VAL_MAX_VALUE) {
      return promote(index, count);
    }
    if (bytes.length < length + 3) {
      bytes = Arrays.copyOf(bytes, length + 16);
    }
    int sparse = HDR;
    int p = sparse;
    int end = length;
    int first = 0;
    int prev = -1;
    int span = 0;
    while (p < end) {
      int oplen = 1;
      if (isZero(p)) {
        span = zeroLen(p);
      } else if (isVal(p)) {
        span = valLen(p);
      } else {
        span = xzeroLen(p);
        oplen = 2;
      }
      if (index <= first + span - 1) {
        break;
      }
      prev = p;
      p += oplen;
      first += span;
    }
    if (span == 0 || p >= end) {
      return -1;
    }
    int next = isXzero(p) ? p + 2 : p + 1;
    if (next >= end) {
      next = -1;
    }
    boolean isZero = false;
    boolean isXzero = false;
    boolean isVal = false;
    int runlen;
    if (isZero(p)) {
      isZero = true;
      runlen = zeroLen(p);
    } else if (isXzero(p)) {
      isXzero = true;
      runlen = xzeroLen(p);
    } else {
      isVal = true;
      runlen = valLen(p);
    }
    boolean updated = false;
    if (isVal) {
      int oldcount = valValue(p);
      if (oldcount >= count) {
        return 0;
      }
      if (runlen == 1) {
        bytes[p] = val(count, 1);
        updated = true;
      }
    }
    if (!updated && isZero && runlen == 1) {
      bytes[p] = val(count, 1);
      updated = true;
    }
    if (!updated) {
      byte[] seq = new byte[5];
      int n = 0;
      int last = first + span - 1;
      if (isZero || isXzero) {
        if (index != first) {
          int len = index - first;
          if (len > SPARSE_ZERO_MAX_LEN) {
            int l = len - 1;
            seq[n++] = (byte) ((l >> 8) | 0x40);
            seq[n++] = (byte) (l & 0xff);
          } else {
            seq[n++] = (byte) (len - 1);
          }
        }
        seq[n++] = val(count, 1);
        if (index != last) {
          int len = last - index;
          if (len > SPARSE_ZERO_MAX_LEN) {
            int l = len - 1;
            seq[n++] = (byte) ((l >> 8) | 0x40);
            seq[n++] = (byte) (l & 0xff);
          } else {
            seq[n++] = (byte) (len - 1);
          }
        }
      } else {
        int curval = valValue(p);
        if (index != first) {
          seq[n++] = val(curval, index - first);
        }
        seq[n++] = val(count, 1);
        if (index != last) {
          seq[n++] = val(curval, last - index);
        }
      }
      int oldlen = isXzero ? 2 : 1;
      int deltalen = n - oldlen;
      if (deltalen > 0 && length + deltalen > SPARSE_MAX_BYTES) {
        return promote(index, count);
      }
      if (deltalen != 0 && next >= 0) {
        System.arraycopy(bytes, next, bytes, next + deltalen, end - next);
      }
      length += deltalen;
      System.arraycopy(seq, 0, bytes, p, n);
      end += deltalen;
    }
    // merge adjacent VAL opcodes of the same value, up to 5 opcodes from prev
    p = prev >= 0 ? prev : sparse;
    int scanlen = 5;
    while (p < end && scanlen-- > 0) {
      if (isXzero(p)) {
        p += 2;
        continue;
      } else if (isZero(p)) {
        p++;
        continue;
      }
      if (p + 1 < end && isVal(p + 1)) {
        int v1 = valValue(p);
        int v2 = valValue(p + 1);
        if (v1 == v2) {
          int len = valLen(p) + valLen(p + 1);
          if (len <= SPARSE_VAL_MAX_LEN) {
            bytes[p + 1] = val(v1, len);
            System.arraycopy(bytes, p + 1, bytes, p, end - p - 1);
            length--;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    invalidateCache();
    return 1;
  }

  private int promote(int index, int count) {
    if (!toDense()) {
      return -1;
    }
    boolean changed = denseSetIfGreater(index, count);
    if (!changed) {
      throw new IllegalStateException("promoted HLL register not raised"); // serverAssert
    }
    return 1;
  }

  /** PFADD of one element: 1 if a register changed, 0 if not, -1 if the HLL is corrupt. */
  int add(byte[] element) {
    long pl = patLen(element);
    int index = (int) (pl >>> 8);
    int count = (int) (pl & 0xff);
    return switch (encoding()) {
      case DENSE -> denseSetIfGreater(index, count) ? 1 : 0;
      case SPARSE -> sparseSet(index, count);
      default -> -1;
    };
  }

  /** Sets register {@code index} to at least {@code count} (PFMERGE's write of the maximum). */
  void raise(int index, int count) {
    if (encoding() == DENSE) {
      denseSetIfGreater(index, count);
    } else {
      sparseSet(index, count);
    }
  }

  /** A dense HLL's register (PFDEBUG GETREG). */
  int register(int index) {
    return denseGet(bytes, HDR, index);
  }

  /** PFDEBUG DECODE: a sparse HLL's opcodes as text ("Z:n", "z:n", "v:value,len"). */
  String decodeSparse() {
    StringBuilder sb = new StringBuilder();
    for (int p = HDR; p < length; ) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      if (isZero(p)) {
        sb.append("z:").append(zeroLen(p));
        p++;
      } else if (isXzero(p)) {
        sb.append("Z:").append(xzeroLen(p));
        p += 2;
      } else {
        sb.append("v:").append(valValue(p)).append(',').append(valLen(p));
        p++;
      }
    }
    return sb.toString();
  }

  /** PFMERGE's promotion of the target when a source is dense; false if corrupt. */
  boolean makeDense() {
    return toDense();
  }

  /** max[i] = max(max[i], register i) (hllMerge); false when the sparse opcodes are corrupt. */
  boolean mergeInto(byte[] max) {
    if (encoding() == DENSE) {
      for (int i = 0; i < REGISTERS; i++) {
        int v = denseGet(bytes, HDR, i);
        if (v > (max[i] & 0xff)) {
          max[i] = (byte) v;
        }
      }
      return true;
    }
    int i = 0;
    for (int p = HDR; p < length; ) {
      if (isZero(p)) {
        i += zeroLen(p);
        p++;
      } else if (isXzero(p)) {
        i += xzeroLen(p);
        p += 2;
      } else {
        int runlen = valLen(p);
        int regval = valValue(p);
        if (runlen + i > REGISTERS) {
          break;
        }
        while (runlen-- > 0) {
          if (regval > (max[i] & 0xff)) {
            max[i] = (byte) regval;
          }
          i++;
        }
        p++;
      }
    }
    return i == REGISTERS;
  }

  /**
   * The estimated cardinality of this HLL, written into the cache field by the caller if it
   * wants; -1 when the sparse opcodes are corrupt.
   */
  long count() {
    int[] histo = new int[64];
    if (encoding() == DENSE) {
      for (int j = 0; j < REGISTERS; j++) {
        histo[denseGet(bytes, HDR, j)]++;
      }
    } else {
      int idx = 0;
      for (int p = HDR; p < length; ) {
        if (isZero(p)) {
          int runlen = zeroLen(p);
          idx += runlen;
          histo[0] += runlen;
          p++;
        } else if (isXzero(p)) {
          int runlen = xzeroLen(p);
          idx += runlen;
          histo[0] += runlen;
          p += 2;
        } else {
          int runlen = valLen(p);
          idx += runlen;
          histo[valValue(p)] += runlen;
          p++;
        }
      }
      if (idx != REGISTERS) {
        return -1;
      }
    }
    return estimate(histo);
  }

  /** The cardinality of raw 8-bit registers (PFCOUNT of several keys: their union). */
  static long countRaw(byte[] registers) {
    int[] histo = new int[64];
    for (int j = 0; j < REGISTERS; j++) {
      histo[registers[j] & 0x3f]++;
    }
    return estimate(histo);
  }

  /** Ertl's estimator from the register histogram, as hllCount. */
  private static long estimate(int[] histo) {
    double m = REGISTERS;
    double z = m * tau((m - histo[Q + 1]) / m);
    for (int j = Q; j >= 1; --j) {
      z += histo[j];
      z *= 0.5;
    }
    z += m * sigma(histo[0] / m);
    return Math.round(ALPHA_INF * m * m / z);
  }

  private static double sigma(double x) {
    if (x == 1.) {
      return Double.POSITIVE_INFINITY;
    }
    double zPrime;
    double y = 1;
    double z = x;
    do {
      x *= x;
      zPrime = z;
      z += x * y;
      y += y;
    } while (zPrime != z);
    return z;
  }

  private static double tau(double x) {
    if (x == 0. || x == 1.) {
      return 0.;
    }
    double zPrime;
    double y = 1.0;
    double z = 1 - x;
    do {
      x = Math.sqrt(x);
      zPrime = z;
      y *= 0.5;
      z -= (1 - x) * (1 - x) * y;
    } while (zPrime != z);
    return z / 3;
  }
}

package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.zip.CRC32;

/**
 * The cursor of SSCAN and ZSCAN. Collections are stored whole, so the cursor is not a position
 * (which shifts when members come and go) but a hash: members are visited in order of the CRC32
 * of their bytes, and the cursor is the next hash to start from. A member present for the whole
 * iteration is therefore returned at least once whatever else is added or removed, the cursor
 * means the same on every peer, and an iteration may move between peers.
 *
 * <p>Like Redis's compact encodings, a collection of at most {@link #WHOLE} elements is returned
 * whole, in its natural order, with cursor 0 when the iteration starts.
 */
final class SetScan {
  /** Collections up to this size are returned in one reply (Redis's zset-max-listpack-entries). */
  static final int WHOLE = 128;
  private static final long HASH_SPACE = 1L << 32;

  private SetScan() {}

  /** SCAN options: the cursor, a MATCH pattern (null for none) and the COUNT hint. */
  record Options(long cursor, byte[] pattern, long count) {}

  /** Parses MATCH and COUNT from argv[from] on, with Redis's errors. */
  static Options options(byte[][] a, int from, long cursor) throws CommandError {
    byte[] pattern = null;
    long count = 10;
    for (int i = from; i < a.length; i += 2) {
      boolean hasValue = i + 1 < a.length;
      if (is(a[i], "count") && hasValue) {
        count = Args.longArg(a[i + 1]);
        if (count < 1) {
          throw new CommandError(CommandError.SYNTAX);
        }
      } else if (is(a[i], "match") && hasValue) {
        byte[] p = a[i + 1];
        pattern = p.length == 1 && p[0] == '*' ? null : p;
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    return new Options(cursor, pattern, count);
  }

  /** One page of a scan: the next cursor (0 when done) and the items selected. */
  record Page<T>(long next, List<T> items) {}

  /** A member's place in the scan order: its CRC32, the same on every peer. */
  static long hash(byte[] member) {
    CRC32 crc = new CRC32();
    crc.update(member);
    return crc.getValue();
  }

  /**
   * Selects the next page of items (in their natural order) for the options; the MATCH pattern
   * filters what was visited, as in Redis.
   */
  static <T> Page<T> page(List<T> items, Function<T, byte[]> member, Options o) {
    List<T> picked = new ArrayList<>();
    long next = 0;
    if (o.cursor() == 0 && items.size() <= WHOLE) {
      picked.addAll(items);
    } else if (Long.compareUnsigned(o.cursor(), HASH_SPACE) < 0) {
      int n = items.size();
      long[] keyed = new long[n]; // hash in the high bits, position in the low bits
      int m = 0;
      for (int i = 0; i < n; i++) {
        long h = hash(member.apply(items.get(i)));
        if (h >= o.cursor()) {
          keyed[m++] = (h << 31) | i;
        }
      }
      Arrays.sort(keyed, 0, m);
      int taken = 0;
      long lastHash = -1;
      for (int k = 0; k < m; k++) {
        long h = keyed[k] >>> 31;
        if (taken >= o.count() && h != lastHash) {
          next = lastHash + 1;
          break;
        }
        picked.add(items.get((int) (keyed[k] & 0x7fffffffL)));
        taken++;
        lastHash = h;
      }
      if (next >= HASH_SPACE) {
        next = 0;
      }
    }
    if (o.pattern() != null) {
      picked.removeIf(t -> !Glob.matches(o.pattern(), member.apply(t)));
    }
    return new Page<>(next, picked);
  }
}

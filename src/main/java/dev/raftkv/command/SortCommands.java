package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * SORT and SORT_RO (Redis's sort.c): the elements of a list, set or sorted set, numerically or
 * with ALPHA bytewise, by themselves or BY the values of other keys, with LIMIT, GET patterns and
 * (SORT only) STORE into a list. SORT goes through the log, since it may STORE (the same inputs
 * give the same result on every peer: ties are broken bytewise, sets are iterated in their
 * stored, bytewise order); SORT_RO is a linearizable read.
 */
final class SortCommands {
  private SortCommands() {}

  static void sort(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    run(a, ks, out, false);
  }

  static void sortRo(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    run(a, ks, out, true);
  }

  private static void run(byte[][] a, Keyspace ks, RespOut out, boolean readOnly) throws CommandError {
    boolean desc = false;
    boolean alpha = false;
    long offset = 0;
    long count = -1;
    byte[] store = null;
    byte[] by = null;
    boolean dontSort = false;
    List<byte[]> gets = new ArrayList<>();
    for (int j = 2; j < a.length; j++) {
      int left = a.length - j - 1;
      if (Args.is(a[j], "asc")) {
        desc = false;
      } else if (Args.is(a[j], "desc")) {
        desc = true;
      } else if (Args.is(a[j], "alpha")) {
        alpha = true;
      } else if (Args.is(a[j], "limit") && left >= 2) {
        Long o = Args.parseLong(a[j + 1]);
        Long c = Args.parseLong(a[j + 2]);
        if (o == null || c == null) {
          throw new CommandError("ERR value is not an integer or out of range");
        }
        offset = o;
        count = c;
        j += 2;
      } else if (Args.is(a[j], "store") && left >= 1 && !readOnly) {
        store = a[++j];
      } else if (Args.is(a[j], "by") && left >= 1) {
        by = a[++j];
        if (indexOf(by, (byte) '*') < 0) {
          dontSort = true; // BY a constant: no sorting at all
        }
      } else if (Args.is(a[j], "get") && left >= 1) {
        gets.add(a[++j]);
      } else {
        throw new CommandError("ERR syntax error");
      }
    }
    byte[] r = ks.get(a[1]);
    List<byte[]> elements;
    if (r == null) {
      elements = new ArrayList<>();
    } else {
      switch (Record.type(r)) {
        case Record.LIST, Record.SET -> elements = Packed.unpack(Record.payload(r));
        case Record.ZSET -> {
          ZSetData z = ZSetData.read(ks, a[1]);
          elements = new ArrayList<>(z.size());
          for (int i = 0; i < z.size(); i++) {
            elements.add(z.get(i).member());
          }
        }
        default -> throw new CommandError(CommandError.WRONGTYPE);
      }
    }
    if (dontSort && Record.SET == (r == null ? -1 : Record.type(r)) && store != null) {
      dontSort = false; // Redis sorts a set for STORE, so the stored list is deterministic
      alpha = true;
      by = null;
    }
    int n = elements.size();
    long start = Math.max(offset, 0);
    long end = count < 0 ? n - 1 : start + count - 1;
    if (start >= n) {
      start = n;
      end = n - 1;
    }
    if (end >= n) {
      end = n - 1;
    }
    if (!dontSort) {
      Object[][] v = new Object[n][2]; // element, weight (Double, or byte[] for ALPHA BY, or null)
      for (int i = 0; i < n; i++) {
        byte[] e = elements.get(i);
        v[i][0] = e;
        byte[] byVal = by == null ? e : lookup(ks, by, e);
        if (byVal == null) {
          v[i][1] = alpha ? null : 0.0;
          continue;
        }
        if (alpha) {
          v[i][1] = by == null ? null : byVal;
        } else {
          Double d = ZSetDoubles.parseBound(byVal, 0);
          if (d == null) {
            throw new CommandError("ERR One or more scores can't be converted into double");
          }
          v[i][1] = d;
        }
      }
      final boolean byAlpha = alpha && by != null;
      final boolean numeric = !alpha;
      Comparator<Object[]> cmp = (x, y) -> {
        int c;
        if (numeric) {
          c = Double.compare((Double) x[1], (Double) y[1]);
          if ((Double) x[1] == 0 && (Double) y[1] == 0) {
            c = 0; // -0 and 0 weigh the same
          }
          if (c == 0) {
            c = Arrays.compareUnsigned((byte[]) x[0], (byte[]) y[0]);
          }
        } else if (byAlpha) {
          byte[] bx = (byte[]) x[1];
          byte[] by2 = (byte[]) y[1];
          c = bx == null ? (by2 == null ? 0 : -1) : by2 == null ? 1 : Arrays.compareUnsigned(bx, by2);
        } else {
          c = Arrays.compareUnsigned((byte[]) x[0], (byte[]) y[0]);
        }
        return c;
      };
      Arrays.sort(v, desc ? cmp.reversed() : cmp);
      elements = new ArrayList<>(n);
      for (Object[] e : v) {
        elements.add((byte[]) e[0]);
      }
    }
    List<byte[]> result = new ArrayList<>();
    for (long i = start; i <= end; i++) {
      byte[] e = elements.get((int) i);
      if (gets.isEmpty()) {
        result.add(e);
      }
      for (byte[] g : gets) {
        result.add(g.length == 1 && g[0] == '#' ? e : lookup(ks, g, e));
      }
    }
    if (store == null) {
      out.array(result.size());
      for (byte[] e : result) {
        out.bulk(e);
      }
      return;
    }
    if (result.isEmpty()) {
      if (ks.getRaw(store) != null) {
        ks.delete(store);
      }
    } else {
      List<byte[]> list = new ArrayList<>(result.size());
      for (byte[] e : result) {
        list.add(e == null ? new byte[0] : e);
      }
      ks.put(store, Record.encode(Record.LIST, 0, Packed.pack(list)));
    }
    out.integer(result.size());
  }

  /**
   * Redis's lookupKeyByPattern: the first '*' of the pattern replaced by the element names a
   * string key, or with {@code ->field} after it a hash field; null when missing or of another
   * type, or when the pattern has no '*'.
   */
  private static byte[] lookup(Keyspace ks, byte[] pattern, byte[] element) {
    int star = indexOf(pattern, (byte) '*');
    if (star < 0) {
      return null;
    }
    int arrow = -1;
    for (int i = star + 1; i + 1 < pattern.length; i++) {
      if (pattern[i] == '-' && pattern[i + 1] == '>') {
        arrow = i;
        break;
      }
    }
    if (arrow >= 0 && arrow + 2 == pattern.length) {
      arrow = -1; // "->" at the very end is part of the key name
    }
    int keyEnd = arrow < 0 ? pattern.length : arrow;
    byte[] key = new byte[keyEnd - 1 + element.length];
    System.arraycopy(pattern, 0, key, 0, star);
    System.arraycopy(element, 0, key, star, element.length);
    System.arraycopy(pattern, star + 1, key, star + element.length, keyEnd - star - 1);
    byte[] r = ks.get(key);
    if (r == null) {
      return null;
    }
    if (arrow < 0) {
      return Record.type(r) == Record.STRING ? Record.payload(r) : null;
    }
    if (Record.type(r) != Record.HASH) {
      return null;
    }
    byte[] field = Arrays.copyOfRange(pattern, arrow + 2, pattern.length);
    return HashRecord.value(r, field);
  }

  private static int indexOf(byte[] b, byte c) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }
}

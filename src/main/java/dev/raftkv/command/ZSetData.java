package dev.raftkv.command;

import dev.raftkv.store.Key;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sorted set decoded from its record: entries in (score, member bytes) order, the order the
 * record's member/score pairs are stored in. Scores are never NaN, and -0 is kept as 0 (like the
 * compact encoding Redis uses for small sorted sets).
 *
 * <p>The range searches follow Redis's listpack walks (first element at or above the minimum,
 * then on while below the maximum), so BYLEX on members with different scores gives Redis's
 * answer for small sorted sets.
 */
final class ZSetData {
  record Entry(byte[] member, double score) {}

  private final List<Entry> entries;
  private final long expireAt;
  /** member to score, built once lookups outnumber {@link #SCANS_BEFORE_INDEX} */
  private Map<Key, Double> index;
  private int lookups;
  /** A command touching a few members scans the entries instead of hashing them all. */
  private static final int SCANS_BEFORE_INDEX = 8;

  private ZSetData(List<Entry> entries, long expireAt) {
    this.entries = entries;
    this.expireAt = expireAt;
  }

  static ZSetData empty() {
    return new ZSetData(new ArrayList<>(), 0);
  }

  /**
   * A sorted set of entries already in (score, member) order with distinct members (the result of
   * ZUNIONSTORE and the like); -0 scores are kept as 0.
   */
  static ZSetData ofSorted(List<Entry> sorted) {
    List<Entry> entries = new ArrayList<>(sorted.size());
    for (Entry e : sorted) {
      entries.add(e.score() == 0 && 1 / e.score() < 0 ? new Entry(e.member(), 0.0) : e);
    }
    return new ZSetData(entries, 0);
  }

  /** The live sorted set at key, null when absent; WRONGTYPE when the key holds another type. */
  static ZSetData read(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r == null) {
      return null;
    }
    if (Record.type(r) != Record.ZSET) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    List<byte[]> items = Packed.unpack(Record.payload(r));
    List<Entry> entries = new ArrayList<>(items.size() / 2 + 1);
    for (int i = 0; i + 1 < items.size(); i += 2) {
      entries.add(new Entry(items.get(i), Double.longBitsToDouble(Record.getLong(items.get(i + 1), 0))));
    }
    return new ZSetData(entries, Record.expireAt(r));
  }

  /** Writes the set back keeping its expiry, or deletes the key when the set is empty. */
  void write(Keyspace ks, byte[] key) {
    write(ks, key, expireAt);
  }

  /** Writes the set with the given expiry (0: none), or deletes the key when the set is empty. */
  void write(Keyspace ks, byte[] key, long expiry) {
    if (entries.isEmpty()) {
      if (ks.getRaw(key) != null) {
        ks.delete(key);
      }
      return;
    }
    List<byte[]> items = new ArrayList<>(entries.size() * 2);
    for (Entry e : entries) {
      byte[] s = new byte[8];
      Record.putLong(s, 0, Double.doubleToRawLongBits(e.score()));
      items.add(e.member());
      items.add(s);
    }
    ks.put(key, Record.encode(Record.ZSET, expiry, Packed.pack(items)));
  }

  int size() {
    return entries.size();
  }

  Entry get(int i) {
    return entries.get(i);
  }

  static int compare(double s1, byte[] m1, double s2, byte[] m2) {
    if (s1 < s2) {
      return -1;
    }
    if (s1 > s2) {
      return 1;
    }
    return Arrays.compareUnsigned(m1, m2);
  }

  private Map<Key, Double> index() {
    if (index == null) {
      index = new HashMap<>(entries.size() * 2);
      for (Entry e : entries) {
        index.put(new Key(e.member()), e.score());
      }
    }
    return index;
  }

  /** The member's score, null when it is not in the set. */
  Double score(byte[] member) {
    if (index == null && ++lookups <= SCANS_BEFORE_INDEX) {
      for (Entry e : entries) {
        if (Arrays.equals(e.member(), member)) {
          return e.score();
        }
      }
      return null;
    }
    return index().get(new Key(member));
  }

  /** Position of (score, member) in the entries, or -(insertion point) - 1. */
  private int search(double score, byte[] member) {
    int lo = 0;
    int hi = entries.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Entry e = entries.get(mid);
      int c = compare(e.score(), e.member(), score, member);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -lo - 1;
  }

  /** 0-based rank of the member in ascending order, -1 when absent. */
  int rank(byte[] member) {
    Double s = score(member);
    return s == null ? -1 : search(s, member);
  }

  /** Adds the member or moves it to a new score (a score equal to the current one changes nothing). */
  void put(byte[] member, double score) {
    double stored = ZSetDoubles.stored(score);
    Double old = score(member);
    if (old != null) {
      if (old == stored) {
        return;
      }
      entries.remove(search(old, member));
    }
    entries.add(-search(stored, member) - 1, new Entry(member, stored));
    if (index != null) {
      index.put(new Key(member), stored);
    }
  }

  boolean remove(byte[] member) {
    Double old = score(member);
    if (old == null) {
      return false;
    }
    entries.remove(search(old, member));
    if (index != null) {
      index.remove(new Key(member));
    }
    return true;
  }

  /** Removes entries [from, to) by position. */
  void removeRange(int from, int to) {
    List<Entry> gone = entries.subList(from, to);
    if (index != null) {
      for (Entry e : gone) {
        index.remove(new Key(e.member()));
      }
    }
    gone.clear();
  }

  /** A range over scores or members. */
  interface Range {
    /** True when no element can be in the range (min above max, or equal and exclusive). */
    boolean empty();

    boolean aboveMin(Entry e);

    boolean belowMax(Entry e);
  }

  /** A score range; minEx/maxEx make a bound exclusive. */
  record ScoreRange(double min, boolean minEx, double max, boolean maxEx) implements Range {
    @Override
    public boolean empty() {
      return min > max || (min == max && (minEx || maxEx));
    }

    @Override
    public boolean aboveMin(Entry e) {
      return minEx ? e.score() > min : e.score() >= min;
    }

    @Override
    public boolean belowMax(Entry e) {
      return maxEx ? e.score() < max : e.score() <= max;
    }
  }

  /**
   * A member range. A bound is a value, or "-" (below everything, kind -1) or "+" (above
   * everything, kind 1); "-" and "+" count as exclusive, like Redis.
   */
  record LexRange(byte[] min, int minKind, boolean minEx, byte[] max, int maxKind, boolean maxEx)
      implements Range {
    /** Redis's sdscmplex: the sentinels are below/above every string. */
    private static int cmp(byte[] a, int aKind, byte[] b, int bKind) {
      if (aKind != 0 && aKind == bKind) {
        return 0;
      }
      if (aKind < 0 || bKind > 0) {
        return -1;
      }
      if (aKind > 0 || bKind < 0) {
        return 1;
      }
      return Arrays.compareUnsigned(a, b);
    }

    @Override
    public boolean empty() {
      int c = cmp(min, minKind, max, maxKind);
      return c > 0 || (c == 0 && (minEx || maxEx));
    }

    @Override
    public boolean aboveMin(Entry e) {
      int c = cmp(e.member(), 0, min, minKind);
      return minEx ? c > 0 : c >= 0;
    }

    @Override
    public boolean belowMax(Entry e) {
      int c = cmp(e.member(), 0, max, maxKind);
      return maxEx ? c < 0 : c <= 0;
    }
  }

  private boolean mayContain(Range r) {
    return !r.empty() && !entries.isEmpty()
        && r.aboveMin(entries.get(entries.size() - 1)) && r.belowMax(entries.get(0));
  }

  /** Position of the first element in the range walking up, -1 when none. */
  int firstIn(Range r) {
    if (!mayContain(r)) {
      return -1;
    }
    for (int i = 0; i < entries.size(); i++) {
      if (r.aboveMin(entries.get(i))) {
        return r.belowMax(entries.get(i)) ? i : -1;
      }
    }
    return -1;
  }

  /** Position of the last element in the range walking down, -1 when none. */
  int lastIn(Range r) {
    if (!mayContain(r)) {
      return -1;
    }
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (r.belowMax(entries.get(i))) {
        return r.aboveMin(entries.get(i)) ? i : -1;
      }
    }
    return -1;
  }

  /** End (exclusive) of the run of elements in range starting at first (from firstIn). */
  int endOfRun(Range r, int first) {
    int i = first;
    while (i < entries.size() && r.belowMax(entries.get(i))) {
      i++;
    }
    return i;
  }

  /**
   * Positions selected by a score or lex range with Redis's LIMIT semantics: skip offset elements
   * from the first in range (a negative offset selects nothing), then take up to limit (negative:
   * no limit) while still in range. Reverse walks down from the last element in range.
   */
  List<Entry> select(Range r, boolean reverse, long offset, long limit) {
    List<Entry> out = new ArrayList<>();
    if (offset < 0 || (offset > 0 && offset >= entries.size())) {
      return out;
    }
    int start = reverse ? lastIn(r) : firstIn(r);
    if (start < 0) {
      return out;
    }
    long pos = reverse ? start - offset : start + offset;
    while (limit != 0 && pos >= 0 && pos < entries.size()) {
      Entry e = entries.get((int) pos);
      if (reverse ? !r.aboveMin(e) : !r.belowMax(e)) {
        break;
      }
      out.add(e);
      limit--;
      pos += reverse ? -1 : 1;
    }
    return out;
  }
}

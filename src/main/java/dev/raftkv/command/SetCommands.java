package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import dev.raftkv.protocol.RespOut;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Set commands. A set is stored as its members sorted bytewise, so every reply that lists
 * members lists them in that order (Redis's order is its hash table's; clients must not rely on
 * it). SPOP's random choice is made once, on the receiving peer, as a seed carried in the log
 * entry; SRANDMEMBER only reads, so its randomness is local.
 */
final class SetCommands {
  static final Comparator<byte[]> BYTEWISE = Arrays::compareUnsigned;
  /** The most elements SRANDMEMBER with a negative count returns (Redis has no bound). */
  static final long MAX_RANDOM_REPEATS = 10_000_000L;

  private SetCommands() {}

  /** A set decoded from its record: sorted members and the key's expiry. */
  record SetValue(List<byte[]> members, long expireAt) {
    boolean contains(byte[] m) {
      return Collections.binarySearch(members, m, BYTEWISE) >= 0;
    }

    /** Adds a member keeping the order; false when already present. */
    boolean add(byte[] m) {
      int i = Collections.binarySearch(members, m, BYTEWISE);
      if (i >= 0) {
        return false;
      }
      members.add(-i - 1, m);
      return true;
    }

    boolean remove(byte[] m) {
      int i = Collections.binarySearch(members, m, BYTEWISE);
      if (i < 0) {
        return false;
      }
      members.remove(i);
      return true;
    }
  }

  /** The live set at key, null when absent; WRONGTYPE for another type. */
  static SetValue read(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r == null) {
      return null;
    }
    if (Record.type(r) != Record.SET) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    return new SetValue(Packed.unpack(Record.payload(r)), Record.expireAt(r));
  }

  /** Stores the members (sorted, distinct) with an expiry, or deletes the key when there are none. */
  static void write(Keyspace ks, byte[] key, List<byte[]> members, long expireAt) {
    if (members.isEmpty()) {
      if (ks.getRaw(key) != null) {
        ks.delete(key);
      }
    } else {
      ks.put(key, Record.encode(Record.SET, expireAt, Packed.pack(members)));
    }
  }

  /** The normalizer of writes whose log form is what the client sent. */
  static byte[][] asIs(byte[][] a, long now) {
    return a;
  }

  private static void members(RespOut out, List<byte[]> members) {
    out.array(members.size());
    for (byte[] m : members) {
      out.bulk(m);
    }
  }

  static void sadd(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    SetValue s = read(ks, a[1]);
    if (s == null) {
      s = new SetValue(new ArrayList<>(), 0);
    }
    long added = 0;
    for (int i = 2; i < a.length; i++) {
      if (s.add(a[i])) {
        added++;
      }
    }
    if (added > 0) {
      write(ks, a[1], s.members(), s.expireAt());
    }
    out.integer(added);
  }

  static void srem(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    SetValue s = read(ks, a[1]);
    long removed = 0;
    if (s != null) {
      for (int i = 2; i < a.length; i++) {
        if (s.remove(a[i])) {
          removed++;
        }
      }
      if (removed > 0) {
        write(ks, a[1], s.members(), s.expireAt());
      }
    }
    out.integer(removed);
  }

  static void smembers(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    SetValue s = read(ks, a[1]);
    members(out, s == null ? List.of() : s.members());
  }

  static void sismember(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    SetValue s = read(ks, a[1]);
    out.integer(s != null && s.contains(a[2]) ? 1 : 0);
  }

  static void smismember(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    SetValue s = read(ks, a[1]);
    out.array(a.length - 2);
    for (int i = 2; i < a.length; i++) {
      out.integer(s != null && s.contains(a[i]) ? 1 : 0);
    }
  }

  static void scard(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    SetValue s = read(ks, a[1]);
    out.integer(s == null ? 0 : s.members().size());
  }

  /** SPOP's count: Redis's "positive" check, whose message also covers a non-integer. */
  private static long popCount(byte[] b) throws CommandError {
    Long v = Args.parseLong(b);
    if (v == null || v < 0) {
      throw new CommandError("ERR value is out of range, must be positive");
    }
    return v;
  }

  /**
   * SPOP on the receiving peer: checks the arguments and appends a random seed, so every replica
   * pops the same members. Log form: {@code SPOP key [count] seed}.
   */
  static byte[][] normalizeSpop(byte[][] a, long now) throws CommandError {
    if (a.length > 3) {
      throw new CommandError(CommandError.SYNTAX);
    }
    if (a.length == 3) {
      popCount(a[2]);
    }
    byte[][] r = Arrays.copyOf(a, a.length + 1);
    r[a.length] = Args.bytes(Long.toString(ThreadLocalRandom.current().nextLong()));
    return r;
  }

  /** Picks k distinct positions of n (k < n) from the random source, in the order drawn. */
  static int[] distinct(SplittableRandom rnd, int n, int k) {
    int[] pos = new int[n];
    for (int i = 0; i < n; i++) {
      pos[i] = i;
    }
    for (int i = 0; i < k; i++) {
      int j = i + rnd.nextInt(n - i);
      int t = pos[i];
      pos[i] = pos[j];
      pos[j] = t;
    }
    return Arrays.copyOf(pos, k);
  }

  static void spop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    // log form only: the normalizer appended the seed
    boolean withCount = a.length == 4;
    long seed = Args.longArg(a[a.length - 1]);
    long count = withCount ? popCount(a[2]) : 1;
    SetValue s = read(ks, a[1]);
    if (s == null) {
      if (withCount) {
        out.array(0);
      } else {
        out.nil();
      }
      return;
    }
    if (withCount && count == 0) {
      out.array(0);
      return;
    }
    List<byte[]> members = s.members();
    int n = members.size();
    SplittableRandom rnd = new SplittableRandom(seed);
    if (!withCount) {
      byte[] m = members.remove(rnd.nextInt(n));
      write(ks, a[1], members, s.expireAt());
      out.bulk(m);
      return;
    }
    if (count >= n) {
      write(ks, a[1], List.of(), 0);
      members(out, members);
      return;
    }
    int[] picked = distinct(rnd, n, (int) count);
    boolean[] gone = new boolean[n];
    out.array(picked.length);
    for (int p : picked) {
      gone[p] = true;
      out.bulk(members.get(p));
    }
    List<byte[]> rest = new ArrayList<>(n - picked.length);
    for (int i = 0; i < n; i++) {
      if (!gone[i]) {
        rest.add(members.get(i));
      }
    }
    write(ks, a[1], rest, s.expireAt());
  }

  static void srandmember(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (a.length > 3) {
      throw new CommandError(CommandError.SYNTAX);
    }
    if (a.length == 2) {
      SetValue s = read(ks, a[1]);
      out.bulk(s == null ? null : s.members().get(ThreadLocalRandom.current().nextInt(s.members().size())));
      return;
    }
    long l = Args.longArg(a[2]);
    if (l == Long.MIN_VALUE || l < -MAX_RANDOM_REPEATS) {
      throw new CommandError("ERR value is out of range, value must between "
          + (l == Long.MIN_VALUE ? -Long.MAX_VALUE : -MAX_RANDOM_REPEATS) + " and " + Long.MAX_VALUE);
    }
    SetValue s = read(ks, a[1]);
    if (s == null || l == 0) {
      out.array(0);
      return;
    }
    List<byte[]> members = s.members();
    int n = members.size();
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    if (l < 0) {
      out.array((int) -l);
      for (long i = 0; i < -l; i++) {
        out.bulk(members.get(rnd.nextInt(n)));
      }
      return;
    }
    if (l >= n) {
      members(out, members);
      return;
    }
    int[] picked = distinct(new SplittableRandom(rnd.nextLong()), n, (int) l);
    out.array(picked.length);
    for (int p : picked) {
      out.bulk(members.get(p));
    }
  }

  /** The sets at keys[from, to); a missing key is an empty set; WRONGTYPE if any is not a set. */
  private static List<List<byte[]>> readAll(Keyspace ks, byte[][] keys, int from, int to) throws CommandError {
    List<List<byte[]>> sets = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      SetValue s = read(ks, keys[i]);
      sets.add(s == null ? List.of() : s.members());
    }
    return sets;
  }

  /** Intersection of sorted member lists, stopping after limit members (0: no limit). */
  static List<byte[]> inter(List<List<byte[]>> sets, long limit) {
    List<byte[]> result = new ArrayList<>();
    List<byte[]> smallest = sets.get(0);
    for (List<byte[]> s : sets) {
      if (s.size() < smallest.size()) {
        smallest = s;
      }
    }
    for (byte[] m : smallest) {
      boolean all = true;
      for (List<byte[]> s : sets) {
        if (s != smallest && Collections.binarySearch(s, m, BYTEWISE) < 0) {
          all = false;
          break;
        }
      }
      if (all) {
        result.add(m);
        if (limit > 0 && result.size() >= limit) {
          break;
        }
      }
    }
    return result;
  }

  static List<byte[]> union(List<List<byte[]>> sets) {
    List<byte[]> all = new ArrayList<>();
    for (List<byte[]> s : sets) {
      all.addAll(s);
    }
    all.sort(BYTEWISE);
    List<byte[]> result = new ArrayList<>(all.size());
    for (byte[] m : all) {
      if (result.isEmpty() || !Arrays.equals(result.get(result.size() - 1), m)) {
        result.add(m);
      }
    }
    return result;
  }

  static List<byte[]> diff(List<List<byte[]>> sets) {
    List<byte[]> result = new ArrayList<>();
    for (byte[] m : sets.get(0)) {
      boolean elsewhere = false;
      for (int i = 1; i < sets.size() && !elsewhere; i++) {
        elsewhere = Collections.binarySearch(sets.get(i), m, BYTEWISE) >= 0;
      }
      if (!elsewhere) {
        result.add(m);
      }
    }
    return result;
  }

  static void sinter(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    members(out, inter(readAll(ks, a, 1, a.length), 0));
  }

  static void sunion(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    members(out, union(readAll(ks, a, 1, a.length)));
  }

  static void sdiff(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    members(out, diff(readAll(ks, a, 1, a.length)));
  }

  /** Stores a result at destination (any old value and its expiry are replaced) and replies its size. */
  private static void store(Keyspace ks, byte[] dst, List<byte[]> result, RespOut out) {
    write(ks, dst, result, 0);
    out.integer(result.size());
  }

  static void sinterstore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    store(ks, a[1], inter(readAll(ks, a, 2, a.length), 0), out);
  }

  static void sunionstore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    store(ks, a[1], union(readAll(ks, a, 2, a.length)), out);
  }

  static void sdiffstore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    store(ks, a[1], diff(readAll(ks, a, 2, a.length)), out);
  }

  static void sintercard(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    Long numkeys = Args.parseLong(a[1]);
    if (numkeys == null || numkeys < 1) {
      throw new CommandError("ERR numkeys should be greater than 0");
    }
    if (numkeys > a.length - 2) {
      throw new CommandError("ERR Number of keys can't be greater than number of args");
    }
    long limit = 0;
    for (int i = 2 + numkeys.intValue(); i < a.length; i++) {
      if (is(a[i], "limit") && i + 1 < a.length) {
        Long l = Args.parseLong(a[++i]);
        if (l == null || l < 0) {
          throw new CommandError("ERR LIMIT can't be negative");
        }
        limit = l;
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    out.integer(inter(readAll(ks, a, 2, 2 + numkeys.intValue()), limit).size());
  }

  static void smove(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (ks.get(a[1]) == null) {
      out.integer(0);
      return;
    }
    SetValue src = read(ks, a[1]);
    SetValue dst = read(ks, a[2]);
    if (Arrays.equals(a[1], a[2])) {
      out.integer(src.contains(a[3]) ? 1 : 0);
      return;
    }
    if (!src.remove(a[3])) {
      out.integer(0);
      return;
    }
    write(ks, a[1], src.members(), src.expireAt());
    if (dst == null) {
      dst = new SetValue(new ArrayList<>(), 0);
    }
    if (dst.add(a[3])) {
      write(ks, a[2], dst.members(), dst.expireAt());
    }
    out.integer(1);
  }

  static void sscan(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long cursor = Args.scanCursor(a[2]);
    SetValue s = read(ks, a[1]);
    if (s == null) {
      out.array(2).bulk("0").array(0);
      return;
    }
    SetScan.Page<byte[]> page = SetScan.page(s.members(), m -> m, SetScan.options(a, 3, cursor));
    out.array(2).bulk(Long.toUnsignedString(page.next()));
    members(out, page.items());
  }
}

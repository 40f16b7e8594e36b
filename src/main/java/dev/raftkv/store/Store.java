package dev.raftkv.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a peer keeps the applied state: encoded records by key, plus the index of the last log
 * entry whose effects they contain.
 *
 * <p>Implementations must make {@link #commit} atomic: the data of one log entry and its applied
 * index become visible (and, for a persistent store, durable) together or not at all. Reads may
 * run concurrently with each other; the state machine serializes commits against reads.
 *
 * <p>Keys are kept in <em>scan order</em>: ascending unsigned {@link KeyHash#hash64} of the key,
 * then key bytes. It is the same on every peer, so a SCAN cursor (a hash to resume from) is valid
 * on any of them, and resuming costs a seek, not a walk over the keys before it.
 *
 * <p>Values are records {@code [type:1][expireAt:8][payload]} ({@code command.Record}); the store
 * reads the {@code expireAt} field (0: none) to keep an exact index of deadlines, updated in the
 * same atomic commit as the data and rebuilt or carried by checkpoints, so the leader's expiry
 * sweeper finds expired keys without scanning everything.
 */
public interface Store extends Closeable {

  /** Visits key/value pairs; return false to stop. */
  interface Visitor {
    boolean visit(byte[] key, byte[] value);
  }

  /** "rocksdb" or "memory". */
  String kind();

  /** The encoded record stored under the key, or null. */
  byte[] get(byte[] key);

  /** Visits every stored pair, in scan order. */
  default void scan(Visitor visitor) {
    scanFrom(0, visitor);
  }

  /**
   * Visits stored pairs in scan order, starting at the first key whose hash is at or after
   * {@code fromHash} (unsigned); return false from the visitor to stop. The cost is one seek plus
   * the pairs visited.
   */
  void scanFrom(long fromHash, Visitor visitor);

  /**
   * Up to {@code limit} keys whose record has a deadline ({@code expireAt != 0}) at or before
   * {@code now}, earliest deadline first. Safe to call from any thread, also while entries are
   * committed or a snapshot is restored (then it may see the state before or after).
   */
  List<byte[]> expiredKeys(long now, int limit);

  /** Number of stored keys. */
  long count();

  /** Approximate bytes used by the data. */
  long approximateBytes();

  /**
   * Applies one log entry's changes atomically: first removes everything when {@code clearFirst},
   * then the writes (a null value deletes the key), then records {@code index} as applied.
   *
   * @param newCount the number of keys after the change (maintained by the caller)
   */
  default void commit(boolean clearFirst, Map<Key, byte[]> writes, long newCount, long term, long index)
      throws IOException {
    commit(clearFirst, writes, Map.of(), newCount, term, index);
  }

  /**
   * Like {@link #commit(boolean, Map, long, long, long)}, also writing values of the reserved
   * <em>system</em> namespace (the ACL users) in the same atomic commit; a null value deletes.
   * System values are outside the keyspace: no scan, count or clear sees them, and checkpoints
   * carry them.
   */
  default void commit(boolean clearFirst, Map<Key, byte[]> writes, Map<String, byte[]> system, long newCount,
      long term, long index) throws IOException {
    commit(clearFirst, writes, Map.of(), system, newCount, term, index);
  }

  /**
   * The commit itself. {@code previous} holds, for some of the written keys, the value the store
   * has for them now (null: absent), as the caller read it while applying the entry; the store
   * need not read those again (RocksDB looks up the others to keep its deadline index exact).
   */
  void commit(boolean clearFirst, Map<Key, byte[]> writes, Map<Key, byte[]> previous,
      Map<String, byte[]> system, long newCount, long term, long index) throws IOException;

  /** A value of the reserved system namespace, or null. */
  byte[] getSystem(String name);

  /** Term of the last applied log entry recorded in the store, 0 if none. */
  long appliedTerm();

  /** Index of the last applied log entry recorded in the store, 0 if none. */
  long appliedIndex();

  /** Writes a consistent copy of the whole state into {@code dir}, which does not exist yet. */
  void checkpoint(Path dir) throws IOException;

  /** The deadline of an encoded record ({@code expireAt}, bytes 1..8), 0 for none or a short value. */
  static long expireAt(byte[] value) {
    if (value == null || value.length < 9) {
      return 0;
    }
    long v = 0;
    for (int i = 1; i < 9; i++) {
      v = (v << 8) | (value[i] & 0xff);
    }
    return v;
  }

  /** Replaces the whole state with the copy in {@code dir}, written by {@link #checkpoint}. */
  void restore(Path dir) throws IOException;
}

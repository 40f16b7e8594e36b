package dev.raftkv.command;

/**
 * The view of the data a command runs against: the committed store (reads) or the store plus the
 * pending changes of the log entry being applied (writes). "Now" is the time carried by the log
 * entry when applying, the local clock when reading: a key whose deadline has passed is absent.
 */
public interface Keyspace {

  /** Milliseconds since the Unix epoch used for expiry decisions. */
  long now();

  /** The raw record, including logically expired ones; null when absent. */
  byte[] getRaw(byte[] key);

  /** The live record, or null when absent or expired. */
  default byte[] get(byte[] key) {
    byte[] r = getRaw(key);
    return r == null || Record.isExpired(r, now()) ? null : r;
  }

  void put(byte[] key, byte[] record);

  /**
   * The largest payload a write may leave in one record (a string's bytes, a collection's
   * encoding): the {@code raftkv.max-value-bytes} carried by the entry being applied. A bigger
   * record is refused by {@link #put} with a {@link ValueTooLargeException}.
   */
  default long maxValueBytes() {
    return Commands.MAX_STRING;
  }

  void delete(byte[] key);

  void clear();

  /** Visits every live key with its record; return false to stop. */
  void scan(dev.raftkv.store.Store.Visitor visitor);

  /**
   * Visits stored keys in scan order ({@link dev.raftkv.store.KeyHash}: unsigned hash, then bytes)
   * from the first whose hash is at or after {@code fromHash}; return false to stop. Expired
   * records are visited too. The committed store does this with a seek; this default, for
   * keyspaces with pending changes, collects and sorts everything (O(n log n)).
   */
  default void scanFrom(long fromHash, dev.raftkv.store.Store.Visitor visitor) {
    java.util.List<Object[]> all = new java.util.ArrayList<>();
    scan((k, v) -> {
      long h = dev.raftkv.store.KeyHash.hash64(k);
      if (Long.compareUnsigned(h, fromHash) >= 0) {
        all.add(new Object[] {h, k, v});
      }
      return true;
    });
    all.sort((x, y) -> dev.raftkv.store.KeyHash.compare((long) x[0], (byte[]) x[1], (long) y[0],
        (byte[]) y[1]));
    for (Object[] e : all) {
      if (!visitor.visit((byte[]) e[1], (byte[]) e[2])) {
        return;
      }
    }
  }

  /**
   * A value of the reserved system namespace (the replicated ACL users), outside the keyspace:
   * no scan, count or clear sees it. Null when absent.
   */
  default byte[] getSystem(String name) {
    throw new UnsupportedOperationException("no system namespace here");
  }

  /** Sets a system value (null deletes) as part of the entry being applied. */
  default void putSystem(String name, byte[] value) {
    throw new UnsupportedOperationException("no system namespace here");
  }

  /** Number of stored keys (like Redis, keys past their deadline count until they are removed). */
  long size();

  /**
   * Starts a nestable savepoint: changes made after it can be undone with {@link #rollback}.
   * Read-only keyspaces need not support it.
   *
   * @return the savepoint's mark, for {@link #release} or {@link #rollback}
   */
  default int savepoint() {
    return 0;
  }

  /** Keeps the changes made since the savepoint. */
  default void release(int mark) {}

  /** Undoes every change made since the savepoint. */
  default void rollback(int mark) {}

  /**
   * A message PUBLISHed (or SPUBLISHed, {@code shard}) by a command of this log entry: delivered
   * to this peer's subscribers after the entry is committed (see dev.raftkv.pubsub.PubSubHub).
   */
  record Published(boolean shard, byte[] channel, byte[] message) {}

  /**
   * Records a message to deliver to this peer's subscribers once the entry is committed; returns
   * the number of this peer's subscribers that will receive it (this peer's own count, not
   * replicated state: it only goes into the reply). Only keyspaces of log entries publish.
   */
  default long publish(boolean shard, byte[] channel, byte[] message) {
    return 0;
  }

  /**
   * The keyspace-notification flags ({@link KeyspaceEvents}) of the peer applying this entry;
   * 0 (none) for reads and keyspaces outside a log entry.
   */
  default int keyspaceEvents() {
    return 0;
  }
}

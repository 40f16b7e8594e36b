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

  void delete(byte[] key);

  void clear();

  /** Visits every live key with its record; return false to stop. */
  void scan(dev.raftkv.store.Store.Visitor visitor);

  /** Number of stored keys (like Redis, keys past their deadline count until they are removed). */
  long size();
}

package dev.raftkv.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a peer keeps the applied state: encoded records by key, plus the index of the last log
 * entry whose effects they contain.
 *
 * <p>Implementations must make {@link #commit} atomic: the data of one log entry and its applied
 * index become visible (and, for a persistent store, durable) together or not at all. Reads may
 * run concurrently with each other; the state machine serializes commits against reads.
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

  /** Visits every stored pair (in unspecified order). */
  void scan(Visitor visitor);

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
  void commit(boolean clearFirst, Map<Key, byte[]> writes, long newCount, long term, long index)
      throws IOException;

  /** Term of the last applied log entry recorded in the store, 0 if none. */
  long appliedTerm();

  /** Index of the last applied log entry recorded in the store, 0 if none. */
  long appliedIndex();

  /** Writes a consistent copy of the whole state into {@code dir}, which does not exist yet. */
  void checkpoint(Path dir) throws IOException;

  /** Replaces the whole state with the copy in {@code dir}, written by {@link #checkpoint}. */
  void restore(Path dir) throws IOException;
}

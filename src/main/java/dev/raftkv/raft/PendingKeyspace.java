package dev.raftkv.raft;

import dev.raftkv.command.Keyspace;
import dev.raftkv.store.Key;
import dev.raftkv.store.Store;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The keyspace seen while applying one log entry: the committed store overlaid with the entry's
 * own pending changes, so a later command of the batch sees an earlier one's effect. The whole
 * entry is committed to the store at once, with its index.
 */
public final class PendingKeyspace implements Keyspace {
  private final Store store;
  private final long now;
  private final HashMap<Key, byte[]> writes = new HashMap<>();
  private boolean cleared;
  private long count;

  public PendingKeyspace(Store store, long now) {
    this.store = store;
    this.now = now;
    this.count = store.count();
  }

  @Override
  public long now() {
    return now;
  }

  @Override
  public byte[] getRaw(byte[] key) {
    Key k = new Key(key);
    if (writes.containsKey(k)) {
      return writes.get(k);
    }
    return cleared ? null : store.get(key);
  }

  @Override
  public void put(byte[] key, byte[] record) {
    if (getRaw(key) == null) {
      count++;
    }
    writes.put(new Key(key), record);
  }

  @Override
  public void delete(byte[] key) {
    if (getRaw(key) != null) {
      count--;
    }
    writes.put(new Key(key), null);
  }

  @Override
  public void clear() {
    cleared = true;
    writes.clear();
    count = 0;
  }

  @Override
  public void scan(Store.Visitor visitor) {
    for (Map.Entry<Key, byte[]> e : writes.entrySet()) {
      if (e.getValue() != null && !visitor.visit(e.getKey().bytes(), e.getValue())) {
        return;
      }
    }
    if (!cleared) {
      store.scan((k, v) -> writes.containsKey(new Key(k)) || visitor.visit(k, v));
    }
  }

  @Override
  public long size() {
    return count;
  }

  public void commit(long term, long index) throws IOException {
    store.commit(cleared, writes, count, term, index);
  }
}

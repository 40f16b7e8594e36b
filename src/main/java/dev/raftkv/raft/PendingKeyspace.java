package dev.raftkv.raft;

import dev.raftkv.command.Keyspace;
import dev.raftkv.store.Key;
import dev.raftkv.store.Store;
import java.io.IOException;
import java.util.ArrayList;
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
  /**
   * Values read from the store while applying this entry (null: absent), so a key is looked up
   * once per entry, and the commit knows what each write replaces without reading it again.
   * The store does not change until this entry commits.
   */
  private final HashMap<Key, byte[]> read = new HashMap<>();
  /** Pending system values (ACL users); a null value deletes. */
  private final HashMap<String, byte[]> system = new HashMap<>();
  private boolean cleared;
  private long count;
  /** Undo records of the open savepoints, oldest first; empty when none is open. */
  private final ArrayList<Undo> journal = new ArrayList<>();
  private int openSavepoints;

  /** What a change replaced: the key's pending entry (or its absence), or the whole overlay. */
  private record Undo(Key key, boolean hadEntry, byte[] entry, long count, boolean cleared,
      HashMap<Key, byte[]> overlay, String systemName) {}

  private final long maxValueBytes;

  /** A keyspace for commands applied with the default value limit (tests, tools). */
  public PendingKeyspace(Store store, long now) {
    this(store, now, dev.raftkv.command.Commands.DEFAULT_MAX_VALUE);
  }

  /** The keyspace of a log entry, with its time and its value limit ({@link CommandBatch}). */
  public PendingKeyspace(Store store, long now, long maxValueBytes) {
    this.store = store;
    this.now = now;
    this.maxValueBytes = maxValueBytes;
    this.count = store.count();
  }

  @Override
  public long maxValueBytes() {
    return maxValueBytes;
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
    if (cleared) {
      return null;
    }
    byte[] v = read.get(k);
    if (v == null && !read.containsKey(k)) {
      v = store.get(key);
      read.put(k, v);
    }
    return v;
  }

  @Override
  public void put(byte[] key, byte[] record) {
    if (dev.raftkv.command.Record.payloadLength(record) > maxValueBytes) {
      throw new dev.raftkv.command.ValueTooLargeException(
          dev.raftkv.command.Record.payloadLength(record), maxValueBytes);
    }
    Key k = new Key(key);
    remember(k);
    if (getRaw(key) == null) {
      count++;
    }
    writes.put(k, record);
  }

  @Override
  public void delete(byte[] key) {
    Key k = new Key(key);
    remember(k);
    if (getRaw(key) != null) {
      count--;
    }
    writes.put(k, null);
  }

  @Override
  public void clear() {
    if (openSavepoints > 0) {
      journal.add(new Undo(null, false, null, count, cleared, new HashMap<>(writes), null));
    }
    cleared = true;
    writes.clear();
    count = 0;
  }

  private void remember(Key k) {
    if (openSavepoints > 0) {
      journal.add(new Undo(k, writes.containsKey(k), writes.get(k), count, cleared, null, null));
    }
  }

  @Override
  public int savepoint() {
    openSavepoints++;
    return journal.size();
  }

  @Override
  public void release(int mark) {
    if (--openSavepoints == 0) {
      journal.clear();
    }
  }

  @Override
  public void rollback(int mark) {
    for (int i = journal.size() - 1; i >= mark; i--) {
      Undo u = journal.remove(i);
      if (u.systemName() != null) {
        if (u.hadEntry()) {
          system.put(u.systemName(), u.entry());
        } else {
          system.remove(u.systemName());
        }
        continue;
      }
      count = u.count();
      cleared = u.cleared();
      if (u.overlay() != null) {
        writes.clear();
        writes.putAll(u.overlay());
      } else if (u.hadEntry()) {
        writes.put(u.key(), u.entry());
      } else {
        writes.remove(u.key());
      }
    }
    release(mark);
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
  public byte[] getSystem(String name) {
    return system.containsKey(name) ? system.get(name) : store.getSystem(name);
  }

  @Override
  public void putSystem(String name, byte[] value) {
    if (openSavepoints > 0) {
      journal.add(new Undo(null, system.containsKey(name), system.get(name), count, cleared, null,
          name));
    }
    system.put(name, value);
  }

  /**
   * The keys this entry wrote or deleted (blocked clients waiting on them are woken); null when
   * it cleared the keyspace (FLUSHALL), after which any key may have changed.
   */
  public java.util.Set<Key> changedKeys() {
    return cleared ? null : writes.keySet();
  }

  /** True when this entry changes a system value (the ACL users). */
  public boolean systemChanged() {
    return !system.isEmpty();
  }

  @Override
  public long size() {
    return count;
  }

  /** The messages this entry published, in order (delivered after the commit). */
  private ArrayList<Published> published;
  /** Counts this peer's receivers of a message (the Pub/Sub hub); null: none. */
  private KvStateMachine.PublishListener publishListener;

  /** Where {@link #publish} counts receivers; set by the state machine before the entry runs. */
  void publishTo(KvStateMachine.PublishListener listener) {
    publishListener = listener;
  }

  @Override
  public long publish(boolean shard, byte[] channel, byte[] message) {
    if (published == null) {
      published = new ArrayList<>(2);
    }
    published.add(new Published(shard, channel, message));
    return publishListener == null ? 0 : publishListener.receivers(shard, channel);
  }

  @Override
  public int keyspaceEvents() {
    return publishListener == null ? 0 : publishListener.keyspaceEvents();
  }

  /** The messages this entry published, in order; empty when none. */
  public java.util.List<Published> published() {
    return published == null ? java.util.List.of() : published;
  }

  public void commit(long term, long index) throws IOException {
    store.commit(cleared, writes, cleared ? Map.of() : read, system, count, term, index);
  }
}

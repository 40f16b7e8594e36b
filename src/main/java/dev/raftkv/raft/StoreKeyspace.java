package dev.raftkv.raft;

import dev.raftkv.command.Keyspace;
import dev.raftkv.store.Store;

/** The read-only keyspace of the committed store, with the local clock as "now". */
final class StoreKeyspace implements Keyspace {
  private final Store store;
  private final long now;

  StoreKeyspace(Store store, long now) {
    this.store = store;
    this.now = now;
  }

  @Override
  public long now() {
    return now;
  }

  @Override
  public byte[] getRaw(byte[] key) {
    return store.get(key);
  }

  /** The applied system values (EVALSHA_RO reads the replicated script cache). */
  @Override
  public byte[] getSystem(String name) {
    return store.getSystem(name);
  }

  @Override
  public void put(byte[] key, byte[] record) {
    throw new IllegalStateException("write in a read-only command");
  }

  @Override
  public void delete(byte[] key) {
    throw new IllegalStateException("write in a read-only command");
  }

  @Override
  public void clear() {
    throw new IllegalStateException("write in a read-only command");
  }

  @Override
  public void scan(Store.Visitor visitor) {
    store.scan(visitor);
  }

  @Override
  public void scanFrom(long fromHash, Store.Visitor visitor) {
    store.scanFrom(fromHash, visitor);
  }

  @Override
  public long size() {
    return store.count();
  }
}

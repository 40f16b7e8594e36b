package dev.raftkv.store;

import dev.raftkv.util.Dirs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The persistent store: RocksDB. Layout:
 * <ul>
 *   <li>{@code 0x00 'a'}, {@code 0x00 'c'}: metadata (applied term and index, key count);
 *   <li>{@code 0x02 hash64(key):8 key}: the records, in scan order ({@link KeyHash});
 *   <li>{@code 0x03 deadline:8 key}: empty values, one per key that has a deadline, in deadline
 *       order (the deadline with its sign bit flipped, so negative values would sort first);
 *   <li>{@code 0x04 name}: the reserved system namespace (the replicated ACL users), outside the
 *       keyspace: FLUSHALL's range delete and every scan stop before it;
 *   <li>{@code 0x01 key}: the records in the layout before SCAN existed; a store that still has
 *       any is rewritten into the current layout when it is opened.
 * </ul>
 * Every log entry is one write batch holding its data, index and metadata changes, so the applied
 * index always describes exactly the data beside it.
 *
 * <p>RocksDB's own write-ahead log is off: the Raft log is the write-ahead log. After a crash the
 * store is back at its last flush, which is never older than the latest snapshot (a snapshot
 * flushes first), and the Raft log is only purged up to the latest snapshot, so replaying the log
 * from the snapshot index while skipping entries at or below the store's applied index restores
 * the exact state.
 */
public final class RocksStore implements Store {
  static {
    RocksDB.loadLibrary();
  }

  private static final byte META = 0x00;
  private static final byte LEGACY_DATA = 0x01;
  private static final byte DATA = 0x02;
  private static final byte DEADLINE = 0x03;
  private static final byte SYSTEM = 0x04;
  private static final byte[] EMPTY = new byte[0];
  private static final byte[] APPLIED = {META, 'a'};
  private static final byte[] COUNT = {META, 'c'};

  private final Path dir;
  private final Options options;
  private final WriteOptions writeOptions;
  private final ReadOptions readOptions;
  private final LRUCache cache;
  private final BloomFilter bloom;
  private RocksDB db;
  private long appliedTerm;
  private long appliedIndex;
  private long count;

  public RocksStore(Path dir) throws IOException {
    this.dir = dir;
    this.cache = new LRUCache(128L << 20);
    this.bloom = new BloomFilter(10, false);
    BlockBasedTableConfig table = new BlockBasedTableConfig()
        .setBlockCache(cache)
        .setFilterPolicy(bloom)
        .setCacheIndexAndFilterBlocks(true);
    this.options = new Options()
        .setCreateIfMissing(true)
        .setTableFormatConfig(table)
        .setCompressionType(CompressionType.LZ4_COMPRESSION)
        .setWriteBufferSize(64L << 20)
        .setMaxBackgroundJobs(2)
        .setAvoidFlushDuringShutdown(false);
    this.writeOptions = new WriteOptions().setDisableWAL(true);
    this.readOptions = new ReadOptions();
    open();
  }

  private void open() throws IOException {
    try {
      Files.createDirectories(dir);
      db = RocksDB.open(options, dir.toString());
      byte[] applied = db.get(APPLIED);
      if (applied != null) {
        ByteBuffer b = ByteBuffer.wrap(applied);
        appliedTerm = b.getLong();
        appliedIndex = b.getLong();
      } else {
        appliedTerm = 0;
        appliedIndex = 0;
      }
      byte[] c = db.get(COUNT);
      count = c == null ? 0 : ByteBuffer.wrap(c).getLong();
      migrateLegacyLayout();
    } catch (RocksDBException e) {
      throw new IOException("cannot open RocksDB at " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Rewrites records of the old layout ({@code 0x01 key}) into the current one, in batches that
   * each move some keys atomically (a crash in between leaves a mix that the next open finishes).
   * The applied index and key count do not change.
   */
  private void migrateLegacyLayout() throws RocksDBException {
    long moved = 0;
    while (true) {
      int n = 0;
      try (ReadOptions ro = new ReadOptions();
          Slice upper = new Slice(new byte[] {LEGACY_DATA + 1});
          WriteBatch batch = new WriteBatch()) {
        ro.setIterateUpperBound(upper);
        try (RocksIterator it = db.newIterator(ro)) {
          for (it.seek(new byte[] {LEGACY_DATA}); it.isValid() && n < 10_000; it.next()) {
            byte[] old = it.key();
            byte[] key = new byte[old.length - 1];
            System.arraycopy(old, 1, key, 0, key.length);
            byte[] value = it.value();
            batch.put(dataKey(key), value);
            long at = Store.expireAt(value);
            if (at != 0) {
              batch.put(deadlineKey(at, key), EMPTY);
            }
            batch.delete(old);
            n++;
          }
        }
        if (n == 0) {
          break;
        }
        db.write(writeOptions, batch);
        moved += n;
      }
    }
    if (moved > 0) {
      try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
        db.flush(fo);
      }
      org.slf4j.LoggerFactory.getLogger(RocksStore.class)
          .info("{}: rewrote {} keys into the hash-ordered layout", dir, moved);
    }
  }

  private static byte[] dataKey(byte[] key) {
    long h = KeyHash.hash64(key);
    byte[] k = new byte[key.length + 9];
    k[0] = DATA;
    putLong(k, 1, h);
    System.arraycopy(key, 0, k, 9, key.length);
    return k;
  }

  private static byte[] deadlineKey(long at, byte[] key) {
    byte[] k = new byte[key.length + 9];
    k[0] = DEADLINE;
    putLong(k, 1, at ^ Long.MIN_VALUE);
    System.arraycopy(key, 0, k, 9, key.length);
    return k;
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }

  private static byte[] tail(byte[] k) {
    byte[] key = new byte[k.length - 9];
    System.arraycopy(k, 9, key, 0, key.length);
    return key;
  }

  @Override
  public String kind() {
    return "rocksdb";
  }

  @Override
  public byte[] get(byte[] key) {
    try {
      return db.get(readOptions, dataKey(key));
    } catch (RocksDBException e) {
      throw new StoreException("RocksDB read failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void scanFrom(long fromHash, Visitor visitor) {
    byte[] start = new byte[9];
    start[0] = DATA;
    putLong(start, 1, fromHash);
    try (ReadOptions ro = new ReadOptions();
        Slice upper = new Slice(new byte[] {DATA + 1})) {
      ro.setIterateUpperBound(upper);
      try (RocksIterator it = db.newIterator(ro)) {
        for (it.seek(start); it.isValid(); it.next()) {
          if (!visitor.visit(tail(it.key()), it.value())) {
            return;
          }
        }
      }
    }
  }

  /** Synchronized with {@link #restore} and {@link #close}, which replace or close the database. */
  @Override
  public synchronized List<byte[]> expiredKeys(long now, int limit) {
    List<byte[]> keys = new ArrayList<>();
    if (db == null) {
      return keys;
    }
    try (ReadOptions ro = new ReadOptions();
        Slice upper = new Slice(new byte[] {DEADLINE + 1})) {
      ro.setIterateUpperBound(upper);
      try (RocksIterator it = db.newIterator(ro)) {
        for (it.seek(new byte[] {DEADLINE}); it.isValid() && keys.size() < limit; it.next()) {
          byte[] k = it.key();
          if ((getLong(k, 1) ^ Long.MIN_VALUE) > now) {
            break;
          }
          keys.add(tail(k));
        }
      }
    }
    return keys;
  }

  @Override
  public long count() {
    return count;
  }

  @Override
  public long approximateBytes() {
    try {
      return db.getLongProperty("rocksdb.estimate-live-data-size")
          + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  @Override
  public byte[] getSystem(String name) {
    try {
      return db.get(readOptions, systemKey(name));
    } catch (RocksDBException e) {
      throw new StoreException("RocksDB read failed: " + e.getMessage(), e);
    }
  }

  private static byte[] systemKey(String name) {
    byte[] n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] k = new byte[n.length + 1];
    k[0] = SYSTEM;
    System.arraycopy(n, 0, k, 1, n.length);
    return k;
  }

  @Override
  public void commit(boolean clearFirst, Map<Key, byte[]> writes, Map<Key, byte[]> previous,
      Map<String, byte[]> system, long newCount, long term, long index) throws IOException {
    try (WriteBatch batch = new WriteBatch()) {
      for (Map.Entry<String, byte[]> e : system.entrySet()) {
        if (e.getValue() == null) {
          batch.delete(systemKey(e.getKey()));
        } else {
          batch.put(systemKey(e.getKey()), e.getValue());
        }
      }
      if (clearFirst) {
        batch.deleteRange(new byte[] {LEGACY_DATA}, new byte[] {DEADLINE + 1});
      }
      List<byte[]> keys = new ArrayList<>(writes.size());
      List<byte[]> values = new ArrayList<>(writes.size());
      List<byte[]> olds = new ArrayList<>(writes.size());
      List<byte[]> unknown = new ArrayList<>();
      List<Integer> unknownAt = new ArrayList<>();
      for (Map.Entry<Key, byte[]> e : writes.entrySet()) {
        byte[] dk = dataKey(e.getKey().bytes());
        keys.add(dk);
        values.add(e.getValue());
        olds.add(previous.get(e.getKey()));
        if (!clearFirst && !previous.containsKey(e.getKey())) {
          unknownAt.add(keys.size() - 1);
          unknown.add(dk);
        }
      }
      // the previous deadlines, to keep the deadline index exact (after a clear there are none)
      if (!unknown.isEmpty()) {
        List<byte[]> found = db.multiGetAsList(readOptions, unknown);
        for (int i = 0; i < found.size(); i++) {
          olds.set(unknownAt.get(i), found.get(i));
        }
      }
      for (int i = 0; i < keys.size(); i++) {
        byte[] dk = keys.get(i);
        byte[] value = values.get(i);
        long was = clearFirst ? 0 : Store.expireAt(olds.get(i));
        long is = Store.expireAt(value);
        if (was != is) {
          byte[] key = tail(dk);
          if (was != 0) {
            batch.delete(deadlineKey(was, key));
          }
          if (is != 0) {
            batch.put(deadlineKey(is, key), EMPTY);
          }
        }
        if (value == null) {
          batch.delete(dk);
        } else {
          batch.put(dk, value);
        }
      }
      batch.put(APPLIED, ByteBuffer.allocate(16).putLong(term).putLong(index).array());
      batch.put(COUNT, ByteBuffer.allocate(8).putLong(newCount).array());
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw new IOException("RocksDB write failed at index " + index + ": " + e.getMessage(), e);
    }
    appliedTerm = term;
    appliedIndex = index;
    count = newCount;
  }

  @Override
  public long appliedTerm() {
    return appliedTerm;
  }

  @Override
  public long appliedIndex() {
    return appliedIndex;
  }

  @Override
  public void checkpoint(Path target) throws IOException {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true);
        Checkpoint cp = Checkpoint.create(db)) {
      db.flush(fo);
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new IOException("RocksDB checkpoint into " + target + " failed: " + e.getMessage(), e);
    }
  }

  /** Files of a checkpoint directory that belong to RocksDB (not Ratis' md5 files or manifests). */
  static boolean isDbFile(Path p) {
    String name = p.getFileName().toString();
    return !name.endsWith(".md5") && !name.startsWith("raftkv-");
  }

  @Override
  public synchronized void restore(Path source) throws IOException {
    db.close();
    db = null;
    Dirs.deleteRecursively(dir);
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f) && isDbFile(f)) {
          Path copy = dir.resolve(f.getFileName());
          Files.copy(f, copy);
          Dirs.fsync(copy);
        }
      }
    }
    // RocksDB's next MANIFEST names these files: they, and their names, must be durable first
    // (the power-loss harness found zero-length SSTs behind a synced MANIFEST without this)
    Dirs.fsync(dir);
    Dirs.fsync(dir.toAbsolutePath().getParent());
    open();
  }


  @Override
  public synchronized void close() {
    if (db != null) {
      try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
        db.flush(fo);
      } catch (RocksDBException e) {
        // the Raft log still has every entry after the latest snapshot
      }
      db.close();
      db = null;
    }
    readOptions.close();
    writeOptions.close();
    options.close();
    bloom.close();
    cache.close();
  }
}

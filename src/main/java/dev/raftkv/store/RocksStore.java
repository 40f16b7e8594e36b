package dev.raftkv.store;

import dev.raftkv.util.Dirs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The persistent store: RocksDB. Data keys are stored under the prefix {@code 0x01}, metadata
 * (applied term and index, key count) under {@code 0x00}, and every log entry is one write batch
 * holding both, so the applied index always describes exactly the data beside it.
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
  private static final byte DATA = 0x01;
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
    } catch (RocksDBException e) {
      throw new IOException("cannot open RocksDB at " + dir + ": " + e.getMessage(), e);
    }
  }

  private static byte[] dataKey(byte[] key) {
    byte[] k = new byte[key.length + 1];
    k[0] = DATA;
    System.arraycopy(key, 0, k, 1, key.length);
    return k;
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
      throw new IllegalStateException("RocksDB read failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void scan(Visitor visitor) {
    try (ReadOptions ro = new ReadOptions();
        Slice upper = new Slice(new byte[] {DATA + 1})) {
      ro.setIterateUpperBound(upper);
      try (RocksIterator it = db.newIterator(ro)) {
        for (it.seek(new byte[] {DATA}); it.isValid(); it.next()) {
          byte[] k = it.key();
          byte[] key = new byte[k.length - 1];
          System.arraycopy(k, 1, key, 0, key.length);
          if (!visitor.visit(key, it.value())) {
            return;
          }
        }
      }
    }
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
  public void commit(boolean clearFirst, Map<Key, byte[]> writes, long newCount, long term, long index)
      throws IOException {
    try (WriteBatch batch = new WriteBatch()) {
      if (clearFirst) {
        batch.deleteRange(new byte[] {DATA}, new byte[] {DATA + 1});
      }
      for (Map.Entry<Key, byte[]> e : writes.entrySet()) {
        if (e.getValue() == null) {
          batch.delete(dataKey(e.getKey().bytes()));
        } else {
          batch.put(dataKey(e.getKey().bytes()), e.getValue());
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
  public void restore(Path source) throws IOException {
    db.close();
    Dirs.deleteRecursively(dir);
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f) && isDbFile(f)) {
          Files.copy(f, dir.resolve(f.getFileName()));
        }
      }
    }
    open();
  }


  @Override
  public void close() {
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

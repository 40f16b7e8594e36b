package dev.raftkv.store;

import dev.raftkv.util.Dirs;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The in-memory store: a hash map for the values, so GET and overwriting SET stay O(1). Nothing is
 * persisted by the store itself; the state comes back from the latest snapshot (a deterministic
 * dump: keys in unsigned byte order) plus the Raft log.
 *
 * <p>Two ordered indexes sit beside the map. {@code order} holds every key in scan order (hash,
 * then bytes): a SCAN call costs O(log n + COUNT). It changes only when a key is created or
 * removed (an overwrite leaves it alone), at O(log n) and about 60 bytes per key.
 * {@code deadlines} holds the keys that have a deadline, earliest first, for the expiry sweeper.
 * Both are derived from the map: a restore rebuilds them, so they are exact after a restart.
 *
 * <p>Concurrency: the state machine never runs reads during a commit; {@link #expiredKeys} is
 * called by the sweeper thread outside that lock, so it and every method that changes the
 * indexes are synchronized.
 */
public final class MemoryStore implements Store {
  static final String DUMP = "memory.dump";
  private static final int MAGIC = 0x524b4d31; // "RKM1"
  /** A dump followed by the system namespace (ACL users); RKM1 dumps are still read. */
  private static final int MAGIC_WITH_SYSTEM = 0x524b4d32; // "RKM2"
  private static final Key LOWEST = new Key(new byte[0]);

  /** A key at its position in scan order. */
  private record Slot(long hash, Key key) implements Comparable<Slot> {
    @Override
    public int compareTo(Slot o) {
      int c = Long.compareUnsigned(hash, o.hash);
      return c != 0 ? c : key.compareTo(o.key);
    }
  }

  /** A key with its deadline, ordered by deadline. */
  private record Deadline(long at, Key key) implements Comparable<Deadline> {
    @Override
    public int compareTo(Deadline o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : key.compareTo(o.key);
    }
  }

  private HashMap<Key, byte[]> map = new HashMap<>();
  private TreeSet<Slot> order = new TreeSet<>();
  private TreeSet<Deadline> deadlines = new TreeSet<>();
  private java.util.TreeMap<String, byte[]> system = new java.util.TreeMap<>();
  private long bytes;
  private long appliedTerm;
  private long appliedIndex;

  @Override
  public String kind() {
    return "memory";
  }

  @Override
  public byte[] get(byte[] key) {
    return map.get(new Key(key));
  }

  @Override
  public void scanFrom(long fromHash, Visitor visitor) {
    for (Slot s : order.tailSet(new Slot(fromHash, LOWEST), true)) {
      if (!visitor.visit(s.key().bytes(), map.get(s.key()))) {
        return;
      }
    }
  }

  @Override
  public synchronized List<byte[]> expiredKeys(long now, int limit) {
    List<byte[]> keys = new ArrayList<>();
    for (Deadline d : deadlines) {
      if (d.at() > now || keys.size() >= limit) {
        break;
      }
      keys.add(d.key().bytes());
    }
    return keys;
  }

  /** Keeps the indexes in line with one key going from {@code old} to {@code value} (null: absent). */
  private void index(Key k, byte[] old, byte[] value) {
    if (old == null && value != null) {
      order.add(new Slot(KeyHash.hash64(k.bytes()), k));
    } else if (old != null && value == null) {
      order.remove(new Slot(KeyHash.hash64(k.bytes()), k));
    }
    long was = Store.expireAt(old);
    long is = Store.expireAt(value);
    if (was != is) {
      if (was != 0) {
        deadlines.remove(new Deadline(was, k));
      }
      if (is != 0) {
        deadlines.add(new Deadline(is, k));
      }
    }
  }

  @Override
  public long count() {
    return map.size();
  }

  @Override
  public long approximateBytes() {
    return bytes;
  }

  @Override
  public synchronized byte[] getSystem(String name) {
    return system.get(name);
  }

  @Override
  public synchronized void commit(boolean clearFirst, Map<Key, byte[]> writes, Map<Key, byte[]> previous,
      Map<String, byte[]> systemWrites, long newCount, long term, long index) {
    for (Map.Entry<String, byte[]> e : systemWrites.entrySet()) {
      if (e.getValue() == null) {
        system.remove(e.getKey());
      } else {
        system.put(e.getKey(), e.getValue());
      }
    }
    if (clearFirst) {
      map = new HashMap<>();
      order = new TreeSet<>();
      deadlines = new TreeSet<>();
      bytes = 0;
    }
    for (Map.Entry<Key, byte[]> e : writes.entrySet()) {
      byte[] old = e.getValue() == null ? map.remove(e.getKey()) : map.put(e.getKey(), e.getValue());
      index(e.getKey(), old, e.getValue());
      if (old != null) {
        bytes -= e.getKey().bytes().length + old.length;
      }
      if (e.getValue() != null) {
        bytes += e.getKey().bytes().length + e.getValue().length;
      }
    }
    appliedTerm = term;
    appliedIndex = index;
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
  public void checkpoint(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Key> keys = new ArrayList<>(map.keySet());
    Collections.sort(keys);
    CRC32 crc = new CRC32();
    try (OutputStream file = Files.newOutputStream(dir.resolve(DUMP));
        DataOutputStream out = new DataOutputStream(
            new CheckedOutputStream(new BufferedOutputStream(file, 1 << 16), crc))) {
      // without system values the dump stays in the older format, readable by older versions
      out.writeInt(system.isEmpty() ? MAGIC : MAGIC_WITH_SYSTEM);
      out.writeLong(appliedTerm);
      out.writeLong(appliedIndex);
      out.writeLong(keys.size());
      for (Key k : keys) {
        byte[] v = map.get(k);
        out.writeInt(k.bytes().length);
        out.write(k.bytes());
        out.writeInt(v.length);
        out.write(v);
      }
      if (!system.isEmpty()) {
        out.writeInt(system.size());
      }
      for (Map.Entry<String, byte[]> e : system.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().length);
        out.write(e.getValue());
      }
      out.flush();
      // the checksum covers everything before it
      new DataOutputStream(file).writeLong(crc.getValue());
      file.flush();
    }
    Dirs.fsync(dir.resolve(DUMP));
  }

  @Override
  public synchronized void restore(Path dir) throws IOException {
    Path dump = dir.resolve(DUMP);
    CRC32 crc = new CRC32();
    HashMap<Key, byte[]> m = new HashMap<>();
    java.util.TreeMap<String, byte[]> sys = new java.util.TreeMap<>();
    long b = 0;
    long term;
    long index;
    try (InputStream file = new BufferedInputStream(Files.newInputStream(dump), 1 << 16)) {
      DataInputStream in = new DataInputStream(new CheckedInputStream(file, crc));
      int magic = in.readInt();
      if (magic != MAGIC && magic != MAGIC_WITH_SYSTEM) {
        throw new IOException(dump + ": not a raft-kv memory dump");
      }
      term = in.readLong();
      index = in.readLong();
      long n = in.readLong();
      for (long i = 0; i < n; i++) {
        byte[] k = new byte[in.readInt()];
        in.readFully(k);
        byte[] v = new byte[in.readInt()];
        in.readFully(v);
        m.put(new Key(k), v);
        b += k.length + v.length;
      }
      if (magic == MAGIC_WITH_SYSTEM) {
        int ns = in.readInt();
        for (int i = 0; i < ns; i++) {
          String name = in.readUTF();
          byte[] v = new byte[in.readInt()];
          in.readFully(v);
          sys.put(name, v);
        }
      }
      long expected = crc.getValue();
      long stored = new DataInputStream(file).readLong();
      if (stored != expected) {
        throw new IOException(dump + ": checksum mismatch, the dump is corrupt");
      }
    }
    map = m;
    system = sys;
    order = new TreeSet<>();
    deadlines = new TreeSet<>();
    for (Map.Entry<Key, byte[]> e : m.entrySet()) {
      index(e.getKey(), null, e.getValue());
    }
    bytes = b;
    appliedTerm = term;
    appliedIndex = index;
  }

  @Override
  public synchronized void close() {
    map = new HashMap<>();
    order = new TreeSet<>();
    deadlines = new TreeSet<>();
  }
}

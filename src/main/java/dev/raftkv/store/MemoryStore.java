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
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The in-memory store: a hash map. Nothing is persisted by the store itself; the state comes back
 * from the latest snapshot (a deterministic dump: keys in unsigned byte order) plus the Raft log.
 */
public final class MemoryStore implements Store {
  static final String DUMP = "memory.dump";
  private static final int MAGIC = 0x524b4d31; // "RKM1"

  private HashMap<Key, byte[]> map = new HashMap<>();
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
  public void scan(Visitor visitor) {
    for (Map.Entry<Key, byte[]> e : map.entrySet()) {
      if (!visitor.visit(e.getKey().bytes(), e.getValue())) {
        return;
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
  public void commit(boolean clearFirst, Map<Key, byte[]> writes, long newCount, long term, long index) {
    if (clearFirst) {
      map = new HashMap<>();
      bytes = 0;
    }
    for (Map.Entry<Key, byte[]> e : writes.entrySet()) {
      byte[] old = e.getValue() == null ? map.remove(e.getKey()) : map.put(e.getKey(), e.getValue());
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
      out.writeInt(MAGIC);
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
      out.flush();
      // the checksum covers everything before it
      new DataOutputStream(file).writeLong(crc.getValue());
      file.flush();
    }
    Dirs.fsync(dir.resolve(DUMP));
  }

  @Override
  public void restore(Path dir) throws IOException {
    Path dump = dir.resolve(DUMP);
    CRC32 crc = new CRC32();
    HashMap<Key, byte[]> m = new HashMap<>();
    long b = 0;
    long term;
    long index;
    try (InputStream file = new BufferedInputStream(Files.newInputStream(dump), 1 << 16)) {
      DataInputStream in = new DataInputStream(new CheckedInputStream(file, crc));
      if (in.readInt() != MAGIC) {
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
      long expected = crc.getValue();
      long stored = new DataInputStream(file).readLong();
      if (stored != expected) {
        throw new IOException(dump + ": checksum mismatch, the dump is corrupt");
      }
    }
    map = m;
    bytes = b;
    appliedTerm = term;
    appliedIndex = index;
  }

  @Override
  public void close() {
    map = new HashMap<>();
  }
}

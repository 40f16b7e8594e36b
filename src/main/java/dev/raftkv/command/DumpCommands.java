package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * DUMP and RESTORE in Redis's format: the RDB serialization of one value, then the RDB version (10,
 * Redis 7.0's) and a CRC-64 (Jones) of everything before it, both little-endian. DUMP writes the
 * plain RDB types (string, list, set, sorted set with binary scores, hash), which redis-server
 * 7.0 restores too. RESTORE reads those types (and integer-encoded strings); the compact
 * encodings redis-server itself dumps (listpack, intset, ziplist, quicklist, LZF strings) answer
 * Redis's {@code Bad data format}.
 */
final class DumpCommands {
  static final int RDB_VERSION = 10;
  private static final int RDB_TYPE_STRING = 0;
  private static final int RDB_TYPE_LIST = 1;
  private static final int RDB_TYPE_SET = 2;
  private static final int RDB_TYPE_HASH = 4;
  private static final int RDB_TYPE_ZSET_2 = 5;
  private static final long[] CRC64_TABLE = new long[256];

  static {
    long poly = 0x95ac9329ac4bc9b5L; // 0xad93d23594c935a9 reflected: Redis's crc64 (Jones)
    for (int i = 0; i < 256; i++) {
      long crc = i;
      for (int j = 0; j < 8; j++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ poly : crc >>> 1;
      }
      CRC64_TABLE[i] = crc;
    }
  }

  private DumpCommands() {}

  static long crc64(byte[] b, int len) {
    long crc = 0;
    for (int i = 0; i < len; i++) {
      crc = CRC64_TABLE[(int) ((crc ^ b[i]) & 0xff)] ^ (crc >>> 8);
    }
    return crc;
  }

  static void dump(byte[][] a, Keyspace ks, RespOut out) {
    byte[] r = ks.get(a[1]);
    out.bulk(r == null ? null : serialize(r));
  }

  /** The DUMP payload of a live record. */
  static byte[] serialize(byte[] r) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    byte[] payload = Record.payload(r);
    switch (Record.type(r)) {
      case Record.STRING -> {
        o.write(RDB_TYPE_STRING);
        string(o, payload);
      }
      case Record.LIST, Record.SET, Record.HASH -> {
        List<byte[]> items = Packed.unpack(payload);
        byte type = Record.type(r);
        o.write(type == Record.LIST ? RDB_TYPE_LIST : type == Record.SET ? RDB_TYPE_SET : RDB_TYPE_HASH);
        length(o, type == Record.HASH ? items.size() / 2 : items.size());
        for (byte[] item : items) {
          string(o, item);
        }
      }
      case Record.ZSET -> {
        List<byte[]> items = Packed.unpack(payload); // member, 8-byte IEEE score (big-endian)
        o.write(RDB_TYPE_ZSET_2);
        length(o, items.size() / 2);
        for (int i = 0; i + 1 < items.size(); i += 2) {
          string(o, items.get(i));
          byte[] s = items.get(i + 1);
          for (int j = 7; j >= 0; j--) {
            o.write(s[j]); // little-endian, as rdbSaveBinaryDoubleValue on x86
          }
        }
      }
      default -> throw new IllegalStateException("unknown record type");
    }
    o.write(RDB_VERSION & 0xff);
    o.write((RDB_VERSION >>> 8) & 0xff);
    byte[] body = o.toByteArray();
    long crc = crc64(body, body.length);
    for (int i = 0; i < 8; i++) {
      o.write((int) (crc >>> (8 * i)) & 0xff);
    }
    return o.toByteArray();
  }

  private static void length(ByteArrayOutputStream o, long n) {
    if (n < 64) {
      o.write((int) n);
    } else if (n < 16384) {
      o.write((int) (0x40 | (n >>> 8)));
      o.write((int) (n & 0xff));
    } else if (n <= 0xffffffffL) {
      o.write(0x80);
      for (int i = 3; i >= 0; i--) {
        o.write((int) (n >>> (8 * i)) & 0xff);
      }
    } else {
      o.write(0x81);
      for (int i = 7; i >= 0; i--) {
        o.write((int) (n >>> (8 * i)) & 0xff);
      }
    }
  }

  private static void string(ByteArrayOutputStream o, byte[] s) {
    length(o, s.length);
    o.write(s, 0, s.length);
  }

  /**
   * The log form: a relative TTL becomes an absolute one (ABSTTL) by the receiving peer's clock;
   * everything else is checked when applied, in Redis's order (BUSYKEY needs the keyspace).
   */
  static byte[][] normalizeRestore(byte[][] a, long now) {
    Long ttl = Args.parseLong(a[2]);
    for (int i = 4; i < a.length; i++) {
      if (Args.is(a[i], "absttl")) {
        return a;
      }
    }
    if (ttl == null || ttl <= 0) {
      return a;
    }
    byte[][] log = Arrays.copyOf(a, a.length + 1);
    log[2] = Args.bytes(Long.toString(now + ttl));
    log[a.length] = Args.bytes("ABSTTL");
    return log;
  }

  static void restore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    boolean replace = false;
    boolean absttl = false;
    boolean idle = false;
    boolean freq = false;
    for (int j = 4; j < a.length; j++) {
      boolean more = j + 1 < a.length;
      if (Args.is(a[j], "replace")) {
        replace = true;
      } else if (Args.is(a[j], "absttl")) {
        absttl = true;
      } else if (Args.is(a[j], "idletime") && more && !freq) {
        Long v = Args.parseLong(a[++j]);
        if (v == null) {
          throw new CommandError("ERR value is not an integer or out of range");
        }
        if (v < 0) {
          throw new CommandError("ERR Invalid IDLETIME value, must be >= 0");
        }
        idle = true; // no LRU clock here: accepted and not kept
      } else if (Args.is(a[j], "freq") && more && !idle) {
        Long v = Args.parseLong(a[++j]);
        if (v == null) {
          throw new CommandError("ERR value is not an integer or out of range");
        }
        if (v < 0 || v > 255) {
          throw new CommandError("ERR Invalid FREQ value, must be >= 0 and <= 255");
        }
        freq = true; // no LFU counter here: accepted and not kept
      } else {
        throw new CommandError("ERR syntax error");
      }
    }
    if (!replace && ks.get(a[1]) != null) {
      throw new CommandError("BUSYKEY Target key name already exists.");
    }
    Long ttl = Args.parseLong(a[2]);
    if (ttl == null) {
      throw new CommandError("ERR value is not an integer or out of range");
    }
    if (ttl < 0) {
      throw new CommandError("ERR Invalid TTL value, must be >= 0");
    }
    byte[] p = a[3];
    if (p.length < 10 || ((p[p.length - 10] & 0xff) | (p[p.length - 9] & 0xff) << 8) > RDB_VERSION
        || crc64(p, p.length - 8) != littleEndianLong(p, p.length - 8)) {
      throw new CommandError("ERR DUMP payload version or checksum are wrong");
    }
    long expireAt = ttl == 0 ? 0 : absttl ? ttl : ks.now() + ttl; // the log form has ABSTTL
    byte[] record = parse(p, p.length - 10, expireAt);
    if (record == null) {
      throw new CommandError("ERR Bad data format");
    }
    if (replace && ks.getRaw(a[1]) != null) {
      ks.delete(a[1]);
    }
    if (expireAt != 0 && expireAt <= ks.now()) {
      out.ok(); // already expired: nothing is created (an existing key was replaced by nothing)
      return;
    }
    ks.put(a[1], record);
    out.ok();
  }

  private static long littleEndianLong(byte[] b, int off) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }

  /** The record for an RDB object in {@code p[0, end)}, or null when it is not one raft-kv reads. */
  private static byte[] parse(byte[] p, int end, long expireAt) {
    int[] pos = {1};
    try {
      switch (p[0]) {
        case RDB_TYPE_STRING -> {
          byte[] s = readString(p, pos, end);
          return s == null || pos[0] != end ? null : Record.encode(Record.STRING, expireAt, s);
        }
        case RDB_TYPE_LIST, RDB_TYPE_SET, RDB_TYPE_HASH -> {
          long n = readLength(p, pos, end);
          long items = p[0] == RDB_TYPE_HASH ? 2 * n : n;
          if (n <= 0 || items > end) {
            return null;
          }
          List<byte[]> list = new ArrayList<>((int) items);
          for (long i = 0; i < items; i++) {
            byte[] s = readString(p, pos, end);
            if (s == null) {
              return null;
            }
            list.add(s);
          }
          if (pos[0] != end) {
            return null;
          }
          if (p[0] == RDB_TYPE_LIST) {
            return Record.encode(Record.LIST, expireAt, Packed.pack(list));
          }
          if (p[0] == RDB_TYPE_SET) {
            list.sort(SetCommands.BYTEWISE);
            for (int i = 1; i < list.size(); i++) {
              if (Arrays.equals(list.get(i - 1), list.get(i))) {
                return null; // duplicate members
              }
            }
            return Record.encode(Record.SET, expireAt, Packed.pack(list));
          }
          Set<String> fields = new HashSet<>();
          for (int i = 0; i < list.size(); i += 2) {
            if (!fields.add(Arrays.toString(list.get(i)))) {
              return null; // duplicate fields
            }
          }
          return Record.encode(Record.HASH, expireAt, Packed.pack(list));
        }
        case RDB_TYPE_ZSET_2 -> {
          long n = readLength(p, pos, end);
          if (n <= 0 || n > end) {
            return null;
          }
          List<ZSetData.Entry> entries = new ArrayList<>((int) n);
          Set<String> members = new HashSet<>();
          for (long i = 0; i < n; i++) {
            byte[] m = readString(p, pos, end);
            if (m == null || pos[0] + 8 > end || !members.add(Arrays.toString(m))) {
              return null;
            }
            double score = Double.longBitsToDouble(littleEndianLong(p, pos[0]));
            pos[0] += 8;
            if (Double.isNaN(score)) {
              return null;
            }
            entries.add(new ZSetData.Entry(m, score));
          }
          if (pos[0] != end) {
            return null;
          }
          entries.sort((x, y) -> ZSetData.compare(x.score(), x.member(), y.score(), y.member()));
          DumpKeyspace one = new DumpKeyspace();
          ZSetData.ofSorted(entries).write(one, new byte[0], expireAt);
          return one.record;
        }
        default -> {
          return null;
        }
      }
    } catch (IndexOutOfBoundsException e) {
      return null;
    }
  }

  /** RDB length: -1 for a special encoding (0xC0 prefix), which only strings may have. */
  private static long readLength(byte[] p, int[] pos, int end) {
    int b = p[pos[0]++] & 0xff;
    switch (b >>> 6) {
      case 0 -> {
        return b & 0x3f;
      }
      case 1 -> {
        return ((long) (b & 0x3f) << 8) | (p[pos[0]++] & 0xff);
      }
      case 2 -> {
        int bytes = b == 0x80 ? 4 : b == 0x81 ? 8 : -1;
        if (bytes < 0 || pos[0] + bytes > end) {
          return Long.MIN_VALUE;
        }
        long v = 0;
        for (int i = 0; i < bytes; i++) {
          v = (v << 8) | (p[pos[0]++] & 0xff);
        }
        return v;
      }
      default -> {
        return -1 - (b & 0x3f); // -1 int8, -2 int16, -3 int32, -4 LZF
      }
    }
  }

  private static byte[] readString(byte[] p, int[] pos, int end) {
    long n = readLength(p, pos, end);
    if (n < -3 || n == Long.MIN_VALUE) {
      return null; // LZF-compressed or malformed
    }
    if (n < 0) {
      int bytes = n == -1 ? 1 : n == -2 ? 2 : 4;
      if (pos[0] + bytes > end) {
        return null;
      }
      long v = 0;
      for (int i = bytes - 1; i >= 0; i--) {
        v = (v << 8) | (p[pos[0] + i] & 0xff);
      }
      pos[0] += bytes;
      v = bytes == 1 ? (byte) v : bytes == 2 ? (short) v : (int) v;
      return Args.bytes(Long.toString(v));
    }
    if (pos[0] + n > end) {
      return null;
    }
    byte[] s = Arrays.copyOfRange(p, pos[0], pos[0] + (int) n);
    pos[0] += (int) n;
    return s;
  }

  /** A keyspace of one record, to build a sorted set's record with {@link ZSetData#write}. */
  private static final class DumpKeyspace implements Keyspace {
    byte[] record;

    @Override
    public long now() {
      return 0;
    }

    @Override
    public byte[] getRaw(byte[] key) {
      return record;
    }

    @Override
    public void put(byte[] key, byte[] r) {
      record = r;
    }

    @Override
    public void delete(byte[] key) {
      record = null;
    }

    @Override
    public void clear() {
      record = null;
    }

    @Override
    public void scan(dev.raftkv.store.Store.Visitor visitor) {}

    @Override
    public long size() {
      return record == null ? 0 : 1;
    }
  }
}

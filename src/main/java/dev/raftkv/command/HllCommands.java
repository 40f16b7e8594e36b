package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;

/**
 * PFADD, PFCOUNT and PFMERGE (Redis 7.0's hyperloglog.c commands) over {@link HyperLogLog}
 * values, which are plain strings: GET, SET, DUMP-free copies and TTLs work on them as on any
 * string, and the bytes are the ones redis-server would hold.
 *
 * <p>One difference: Redis's PFCOUNT of a single key stores the computed cardinality in the
 * value's header (a cache, invalidated by every change). Here PFCOUNT is a linearizable read and
 * changes nothing, so it never costs a log entry; it recomputes the estimate (about 16,000
 * register reads) unless the header already holds a valid cached value. The reply is the same;
 * the header bytes after a PFCOUNT (GETRANGE k 15 15) are not.
 */
final class HllCommands {
  private HllCommands() {}

  /** The HLL at {@code key}, null when absent; Redis's errors for other types and non-HLLs. */
  private static HyperLogLog lookup(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r == null) {
      return null;
    }
    if (Record.type(r) != Record.STRING) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    return HyperLogLog.of(Record.payload(r));
  }

  private static void store(Keyspace ks, byte[] key, HyperLogLog h) {
    byte[] r = ks.get(key);
    long expireAt = r == null ? 0 : Record.expireAt(r);
    ks.put(key, Record.encode(Record.STRING, expireAt, h.payload()));
  }

  // PFADD key [element ...]
  static void pfadd(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    HyperLogLog h = lookup(ks, a[1]);
    int updated = 0;
    if (h == null) {
      h = HyperLogLog.empty();
      updated++;
    }
    for (int j = 2; j < a.length; j++) {
      int r = h.add(a[j]);
      if (r < 0) {
        throw new CommandError(HyperLogLog.CORRUPTED);
      }
      updated += r;
    }
    if (updated > 0) {
      h.invalidateCache();
      store(ks, a[1], h);
    }
    out.integer(updated > 0 ? 1 : 0);
  }

  // PFCOUNT key [key ...]
  static void pfcount(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (a.length > 2) {
      byte[] max = new byte[HyperLogLog.REGISTERS];
      for (int j = 1; j < a.length; j++) {
        HyperLogLog h = lookup(ks, a[j]);
        if (h != null && !h.mergeInto(max)) {
          throw new CommandError(HyperLogLog.CORRUPTED);
        }
      }
      out.integer(HyperLogLog.countRaw(max));
      return;
    }
    HyperLogLog h = lookup(ks, a[1]);
    if (h == null) {
      out.integer(0);
    } else if (h.cacheValid()) {
      out.integer(h.cachedCardinality());
    } else {
      long card = h.count();
      if (card < 0) {
        throw new CommandError(HyperLogLog.CORRUPTED);
      }
      out.integer(card);
    }
  }

  // PFDEBUG GETREG|DECODE|ENCODING|TODENSE key: a write, as in Redis (GETREG and TODENSE store
  // the dense form)
  static void pfdebug(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    String cmd = Args.str(a[1]);
    HyperLogLog h = lookup(ks, a[2]);
    if (h == null) {
      throw new CommandError("ERR The specified key does not exist");
    }
    boolean known = Args.is(a[1], "getreg") || Args.is(a[1], "decode") || Args.is(a[1], "encoding")
        || Args.is(a[1], "todense");
    if (!known) {
      throw new CommandError("ERR Unknown PFDEBUG subcommand '" + cmd + "'");
    }
    if (a.length != 3) {
      throw new CommandError("ERR Wrong number of arguments for the '" + cmd + "' subcommand");
    }
    boolean sparse = h.encoding() == HyperLogLog.SPARSE;
    if (Args.is(a[1], "getreg") || Args.is(a[1], "todense")) {
      if (sparse) {
        if (!h.makeDense()) {
          throw new CommandError(HyperLogLog.CORRUPTED);
        }
        store(ks, a[2], h);
      }
      if (Args.is(a[1], "todense")) {
        out.integer(sparse ? 1 : 0);
        return;
      }
      out.array(HyperLogLog.REGISTERS);
      for (int j = 0; j < HyperLogLog.REGISTERS; j++) {
        out.integer(h.register(j));
      }
    } else if (Args.is(a[1], "decode")) {
      if (!sparse) {
        throw new CommandError("ERR HLL encoding is not sparse");
      }
      out.bulk(h.decodeSparse());
    } else {
      out.simple(sparse ? "sparse" : "dense");
    }
  }

  // PFMERGE destkey [sourcekey ...]: the destination is one of the sources, as in Redis
  static void pfmerge(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] max = new byte[HyperLogLog.REGISTERS];
    boolean useDense = false;
    for (int j = 1; j < a.length; j++) {
      HyperLogLog h = lookup(ks, a[j]);
      if (h == null) {
        continue;
      }
      if (h.encoding() == HyperLogLog.DENSE) {
        useDense = true;
      }
      if (!h.mergeInto(max)) {
        throw new CommandError(HyperLogLog.CORRUPTED);
      }
    }
    HyperLogLog dest = lookup(ks, a[1]);
    if (dest == null) {
      dest = HyperLogLog.empty();
    }
    if (useDense && !dest.makeDense()) {
      throw new CommandError(HyperLogLog.CORRUPTED);
    }
    for (int j = 0; j < HyperLogLog.REGISTERS; j++) {
      if (max[j] != 0) {
        dest.raise(j, max[j]);
      }
    }
    dest.invalidateCache();
    store(ks, a[1], dest);
    out.ok();
  }
}

package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import dev.raftkv.resp.RespOut;
import java.util.ArrayList;
import java.util.List;

/** Keyspace commands: DEL EXISTS KEYS DBSIZE FLUSHDB FLUSHALL TTL PTTL TYPE. */
final class KeyCommands {
  private KeyCommands() {}

  static void del(byte[][] a, Keyspace ks, RespOut out) {
    long n = 0;
    for (int i = 1; i < a.length; i++) {
      if (ks.get(a[i]) != null) {
        n++;
      }
      if (ks.getRaw(a[i]) != null) {
        ks.delete(a[i]);
      }
    }
    out.integer(n);
  }

  static void exists(byte[][] a, Keyspace ks, RespOut out) {
    long n = 0;
    for (int i = 1; i < a.length; i++) {
      if (ks.get(a[i]) != null) {
        n++;
      }
    }
    out.integer(n);
  }

  static void keys(byte[][] a, Keyspace ks, RespOut out) {
    List<byte[]> found = new ArrayList<>();
    byte[] pattern = a[1];
    boolean all = pattern.length == 1 && pattern[0] == '*';
    long now = ks.now();
    ks.scan((k, v) -> {
      if (!Record.isExpired(v, now) && (all || Glob.matches(pattern, k))) {
        found.add(k);
      }
      return true;
    });
    out.array(found.size());
    for (byte[] k : found) {
      out.bulk(k);
    }
  }

  static void dbsize(byte[][] a, Keyspace ks, RespOut out) {
    out.integer(ks.size());
  }

  static byte[][] checkFlush(byte[][] a, long now) throws CommandError {
    if (a.length > 2 || (a.length == 2 && !is(a[1], "async") && !is(a[1], "sync"))) {
      throw new CommandError(CommandError.SYNTAX);
    }
    return a;
  }

  static void flush(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    checkFlush(a, 0);
    ks.clear();
    out.ok();
  }

  private static long remaining(Keyspace ks, byte[] key) {
    byte[] r = ks.get(key);
    if (r == null) {
      return -2;
    }
    long at = Record.expireAt(r);
    return at == 0 ? -1 : at - ks.now();
  }

  static void pttl(byte[][] a, Keyspace ks, RespOut out) {
    out.integer(remaining(ks, a[1]));
  }

  static void ttl(byte[][] a, Keyspace ks, RespOut out) {
    long ms = remaining(ks, a[1]);
    out.integer(ms < 0 ? ms : (ms + 500) / 1000);
  }

  static void type(byte[][] a, Keyspace ks, RespOut out) {
    byte[] r = ks.get(a[1]);
    out.simple(r == null ? "none" : Record.typeName(Record.type(r)));
  }
}

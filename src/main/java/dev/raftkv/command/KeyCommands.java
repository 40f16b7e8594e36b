package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import dev.raftkv.protocol.RespOut;
import dev.raftkv.store.KeyHash;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Keyspace commands: DEL UNLINK EXISTS KEYS SCAN RANDOMKEY DBSIZE FLUSHDB FLUSHALL TYPE RENAME
 * RENAMENX COPY, and expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME
 * PERSIST, plus the internal command the leader's expiry sweeper proposes.
 */
final class KeyCommands {
  private KeyCommands() {}

  /**
   * The internal command that removes expired keys through the log ({@code node.ExpirySweeper}):
   * {@code <name> key...}. Not callable by clients: its normalizer answers the unknown-command
   * error, and only normalized commands reach the log from clients.
   */
  static final String EXPIRED = "raftkv-expired";

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
    // a bare '*' is every key without the matcher, as in Redis (the empty key included)
    Glob glob = pattern.length == 1 && pattern[0] == '*' ? null : Glob.compile(pattern);
    long now = ks.now();
    ks.scan((k, v) -> {
      if (!Record.isExpired(v, now) && (glob == null || glob.matches(k))) {
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

  static void unlink(byte[][] a, Keyspace ks, RespOut out) {
    del(a, ks, out);
  }

  /**
   * Deletes the keys that are still expired at this entry's time; a key overwritten or given a
   * new deadline since the sweeper picked it stays. Replies the number deleted.
   */
  static void expired(byte[][] a, Keyspace ks, RespOut out) {
    long n = 0;
    for (int i = 1; i < a.length; i++) {
      byte[] r = ks.getRaw(a[i]);
      if (r != null && Record.isExpired(r, ks.now())) {
        ks.delete(a[i]);
        n++;
      }
    }
    out.integer(n);
  }

  // ---- RENAME, RENAMENX, COPY -------------------------------------------------------------

  private static void rename(byte[][] a, Keyspace ks, RespOut out, boolean nx) throws CommandError {
    byte[] r = ks.get(a[1]);
    if (r == null) {
      throw new CommandError("ERR no such key");
    }
    if (java.util.Arrays.equals(a[1], a[2])) {
      if (nx) {
        out.integer(0);
      } else {
        out.ok();
      }
      return;
    }
    if (nx && ks.get(a[2]) != null) {
      out.integer(0);
      return;
    }
    ks.put(a[2], r); // the record carries its deadline: the TTL moves with the value
    ks.delete(a[1]);
    if (nx) {
      out.integer(1);
    } else {
      out.ok();
    }
  }

  static void rename(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    rename(a, ks, out, false);
  }

  static void renamenx(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    rename(a, ks, out, true);
  }

  /** COPY's options: REPLACE, DB 0 (the only database). Returns whether REPLACE was given. */
  private static boolean copyOptions(byte[][] a) throws CommandError {
    boolean replace = false;
    for (int j = 3; j < a.length; j++) {
      if (is(a[j], "replace")) {
        replace = true;
      } else if (is(a[j], "db") && j + 1 < a.length) {
        long db = Args.longArg(a[++j]);
        if (db < Integer.MIN_VALUE || db > Integer.MAX_VALUE) {
          throw new CommandError("ERR value is out of range, value must between -2147483648 and 2147483647");
        }
        if (db != 0) {
          throw new CommandError("ERR DB index is out of range");
        }
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    if (java.util.Arrays.equals(a[1], a[2])) {
      throw new CommandError("ERR source and destination objects are the same");
    }
    return replace;
  }

  static byte[][] checkCopy(byte[][] a, long now) throws CommandError {
    copyOptions(a);
    return a;
  }

  static void copy(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    boolean replace = copyOptions(a);
    byte[] r = ks.get(a[1]);
    if (r == null || (!replace && ks.get(a[2]) != null)) {
      out.integer(0);
      return;
    }
    ks.put(a[2], r);
    out.integer(1);
  }

  // ---- EXPIRE and friends -----------------------------------------------------------------

  private static final int E_NX = 1;
  private static final int E_XX = 2;
  private static final int E_GT = 4;
  private static final int E_LT = 8;

  /** Redis's parseExtendedExpireArgumentsOrReply. */
  private static int expireFlags(byte[][] a) throws CommandError {
    int f = 0;
    for (int j = 3; j < a.length; j++) {
      if (is(a[j], "nx")) {
        f |= E_NX;
      } else if (is(a[j], "xx")) {
        f |= E_XX;
      } else if (is(a[j], "gt")) {
        f |= E_GT;
      } else if (is(a[j], "lt")) {
        f |= E_LT;
      } else {
        throw new CommandError("ERR Unsupported option " + cString(a[j]));
      }
    }
    if ((f & E_NX) != 0 && (f & (E_XX | E_GT | E_LT)) != 0) {
      throw new CommandError("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if ((f & E_GT) != 0 && (f & E_LT) != 0) {
      throw new CommandError("ERR GT and LT options at the same time are not compatible");
    }
    return f;
  }

  /** The argument as C's %s prints it: up to the first NUL byte. */
  private static String cString(byte[] b) {
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT are validated here and logged as
   * {@code PEXPIREAT key ms [flags]}: the deadline is absolute in the log.
   */
  static byte[][] normalizeExpire(byte[][] a, long now) throws CommandError {
    String name = Args.str(a[0]).toLowerCase();
    expireFlags(a);
    long when = Args.longArg(a[2]);
    boolean seconds = name.equals("expire") || name.equals("expireat");
    boolean relative = name.equals("expire") || name.equals("pexpire");
    CommandError invalid = StringCommands.invalidExpire(name);
    if (seconds) {
      if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) {
        throw invalid;
      }
      when *= 1000;
    }
    if (relative) {
      if (when > Long.MAX_VALUE - now) {
        throw invalid;
      }
      when += now;
    }
    byte[][] r = new byte[a.length][];
    r[0] = Args.bytes("PEXPIREAT");
    r[1] = a[1];
    r[2] = Args.bytes(Long.toString(when));
    System.arraycopy(a, 3, r, 3, a.length - 3);
    return r;
  }

  /**
   * Applies any EXPIRE variant; its log form is an absolute PEXPIREAT, which normalizing leaves
   * as it is (a raw form, e.g. inside a test, is made absolute with the entry's time).
   */
  static void expire(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    a = normalizeExpire(a, ks.now());
    int f = expireFlags(a);
    long when = Args.longArg(a[2]);
    byte[] r = ks.get(a[1]);
    if (r == null) {
      out.integer(0);
      return;
    }
    long current = Record.expireAt(r) == 0 ? -1 : Record.expireAt(r);
    if (((f & E_NX) != 0 && current != -1)
        || ((f & E_XX) != 0 && current == -1)
        || ((f & E_GT) != 0 && (current == -1 || when <= current))
        || ((f & E_LT) != 0 && current != -1 && when >= current)) {
      out.integer(0);
      return;
    }
    if (when <= ks.now()) {
      ks.delete(a[1]);
    } else {
      byte[] next = r.clone();
      Record.putLong(next, 1, when);
      ks.put(a[1], next);
    }
    out.integer(1);
  }

  static void persist(byte[][] a, Keyspace ks, RespOut out) {
    byte[] r = ks.get(a[1]);
    if (r == null || Record.expireAt(r) == 0) {
      out.integer(0);
      return;
    }
    byte[] next = r.clone();
    Record.putLong(next, 1, 0);
    ks.put(a[1], next);
    out.integer(1);
  }

  static void pexpiretime(byte[][] a, Keyspace ks, RespOut out) {
    byte[] r = ks.get(a[1]);
    out.integer(r == null ? -2 : Record.expireAt(r) == 0 ? -1 : Record.expireAt(r));
  }

  static void expiretime(byte[][] a, Keyspace ks, RespOut out) {
    byte[] r = ks.get(a[1]);
    out.integer(r == null ? -2 : Record.expireAt(r) == 0 ? -1 : (Record.expireAt(r) + 500) / 1000);
  }

  // ---- SCAN and RANDOMKEY -----------------------------------------------------------------

  /**
   * SCAN cursor [MATCH p] [COUNT n] [TYPE t]. Keys come in scan order (64-bit key hash); the cursor
   * is the hash to resume from, so it means the same place on every peer and resuming is a seek.
   * A call examines COUNT keys (more only to finish a run of equal hashes, so a cursor never
   * splits one) and returns those that match; every key present for the whole scan is returned,
   * because each call covers the hash range from its cursor up to the cursor it returns.
   */
  static void scan(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long cursor = Args.scanCursor(a[1]);
    long count = 10;
    byte[] pattern = null;
    byte[] type = null;
    for (int i = 2; i < a.length; ) {
      int left = a.length - i;
      if (is(a[i], "count") && left >= 2) {
        count = Args.longArg(a[i + 1]);
        if (count < 1) {
          throw new CommandError(CommandError.SYNTAX);
        }
        i += 2;
      } else if (is(a[i], "match") && left >= 2) {
        pattern = a[i + 1].length == 1 && a[i + 1][0] == '*' ? null : a[i + 1];
        i += 2;
      } else if (is(a[i], "type") && left >= 2) {
        type = a[i + 1];
        i += 2;
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    final long limit = count;
    final Glob match = pattern == null ? null : Glob.compile(pattern);
    final String wanted = type == null ? null : Args.str(type);
    long now = ks.now();
    List<byte[]> found = new ArrayList<>();
    long[] state = {0, 0, 0}; // examined, hash of the last examined, next cursor
    ks.scanFrom(cursor, (k, v) -> {
      long h = KeyHash.hash64(k);
      if (state[0] >= limit && h != state[1]) {
        state[2] = h;
        return false;
      }
      state[0]++;
      state[1] = h;
      if ((match == null || match.matches(k))
          && (wanted == null || wanted.equalsIgnoreCase(Record.typeName(Record.type(v))))
          && !Record.isExpired(v, now)) {
        found.add(k);
      }
      return true;
    });
    out.array(2);
    out.bulk(Args.bytes(Long.toUnsignedString(state[2])));
    out.array(found.size());
    for (byte[] k : found) {
      out.bulk(k);
    }
  }

  /**
   * A random live key: a seek to a random hash, then the first live key from there (wrapping
   * around once), examining at most 1000 keys; nil when none is found (an empty keyspace, or one
   * where every examined key is past its deadline and not yet removed by the sweeper). A read:
   * each peer picks with its own randomness, nothing is replicated.
   */
  static void randomkey(byte[][] a, Keyspace ks, RespOut out) {
    long now = ks.now();
    byte[][] hit = new byte[1][];
    int[] examined = {0};
    dev.raftkv.store.Store.Visitor v = (k, r) -> {
      if (++examined[0] > 1000) {
        return false;
      }
      if (!Record.isExpired(r, now)) {
        hit[0] = k;
        return false;
      }
      return true;
    };
    long start = ThreadLocalRandom.current().nextLong();
    ks.scanFrom(start, v);
    if (hit[0] == null && examined[0] <= 1000) {
      ks.scanFrom(0, (k, r) -> Long.compareUnsigned(KeyHash.hash64(k), start) < 0 && v.visit(k, r));
    }
    out.bulk(hit[0]);
  }
}

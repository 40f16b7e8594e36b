package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The DEBUG subcommands that read the keyspace: DIGEST, DIGEST-VALUE, OBJECT and RELOAD. The
 * receiving peer turns them into one internal linearizable read ({@link #keyspaceRead}), so they
 * answer for every write acknowledged before them, on any peer.
 *
 * <p>DIGEST and DIGEST-VALUE compute Redis 7.0's digest (debug.c {@code computeDatasetDigest},
 * {@code xorObjectDigest}) over the stored records: the same contents give the same 40 hex digits
 * as redis-server, on every peer, whatever the insertion order of a set, hash or sorted set.
 * RELOAD has nothing to reload (every applied write is already in the store); it answers OK once
 * this peer has applied every write acknowledged before it.
 */
public final class DebugCommands {
  /** The internal read row: {@code raftkv|debug <subcommand> args...}. */
  public static final String READ = "raftkv|debug";

  // Redis's object type numbers (server.h OBJ_*), mixed into a value's digest
  private static final int OBJ_STRING = 0;
  private static final int OBJ_LIST = 1;
  private static final int OBJ_SET = 2;
  private static final int OBJ_ZSET = 3;
  private static final int OBJ_HASH = 4;

  private DebugCommands() {}

  /**
   * The internal read a DEBUG request becomes, or null when the subcommand is answered by the
   * receiving peer (PROTOCOL, SET-ACTIVE-EXPIRE, HELP) or is not one of these.
   */
  public static byte[][] keyspaceRead(byte[][] a) {
    if (a.length < 2) {
      return null;
    }
    String sub = Args.str(a[1]).toLowerCase(java.util.Locale.ROOT);
    boolean ours = switch (sub) {
      case "digest" -> a.length == 2;
      case "digest-value" -> true;
      case "object" -> a.length == 3;
      case "reload" -> true;
      default -> false;
    };
    if (!ours) {
      return null;
    }
    byte[][] read = new byte[a.length][];
    read[0] = Args.bytes(READ);
    System.arraycopy(a, 1, read, 1, a.length - 1);
    return read;
  }

  static void read(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    String sub = Args.str(a[1]).toLowerCase(java.util.Locale.ROOT);
    switch (sub) {
      case "digest" -> out.simple(hex(datasetDigest(ks)));
      case "digest-value" -> {
        out.array(a.length - 2);
        for (int i = 2; i < a.length; i++) {
          byte[] r = ks.getRaw(a[i]); // like Redis: logically expired keys too
          byte[] d = new byte[20];
          if (r != null) {
            valueDigest(d, r);
          }
          out.simple(hex(d));
        }
      }
      case "object" -> {
        byte[] r = ks.get(a[2]);
        if (r == null) {
          throw new CommandError("ERR no such key");
        }
        // no object addresses, LRU clock or RDB length here: at:0, lru 0, the record's payload size
        out.simple("Value at:0x0 refcount:" + ObjectCommands.refcount(r) + " encoding:"
            + ObjectCommands.encoding(a[2], r, ks) + " serializedlength:" + Record.payloadLength(r)
            + " lru:0 lru_seconds_idle:0");
      }
      case "reload" -> {
        for (int i = 2; i < a.length; i++) {
          if (!Args.is(a[i], "merge") && !Args.is(a[i], "nosave") && !Args.is(a[i], "noflush")) {
            throw new CommandError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
          }
        }
        out.ok();
      }
      default -> throw new CommandError("ERR unknown subcommand '" + Args.str(a[1]) + "'. Try DEBUG HELP.");
    }
  }

  /** Redis's DEBUG DIGEST: 20 zero bytes for an empty keyspace. */
  static byte[] datasetDigest(Keyspace ks) {
    byte[] total = new byte[20];
    boolean[] any = {false};
    byte[] acc = new byte[20];
    ks.scanFrom(0, (key, record) -> {
      any[0] = true;
      byte[] d = new byte[20];
      mix(d, key);
      valueDigest(d, record);
      xorDigest(acc, d);
      return true;
    });
    if (any[0]) {
      mix(total, new byte[4]); // the database number, 0, as htonl(0)
      xor(total, acc);
    }
    return total;
  }

  /** xorObjectDigest: the type, the contents, and whether the key has a deadline. */
  static void valueDigest(byte[] d, byte[] r) {
    byte type = Record.type(r);
    int objType = switch (type) {
      case Record.STRING -> OBJ_STRING;
      case Record.LIST -> OBJ_LIST;
      case Record.SET -> OBJ_SET;
      case Record.ZSET -> OBJ_ZSET;
      case Record.HASH -> OBJ_HASH;
      default -> throw new IllegalStateException("unknown record type " + type);
    };
    mix(d, new byte[] {(byte) (objType >>> 24), (byte) (objType >>> 16), (byte) (objType >>> 8), (byte) objType});
    byte[] payload = Record.payload(r);
    switch (type) {
      case Record.STRING -> mix(d, payload);
      case Record.LIST -> {
        for (byte[] e : Packed.unpack(payload)) {
          mix(d, e);
        }
      }
      case Record.SET -> {
        for (byte[] m : Packed.unpack(payload)) {
          xor(d, sha1(m));
        }
      }
      case Record.ZSET -> {
        List<byte[]> items = Packed.unpack(payload); // member, 8-byte IEEE score, ...
        for (int i = 0; i + 1 < items.size(); i += 2) {
          byte[] e = new byte[20];
          mix(e, items.get(i));
          mix(e, formatG17(Double.longBitsToDouble(Record.getLong(items.get(i + 1), 0)))
              .getBytes(StandardCharsets.US_ASCII));
          xorDigest(d, e);
        }
      }
      default -> { // HASH: field, value, ...
        List<byte[]> items = Packed.unpack(payload);
        for (int i = 0; i + 1 < items.size(); i += 2) {
          byte[] e = new byte[20];
          mix(e, items.get(i));
          mix(e, items.get(i + 1));
          xorDigest(d, e);
        }
      }
    }
    if (Record.expireAt(r) != 0) {
      xor(d, sha1("!!expire!!".getBytes(StandardCharsets.US_ASCII)));
    }
  }

  /** C's {@code printf("%.17g", v)}: 17 significant digits, trailing zeros removed. */
  static String formatG17(double v) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    if (v == 0) {
      return 1 / v < 0 ? "-0" : "0";
    }
    BigDecimal bd = new BigDecimal(v).round(new MathContext(17, RoundingMode.HALF_EVEN));
    int exp = bd.precision() - bd.scale() - 1;
    if (exp >= -4 && exp < 17) {
      return bd.stripTrailingZeros().toPlainString();
    }
    String digits = bd.unscaledValue().abs().toString().replaceAll("0+$", "");
    StringBuilder s = new StringBuilder(v < 0 ? "-" : "").append(digits.charAt(0));
    if (digits.length() > 1) {
      s.append('.').append(digits, 1, digits.length());
    }
    int e = Math.abs(exp);
    return s.append(exp < 0 ? "e-" : "e+").append(e < 10 ? "0" : "").append(e).toString();
  }

  /** Redis's mixDigest: digest = SHA1(digest xor SHA1(data)), so the order matters. */
  private static void mix(byte[] digest, byte[] data) {
    xor(digest, sha1(data));
    System.arraycopy(sha1(digest), 0, digest, 0, 20);
  }

  /** Redis's xorDigest with a digest as the data: digest ^= SHA1(data). */
  private static void xorDigest(byte[] digest, byte[] data) {
    xor(digest, sha1(data));
  }

  private static void xor(byte[] digest, byte[] other) {
    for (int i = 0; i < 20; i++) {
      digest[i] ^= other[i];
    }
  }

  private static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] d) {
    StringBuilder s = new StringBuilder(40);
    for (byte b : d) {
      s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return s.toString();
  }
}

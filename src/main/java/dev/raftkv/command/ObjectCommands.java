package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;
import java.util.List;

/**
 * OBJECT and MEMORY: what a client may ask about one key's representation. raft-kv keeps every
 * value in one compact record, so OBJECT ENCODING answers the encoding Redis 7.0 would use for the
 * same contents with its default thresholds (Redis never converts back to a compact encoding once
 * a value outgrew it; this answer does), and MEMORY USAGE an estimate of what the key costs here.
 */
final class ObjectCommands {
  /** Redis's OBJ_SHARED_INTEGERS: integer strings below it share one object (refcount INT_MAX). */
  private static final long SHARED_INTEGERS = 10_000;
  private static final int SET_MAX_INTSET_ENTRIES = 512;
  private static final int ZSET_MAX_LISTPACK_ENTRIES = 128;
  private static final int ZSET_MAX_LISTPACK_VALUE = 64;
  private static final int EMBSTR_MAX = 44;

  private ObjectCommands() {}

  static void object(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    String sub = Args.str(a[1]).toLowerCase(java.util.Locale.ROOT);
    if (sub.equals("help") && a.length == 2) {
      help(out, "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
          "ENCODING <key>", "    Return the kind of internal representation used in order to store the value",
          "    associated with a <key>.",
          "FREQ <key>", "    Return the access frequency index of the <key>. The returned integer is",
          "    proportional to the logarithm of the recent access frequency of the key.",
          "IDLETIME <key>", "    Return the idle time of the <key>, that is the approximated number of",
          "    seconds elapsed since the last access to the key.",
          "REFCOUNT <key>", "    Return the number of references of the value associated with the specified",
          "    <key>.",
          "HELP", "    Print this help.");
      return;
    }
    if (!List.of("encoding", "freq", "idletime", "refcount").contains(sub)) {
      throw new CommandError("ERR unknown subcommand '" + Args.str(a[1]) + "'. Try OBJECT HELP.");
    }
    if (a.length != 3) {
      throw new CommandError("ERR wrong number of arguments for 'object|" + sub + "' command");
    }
    byte[] r = ks.get(a[2]);
    if (r == null) {
      out.nil();
      return;
    }
    switch (sub) {
      case "encoding" -> out.bulk(encoding(a[2], r, ks));
      case "refcount" -> out.integer(refcount(r));
      case "idletime" -> out.integer(0); // not tracked: every key counts as just used
      default -> throw new CommandError("ERR An LFU maxmemory policy is not selected, access frequency not tracked."
          + " Please note that when switching between policies at runtime LRU and LFU data will take some time to"
          + " adjust.");
    }
  }

  static void memory(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    String sub = Args.str(a[1]).toLowerCase(java.util.Locale.ROOT);
    switch (sub) {
      case "help" -> help(out, "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
          "DOCTOR", "    Return memory problems reports.",
          "MALLOC-STATS", "    Return internal statistics report from the memory allocator.",
          "PURGE", "    Attempt to purge dirty pages for reclamation by the allocator.",
          "USAGE <key> [SAMPLES <count>]", "    Return memory in bytes used by <key> and its value. Nested values are",
          "    sampled up to <count> times (default: 5, 0 means sample all).",
          "HELP", "    Print this help.");
      case "usage" -> usage(a, ks, out);
      case "doctor" -> out.bulk("Hi Sam, I can't find any memory issue in your instance. I can only account for what"
          + " occurs on this base.");
      case "purge" -> out.simple("OK");
      case "malloc-stats" -> out.bulk("Stats not supported for the current allocator");
      default -> throw new CommandError("ERR unknown subcommand '" + Args.str(a[1]) + "'. Try MEMORY HELP.");
    }
  }

  private static void usage(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    if (a.length < 3) {
      throw new CommandError("ERR wrong number of arguments for 'memory|usage' command");
    }
    for (int i = 3; i < a.length; i += 2) {
      if (!Args.is(a[i], "samples") || i + 1 >= a.length) {
        throw new CommandError("ERR syntax error");
      }
      Long n = Args.parseLong(a[i + 1]);
      if (n == null) {
        throw new CommandError("ERR value is not an integer or out of range");
      }
      if (n < 0) {
        throw new CommandError("ERR syntax error");
      }
    }
    byte[] r = ks.get(a[2]);
    if (r == null) {
      out.nil();
      return;
    }
    // a key and its record as stored, plus a fixed overhead per key as Redis's dict entry and
    // object header (about 40 bytes) would count it
    out.integer(40 + a[2].length + r.length);
  }

  private static void help(RespOut out, String... lines) {
    out.array(lines.length);
    for (String l : lines) {
      out.simple(l);
    }
  }

  private static boolean isInteger(byte[] b) {
    return b.length <= 20 && Args.parseLong(b) != null;
  }

  /** OBJECT REFCOUNT's answer for a live record. */
  static long refcount(byte[] r) {
    return isSharedInteger(r) ? Integer.MAX_VALUE : 1;
  }

  private static boolean isSharedInteger(byte[] r) {
    if (Record.type(r) != Record.STRING) {
      return false;
    }
    byte[] v = Record.payload(r);
    Long n = isInteger(v) ? Args.parseLong(v) : null;
    return n != null && n >= 0 && n < SHARED_INTEGERS;
  }

  /** The encoding Redis 7.0 gives the same contents with its default thresholds. */
  static String encoding(byte[] key, byte[] r, Keyspace ks) throws CommandError {
    switch (Record.type(r)) {
      case Record.STRING -> {
        byte[] v = Record.payload(r);
        return isInteger(v) ? "int" : v.length <= EMBSTR_MAX ? "embstr" : "raw";
      }
      case Record.LIST -> {
        return "quicklist"; // Redis 7.0 keeps every list in a quicklist
      }
      case Record.HASH -> {
        return HashCommands.compact(HashCommands.load(ks, key)) ? "listpack" : "hashtable";
      }
      case Record.SET -> {
        List<byte[]> members = SetCommands.read(ks, key).members();
        return members.size() <= SET_MAX_INTSET_ENTRIES && members.stream().allMatch(ObjectCommands::isInteger)
            ? "intset" : "hashtable";
      }
      case Record.ZSET -> {
        List<byte[]> items = Packed.unpack(Record.payload(r)); // member, score, member, score ...
        boolean small = items.size() / 2 <= ZSET_MAX_LISTPACK_ENTRIES;
        for (int i = 0; small && i < items.size(); i += 2) {
          small = items.get(i).length <= ZSET_MAX_LISTPACK_VALUE;
        }
        return small ? "listpack" : "skiplist";
      }
      default -> {
        return "raw";
      }
    }
  }
}

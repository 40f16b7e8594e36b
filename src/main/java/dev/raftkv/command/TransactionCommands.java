package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The two internal commands behind MULTI/EXEC/WATCH. Clients cannot call them (the RESP session
 * answers Redis's unknown-command error for their names); the session builds them.
 *
 * <p>{@value #EXEC} is one WRITE command, hence one element of one Raft log entry, so a
 * transaction is applied on every replica in order with nothing interleaved:
 * <pre>
 *   raftkv|exec W  key1 digest1 ... keyW digestW  item1 ... itemN
 *   item = 'C' + Packed(argv)   a queued READ or (normalized) WRITE, run at apply time
 *        | 'R' + RESP bytes     a reply fixed on the receiving peer (a LOCAL command's reply,
 *                               or the error of a write whose normalizer rejected it)
 * </pre>
 * If any watched key's {@link #digest} differs from the one carried, the reply is a nil array
 * and nothing runs; otherwise the reply is the array of the items' replies. A runtime error of
 * one command (WRONGTYPE, ...) is an element of the array and the others still run, like Redis.
 *
 * <p>{@value #WATCH_READ} is a READ: {@code raftkv|watch key...} replies one bulk string, the
 * concatenation of {@code length:1 digest} per key, read linearizably like any read.
 */
public final class TransactionCommands {
  public static final String EXEC = "raftkv|exec";
  public static final String WATCH_READ = "raftkv|watch";
  public static final byte ITEM_COMMAND = 'C';
  public static final byte ITEM_REPLY = 'R';
  /** A digest no record has: a WATCH whose read failed makes EXEC abort. */
  public static final byte[] NEVER_MATCHES = {0};

  private TransactionCommands() {}

  /**
   * What WATCH remembers of a key: empty when the key is absent or past its deadline, else the
   * SHA-256 of its whole record (type, deadline and value).
   */
  public static byte[] digest(byte[] liveRecord) {
    if (liveRecord == null) {
      return new byte[0];
    }
    try {
      return MessageDigest.getInstance("SHA-256").digest(liveRecord);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  /** Executor of {@value #WATCH_READ}. */
  static void watchRead(byte[][] argv, Keyspace ks, RespOut out) {
    List<byte[]> digests = new ArrayList<>(argv.length - 1);
    int size = 0;
    for (int i = 1; i < argv.length; i++) {
      byte[] d = digest(ks.get(argv[i]));
      digests.add(d);
      size += 1 + d.length;
    }
    byte[] reply = new byte[size];
    int pos = 0;
    for (byte[] d : digests) {
      reply[pos++] = (byte) d.length;
      System.arraycopy(d, 0, reply, pos, d.length);
      pos += d.length;
    }
    out.bulk(reply);
  }

  /** Splits a {@value #WATCH_READ} reply payload into one digest per key; null if malformed. */
  public static List<byte[]> parseDigests(byte[] payload, int keys) {
    List<byte[]> digests = new ArrayList<>(keys);
    int pos = 0;
    for (int i = 0; i < keys; i++) {
      if (pos >= payload.length) {
        return null;
      }
      int len = payload[pos++] & 0xff;
      if (pos + len > payload.length) {
        return null;
      }
      byte[] d = new byte[len];
      System.arraycopy(payload, pos, d, 0, len);
      pos += len;
      digests.add(d);
    }
    return pos == payload.length ? digests : null;
  }

  /** Builds the {@value #EXEC} command from (key, digest) pairs and encoded items. */
  public static byte[][] execCommand(List<byte[]> watchKeys, List<byte[]> watchDigests, List<byte[]> items) {
    byte[][] argv = new byte[2 + 2 * watchKeys.size() + items.size()][];
    int i = 0;
    argv[i++] = EXEC.getBytes(StandardCharsets.US_ASCII);
    argv[i++] = Integer.toString(watchKeys.size()).getBytes(StandardCharsets.US_ASCII);
    for (int w = 0; w < watchKeys.size(); w++) {
      argv[i++] = watchKeys.get(w);
      argv[i++] = watchDigests.get(w);
    }
    for (byte[] item : items) {
      argv[i++] = item;
    }
    return argv;
  }

  /** An item that runs a command at apply time. */
  public static byte[] commandItem(byte[][] argv) {
    return tagged(ITEM_COMMAND, Packed.pack(List.of(argv)));
  }

  /** An item whose reply was fixed on the receiving peer. */
  public static byte[] replyItem(byte[] resp) {
    return tagged(ITEM_REPLY, resp);
  }

  private static byte[] tagged(byte tag, byte[] body) {
    byte[] b = new byte[body.length + 1];
    b[0] = tag;
    System.arraycopy(body, 0, b, 1, body.length);
    return b;
  }

  /** Executor of {@value #EXEC}; runs on every replica, deterministic. */
  static void exec(byte[][] argv, Keyspace ks, RespOut out) throws CommandError {
    Long watches = Args.parseLong(argv[1]);
    if (watches == null || watches < 0 || 2 + 2 * watches > argv.length) {
      throw new CommandError("ERR malformed transaction");
    }
    int first = 2 + 2 * watches.intValue();
    for (int i = 2; i < first; i += 2) {
      if (!MessageDigest.isEqual(digest(ks.get(argv[i])), argv[i + 1])) {
        out.nilArray(); // a watched key changed since WATCH: run nothing
        return;
      }
    }
    out.array(argv.length - first);
    for (int i = first; i < argv.length; i++) {
      byte[] item = argv[i];
      if (item.length > 0 && item[0] == ITEM_REPLY) {
        out.append(Arrays.copyOfRange(item, 1, item.length));
      } else if (item.length > 0 && item[0] == ITEM_COMMAND) {
        byte[][] sub = Packed.unpack(Arrays.copyOfRange(item, 1, item.length))
            .toArray(new byte[0][]);
        CommandSpec spec = sub.length == 0 ? null : Commands.lookup(sub[0]);
        if (spec == null || spec.route() == CommandSpec.Route.LOCAL || Commands.isInternal(spec)
            || !spec.arityOk(sub.length)) {
          out.error("ERR command not allowed in a transaction");
        } else {
          Commands.execute(spec, sub, ks, out);
        }
      } else {
        out.error("ERR malformed transaction item");
      }
    }
  }
}

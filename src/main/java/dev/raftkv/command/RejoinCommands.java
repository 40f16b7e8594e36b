package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * The replicated record of peers that are rejoining after losing their storage (node.Formation):
 * a peer asks for {@code raftkv|rejoining add ID} before it has the leader drop its old membership,
 * and for {@code raftkv|rejoining done ID} once it is a member again. So a peer whose disk is lost
 * again between the two (and with it its local marker) is still known to be rejoining, not
 * removed, and adds itself back. Kept in the store's system namespace, so snapshots carry it.
 */
public final class RejoinCommands {
  public static final String APPLY = "raftkv|rejoining";
  public static final String SYSTEM_KEY = "cluster.rejoining";

  private RejoinCommands() {}

  /** The ids in the encoded set (null: none). */
  public static TreeSet<String> decode(byte[] encoded) {
    TreeSet<String> ids = new TreeSet<>();
    if (encoded != null) {
      for (String s : new String(encoded, StandardCharsets.UTF_8).split("\n")) {
        if (!s.isBlank()) {
          ids.add(s);
        }
      }
    }
    return ids;
  }

  static void apply(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    TreeSet<String> ids = decode(ks.getSystem(SYSTEM_KEY));
    String id = Args.str(a[2]);
    if (id.isEmpty() || id.contains("\n") || id.length() > 64) {
      throw new CommandError("ERR invalid peer id");
    }
    if (Args.is(a[1], "add")) {
      ids.add(id);
    } else if (Args.is(a[1], "done")) {
      ids.remove(id);
    } else {
      throw new CommandError(CommandError.SYNTAX);
    }
    ks.putSystem(SYSTEM_KEY, ids.isEmpty() ? null : String.join("\n", ids).getBytes(StandardCharsets.UTF_8));
    out.ok();
  }

  /** The command a rejoining peer proposes. */
  public static byte[][] command(String op, String id) {
    return Arrays.asList(APPLY, op, id).stream().map(s -> s.getBytes(StandardCharsets.UTF_8))
        .toArray(byte[][]::new);
  }
}

package dev.raftkv.resp;

import dev.raftkv.command.Args;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.pubsub.PubSubHub;
import dev.raftkv.pubsub.PubSubHub.Space;
import java.util.List;

/**
 * PUBSUB CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS, SHARDNUMSUB and HELP, answered from this
 * peer's hub: like a Redis Cluster node, a peer reports its own subscribers (the subcommand's
 * existence and arity are checked by LocalCommands).
 */
final class PubSubCommandsLocal {
  private PubSubCommandsLocal() {}

  private static final String[] HELP = {
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help."};

  static void pubsub(byte[][] a, PubSubHub hub, RespOut out) {
    String sub = ClientSession.lower(a[1]);
    switch (sub) {
      case "channels", "shardchannels" -> {
        if (a.length > 3) {
          out.error("ERR unknown subcommand or wrong number of arguments for '" + Args.str(a[1])
              + "'. Try PUBSUB HELP.");
          return;
        }
        List<byte[]> names = hub.active(sub.equals("channels") ? Space.CHANNEL : Space.SHARD,
            a.length == 3 ? a[2] : null);
        out.array(names.size());
        names.forEach(out::bulk);
      }
      case "numsub", "shardnumsub" -> {
        Space space = sub.equals("numsub") ? Space.CHANNEL : Space.SHARD;
        out.array((a.length - 2) * 2);
        for (int i = 2; i < a.length; i++) {
          out.bulk(a[i]).integer(hub.subscribers(space, a[i]));
        }
      }
      case "numpat" -> out.integer(hub.count(Space.PATTERN));
      case "help" -> {
        out.array(HELP.length);
        for (String line : HELP) {
          out.simple(line);
        }
      }
      default -> throw new IllegalStateException("subcommand table and switch disagree");
    }
  }
}

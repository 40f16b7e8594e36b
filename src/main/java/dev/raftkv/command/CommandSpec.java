package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;
import dev.raftkv.protocol.CommandMeta;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One row of the command table.
 *
 * @param name lower-case command name
 * @param arity like Redis: N means exactly N arguments including the name, -N at least N
 * @param route where the command runs: on the receiving peer only, as a linearizable read, or
 *     through the Raft log
 * @param normalizer for writes: validates and rewrites the command into its deterministic log
 *     form on the receiving peer (relative times made absolute); errors never reach the log
 * @param executor runs the command against a keyspace; null for LOCAL commands
 */
public record CommandSpec(String name, int arity, Route route, Normalizer normalizer, Executor executor) {

  public enum Route {
    /** Answered by the receiving peer from its own state (PING, CLIENT, INFO, ...). */
    LOCAL,
    /** A linearizable read (ReadIndex), executed against the applied state. */
    READ,
    /** Replicated through the Raft log and applied on every peer. */
    WRITE
  }

  @FunctionalInterface
  public interface Executor {
    void execute(byte[][] argv, Keyspace keyspace, RespOut out) throws CommandError;
  }

  @FunctionalInterface
  public interface Normalizer {
    byte[][] normalize(byte[][] argv, long now) throws CommandError;
  }

  /**
   * The keys this command names, in argument order ({@link CommandKeys}): what WATCH, CROSSSLOT and
   * MOVED read; empty for a command without keys. The arity must have been checked.
   */
  public List<byte[]> keys(byte[][] argv) {
    return CommandKeys.of(this).keys(argv);
  }

  public boolean arityOk(int argc) {
    return arity >= 0 ? argc == arity : argc >= -arity;
  }

  /**
   * What COMMAND and docs/commands.md report for this row: Redis 7.0's metadata where it has the
   * command, with the flags write/readonly from the route; otherwise key positions 1,1,1 (0,0,0
   * when answered locally) and flags derived from the route.
   */
  public CommandMeta.Info meta() {
    CommandMeta.Info r = CommandMeta.redis(name);
    boolean local = route == Route.LOCAL;
    List<String> flags = new ArrayList<>();
    if (route == Route.WRITE && !(r != null && r.flags().contains("pubsub"))) {
      // PUBLISH goes through the log but is no write to Redis (flags: pubsub, fast)
      flags.add("write");
    } else if (route == Route.READ) {
      flags.add("readonly");
    }
    if (r == null) {
      if (local) {
        flags.add("fast");
      }
      List<String> categories = List.of(route == Route.WRITE ? "@write" : "@read", "@slow");
      return new CommandMeta.Info(name, arity, Collections.unmodifiableList(flags), local ? 0 : 1,
          local ? 0 : 1, local ? 0 : 1, local ? List.of("@fast", "@connection") : categories,
          local ? "connection" : "generic", "", "");
    }
    for (String f : r.flags()) {
      if (!f.equals("write") && !f.equals("readonly")) {
        flags.add(f);
      }
    }
    return new CommandMeta.Info(name, arity, Collections.unmodifiableList(flags), r.firstKey(),
        r.lastKey(), r.step(), r.categories(), r.group(), r.since(), r.summary());
  }
}

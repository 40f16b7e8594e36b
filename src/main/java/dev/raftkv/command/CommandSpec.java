package dev.raftkv.command;

import dev.raftkv.resp.RespOut;

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

  public boolean arityOk(int argc) {
    return arity >= 0 ? argc == arity : argc >= -arity;
  }
}

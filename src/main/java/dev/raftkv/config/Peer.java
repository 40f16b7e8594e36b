package dev.raftkv.config;

import java.util.Objects;

/** One line of the peers file: an id, the Raft address and the Redis (RESP) address. */
public record Peer(String id, HostPort raft, HostPort redis) {
  public Peer {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(raft, "raft");
    Objects.requireNonNull(redis, "redis");
  }

  /** The line of the peers file that describes this peer. */
  public String toLine() {
    return id + " " + raft + " " + redis;
  }
}

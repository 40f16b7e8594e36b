package dev.raftkv.resp;

import java.util.concurrent.CompletableFuture;

/** Where the front end sends data commands; replies are RESP bytes. */
public interface Backend {
  /** A normalized write, replicated through the Raft log. */
  CompletableFuture<byte[]> write(byte[][] argv);

  /** A read, linearizable unless the peer is configured otherwise. */
  CompletableFuture<byte[]> read(byte[][] argv);

  /**
   * A write for Raft group {@code group} (cluster mode with raftkv.cluster.groups > 1: the group
   * of the command's slot; otherwise 0).
   */
  default CompletableFuture<byte[]> write(int group, byte[][] argv) {
    return write(argv);
  }

  /** A read served by Raft group {@code group}. */
  default CompletableFuture<byte[]> read(int group, byte[][] argv) {
    return read(argv);
  }

  /** The text of {@code INFO} for the given sections (empty: the default sections). */
  String info(java.util.List<String> sections, ServerStats stats);

  /**
   * True while the peer holds more commands queued for Raft than it may (global back-pressure):
   * connections stop reading new requests until it is false again.
   */
  default boolean overloaded() {
    return false;
  }

  /** This peer's ACL: users replicated through the log, plus requirepass. */
  default dev.raftkv.acl.Acl acl() {
    return dev.raftkv.acl.Acl.OPEN;
  }

  /**
   * Where blocked clients (BLPOP ...) of this group wait; null: blocking commands answer at once,
   * like their non-blocking forms.
   */
  default BlockingWaiters blocking() {
    return null;
  }

  /**
   * Cluster mode (raftkv.cluster.enabled=yes): the slots, groups and leaders that route keyed
   * commands and answer CLUSTER; null when cluster mode is off.
   */
  default dev.raftkv.cluster.Topology cluster() {
    return null;
  }

  /** How many other peers replicate this one's writes (WAIT's answer). */
  default int otherPeers() {
    return 0;
  }

  /** DEBUG SET-ACTIVE-EXPIRE: starts or stops this peer's expiry sweeper. */
  default void setActiveExpire(boolean on) {}

  /** This peer's Pub/Sub hub (node-wide); a hub of its own for backends without one (tests). */
  default dev.raftkv.pubsub.PubSubHub pubsub() {
    return DETACHED_HUB;
  }

  /** The hub of backends that have none: subscriptions work, nothing is ever published to them. */
  dev.raftkv.pubsub.PubSubHub DETACHED_HUB = new dev.raftkv.pubsub.PubSubHub();
}

package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;

/**
 * PUBLISH and SPUBLISH as they are applied from the log: the message is handed to the keyspace,
 * which delivers it to this peer's subscribers once the entry is committed. Nothing is stored.
 * The reply is this peer's number of receivers (the receiving peer replaces it with its own
 * count, see resp.PubSubSession).
 */
final class PubSubCommands {
  private PubSubCommands() {}

  static void publish(byte[][] argv, Keyspace ks, RespOut out) {
    out.integer(ks.publish(false, argv[1], argv[2]));
  }

  static void spublish(byte[][] argv, Keyspace ks, RespOut out) {
    out.integer(ks.publish(true, argv[1], argv[2]));
  }
}

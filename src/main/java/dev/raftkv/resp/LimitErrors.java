package dev.raftkv.resp;

/** Error texts of raft-kv's own size limits (the ones Redis has no text for). */
public final class LimitErrors {
  private LimitErrors() {}

  /** A command (or one of its arguments) bigger than one Raft log entry can carry. */
  public static String tooLarge(long bytes, long limit) {
    return "ERR request too large: " + bytes + " bytes, more than the " + limit
        + " bytes a command may carry (raftkv.write.max-command-bytes)";
  }
}

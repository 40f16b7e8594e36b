package dev.raftkv.raft;

import java.nio.charset.StandardCharsets;

/**
 * The wire form of the admin tool's backup requests to a peer's state machine (see {@link
 * BackupService}): a marker byte that no command batch starts with, then the request as text.
 */
public final class BackupRequest {
  /** First byte of an admin message; a command batch starts with its version (1). */
  static final byte ADMIN_MESSAGE = (byte) 0xB0;

  private BackupRequest() {}

  /** {@code create}, {@code read NAME FILE OFFSET LENGTH} or {@code release NAME}, encoded. */
  public static byte[] encode(String request) {
    byte[] text = request.getBytes(StandardCharsets.UTF_8);
    byte[] msg = new byte[text.length + 1];
    msg[0] = ADMIN_MESSAGE;
    System.arraycopy(text, 0, msg, 1, text.length);
    return msg;
  }
}

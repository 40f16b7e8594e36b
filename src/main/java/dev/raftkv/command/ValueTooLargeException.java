package dev.raftkv.command;

/**
 * A command would leave a record bigger than the log entry's value limit ({@code
 * raftkv.max-value-bytes}, carried by the entry so every replica applies the same limit). Thrown
 * where the record is stored, so it covers every command and every type; {@link Commands#execute}
 * undoes the command and answers the error, as for a {@link CommandError}. Commands that would
 * allocate the oversized value first (APPEND, SETRANGE, SETBIT, BITFIELD) check before they
 * allocate, with {@link Commands#checkValueSize}.
 */
public final class ValueTooLargeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ValueTooLargeException(long bytes, long limit) {
    super(message(bytes, limit), null, false, false);
  }

  static String message(long bytes, long limit) {
    return "ERR value exceeds maximum allowed size (raftkv.max-value-bytes): " + bytes
        + " bytes, at most " + limit;
  }
}

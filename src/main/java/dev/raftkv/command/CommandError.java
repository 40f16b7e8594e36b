package dev.raftkv.command;

/** A user error: becomes a RESP error reply with exactly this text (Redis's text where it has one). */
public final class CommandError extends Exception {
  private static final long serialVersionUID = 1L;

  public static final String SYNTAX = "ERR syntax error";
  public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
  public static final String WRONGTYPE =
      "WRONGTYPE Operation against a key holding the wrong kind of value";
  public static final String OVERFLOW = "ERR increment or decrement would overflow";

  public CommandError(String message) {
    super(message, null, false, false);
  }

  public static CommandError arity(String command) {
    return new CommandError("ERR wrong number of arguments for '" + command + "' command");
  }
}

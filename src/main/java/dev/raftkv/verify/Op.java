package dev.raftkv.verify;

/**
 * One event of a history, as Jepsen records them: an invocation, then exactly one completion of
 * the same process ({@link Type#OK}, {@link Type#FAIL} or {@link Type#INFO}).
 *
 * @param index position in the history (assigned by {@link History})
 * @param process the logical client that issued the operation; a process has at most one
 *     operation in flight, and after an {@link Type#INFO} its thread continues under a new id
 * @param type invoke, ok (happened), fail (definitely did not happen), info (outcome unknown)
 * @param f what the operation does
 * @param key the key it touches
 * @param value for a write the value written, for an incr the delta; on a read's completion the
 *     value read ({@code null} for a missing key); on an incr's ok the value it returned
 * @param nanos {@link System#nanoTime()} when the event was recorded
 * @param node the peer the client talked to (for reports)
 * @param error the error text of a fail or info completion, or null
 */
public record Op(
    long index,
    int process,
    Type type,
    F f,
    String key,
    Object value,
    long nanos,
    String node,
    String error) {

  /** Event type. */
  public enum Type {
    INVOKE,
    OK,
    FAIL,
    INFO
  }

  /** Operation function. */
  public enum F {
    READ,
    WRITE,
    INCR
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%8.3fs p%-4d %-6s %-5s %s", nanos / 1e9, process, type, f, key));
    if (value != null || type == Type.OK && f == F.READ) {
      sb.append(' ').append(value);
    }
    if (node != null) {
      sb.append(" @").append(node);
    }
    if (error != null) {
      sb.append(" (").append(error).append(')');
    }
    return sb.toString();
  }
}

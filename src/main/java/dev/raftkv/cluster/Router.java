package dev.raftkv.cluster;

import java.util.List;

/**
 * Cluster mode's route step ("The routing seam", docs/design.md): turns a command's keys into
 * "run it here", a redirection or CROSSSLOT, or "wait for the group's leader".
 */
public final class Router {
  /** Redis's text when the keys of one request hash to different slots. */
  public static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";

  /** The outcome of routing one command. */
  public sealed interface Decision permits Here, Redirect, Hold {}

  /** Run the command on this peer (its group: {@code group}, -1 when it has no keys). */
  public record Here(int group) implements Decision {}

  /** Answer this error instead (MOVED, CROSSSLOT, CLUSTERDOWN). */
  public record Redirect(String error) implements Decision {}

  /** No leader of the group is known: ask again once one is (bounded by the request timeout). */
  public record Hold(int group) implements Decision {}

  private static final Here KEYLESS = new Here(-1);

  private Router() {}

  /**
   * Routes a command with these keys.
   *
   * @param read the command only reads (a READ row, or a transaction of reads only)
   * @param readonly the connection sent READONLY: a follower of the group serves reads itself
   * @param held the command already waited {@link Topology#holdMillis}: no more holding
   */
  public static Decision route(Topology t, List<byte[]> keys, boolean read, boolean readonly, boolean held) {
    if (keys.isEmpty()) {
      return KEYLESS;
    }
    int slot = Slots.slot(keys.get(0));
    for (int i = 1; i < keys.size(); i++) {
      if (Slots.slot(keys.get(i)) != slot) {
        return new Redirect(CROSSSLOT);
      }
    }
    int group = t.slots().group(slot);
    Topology.Group g = t.group(group);
    if (g.leader() == null) {
      if (read && readonly && isVoter(g, t.self())) {
        return new Here(group); // the follower read path waits for a leader itself
      }
      return held ? new Redirect("CLUSTERDOWN no leader of slot " + slot + " is known after "
          + t.holdMillis() + " ms") : new Hold(group);
    }
    if (g.leader().id().equals(t.self()) || read && readonly && isVoter(g, t.self())) {
      return new Here(group);
    }
    return new Redirect("MOVED " + slot + " " + g.leader().address());
  }

  private static boolean isVoter(Topology.Group g, String self) {
    for (Topology.Member m : g.voters()) {
      if (m.id().equals(self)) {
        return true;
      }
    }
    return false;
  }
}

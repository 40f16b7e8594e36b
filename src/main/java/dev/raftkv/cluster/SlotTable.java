package dev.raftkv.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which Raft group serves each of the 16,384 slots. Today one group (group 0) serves them all;
 * with K groups the table is fixed when the cluster is created (replicated, so later steps can
 * move slots) and everything that routes or lists slots reads it from here.
 */
public final class SlotTable {
  /** A run of consecutive slots served by one group. */
  public record Range(int from, int to, int group) {}

  private final int[] groupOf;
  private final int groups;

  private SlotTable(int[] groupOf) {
    this.groupOf = groupOf;
    this.groups = Arrays.stream(groupOf).max().orElse(0) + 1;
  }

  /** Every slot served by group 0: today's single group. */
  public static SlotTable single() {
    return new SlotTable(new int[Slots.COUNT]);
  }

  /**
   * {@code k} groups, each a contiguous range of nearly equal size (group i serves slots
   * {@code i * 16384 / k} up to the next group's first): the table K groups will start from.
   */
  public static SlotTable evenly(int k) {
    if (k < 1 || k > Slots.COUNT) {
      throw new IllegalArgumentException("groups must be 1.." + Slots.COUNT + ": " + k);
    }
    int[] g = new int[Slots.COUNT];
    for (int i = 0; i < k; i++) {
      Arrays.fill(g, (int) ((long) i * Slots.COUNT / k), (int) ((long) (i + 1) * Slots.COUNT / k), i);
    }
    return new SlotTable(g);
  }

  /** The group that serves a slot. */
  public int group(int slot) {
    return groupOf[slot];
  }

  /** How many groups the table names (the highest group number + 1). */
  public int groups() {
    return groups;
  }

  /** All slots as runs of consecutive slots of one group, in slot order (CLUSTER SLOTS). */
  public List<Range> ranges() {
    List<Range> r = new ArrayList<>();
    int start = 0;
    for (int s = 1; s <= Slots.COUNT; s++) {
      if (s == Slots.COUNT || groupOf[s] != groupOf[start]) {
        r.add(new Range(start, s - 1, groupOf[start]));
        start = s;
      }
    }
    return r;
  }

  /** The runs of one group, in slot order (CLUSTER SHARDS, CLUSTER NODES). */
  public List<Range> ranges(int group) {
    return ranges().stream().filter(r -> r.group() == group).toList();
  }
}

package dev.raftkv.verify;

import dev.raftkv.verify.LocalCluster.Peer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Injects faults into a {@link LocalCluster} on a schedule drawn from a seeded {@link Random}:
 * quiet period, fault, hold, heal, repeat. At most one fault is active at a time, so a majority
 * of peers is always running; faults that take the leader away are marked, to measure how long
 * the cluster takes to accept writes again.
 */
public final class Nemesis implements Runnable {

  /** Fault kinds (names as on the command line). */
  public enum Fault {
    /** kill -9 a random peer, restart it after the hold. */
    KILL,
    /** kill -9 the leader (of a random group, with several), restart it after the hold. */
    LEADER,
    /**
     * kill -9 the process leading the most Raft groups (raftkv.cluster.groups > 1), restart it
     * after the hold: every group it led elects a new leader at once.
     */
    BUSIEST,
    /** SIGSTOP the leader or a random peer, SIGCONT after the hold. */
    PAUSE,
    /** kill -9 a random peer, delete its data dir, start it empty after the hold. */
    WIPE,
    /** Partition the network: isolated leader, random majority/minority, or bridge. */
    PARTITION,
    /** Add latency to every link of the leader or of a random peer. */
    SLOW,
    /**
     * Skew the wall clock of the leader or a random peer (seconds to minutes, ahead or behind; a
     * jump, then back to real time). Needs libfaketime, which slows the JVM down a lot.
     */
    CLOCK,
    /**
     * Move leadership to a random follower through Ratis' admin API (two configuration changes
     * and a leadership transfer, like {@code raftkv admin transfer-leader}).
     */
    TRANSFER,
    /**
     * Power loss (needs powerfs mounts): of the leader, of two peers or of all peers at once;
     * what they had not fsync'd is dropped or torn, then they start again after the hold.
     */
    POWER;

    /** Parses a comma list (one group); {@code mixed} means kill, leader, pause, wipe, partition, transfer. */
    public static Set<Fault> parse(String list) {
      return parse(list, 1);
    }

    /**
     * Parses a comma list for a cluster of {@code groups} Raft groups. With one group {@code mixed}
     * is every fault but SLOW, CLOCK and POWER (and BUSIEST, which is LEADER there); with several,
     * {@code mixed} also has BUSIEST and has no WIPE, and WIPE is refused: a peer that lost its
     * disk rejoins group 0 only (docs/verification.md, "Several Raft groups").
     */
    public static Set<Fault> parse(String list, int groups) {
      Set<Fault> out = parseList(list);
      if (groups > 1) {
        if (listed(list, "wipe")) {
          throw new IllegalArgumentException("fault 'wipe' is not possible with several Raft groups: a"
              + " peer that lost its disk rejoins group 0 only and serves no other group until it is"
              + " replaced (docs/verification.md, \"Several Raft groups\")");
        }
        if (listed(list, "mixed")) {
          out.remove(WIPE);
          out.add(BUSIEST);
        }
      }
      return out;
    }

    private static boolean listed(String list, String name) {
      return list != null && java.util.Arrays.stream(list.split(","))
          .anyMatch(s -> s.trim().equalsIgnoreCase(name));
    }

    private static Set<Fault> parseList(String list) {
      Set<Fault> out = EnumSet.noneOf(Fault.class);
      if (list == null || list.isBlank() || list.equalsIgnoreCase("none")) {
        return out;
      }
      for (String s : list.split(",")) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.isEmpty()) {
          continue;
        }
        if (t.equals("MIXED")) {
          // not CLOCK: under libfaketime the JVM runs about 50 times slower here (see
          // docs/verification.md), which tests nothing but patience
          out.addAll(EnumSet.of(KILL, LEADER, PAUSE, WIPE, PARTITION, TRANSFER));
        } else {
          try {
            out.add(Fault.valueOf(t));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown fault '" + s.trim()
                + "' (expected kill, leader, busiest, pause, wipe, partition, slow, clock, transfer, power or mixed)");
          }
        }
      }
      return out;
    }
  }

  /** One injected fault. */
  public record Event(String description, long startNanos, long endNanos, boolean leaderLoss) {}

  private final LocalCluster cluster;
  private final List<Fault> faults;
  private final Random rnd;
  private final History clock;
  private final long quietMinMs;
  private final long quietMaxMs;
  private final long holdMinMs;
  private final long holdMaxMs;
  private final Consumer<String> log;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> crashes = new CopyOnWriteArrayList<>();
  private final List<Long> wipeCatchUpMillis = new CopyOnWriteArrayList<>();
  /** Per timed wipe: ms from the process start until the peer first answered (the JVM's start). */
  private final List<Long> wipeAnswerMillis = new CopyOnWriteArrayList<>();
  private volatile boolean running = true;

  /**
   * @param clock the history whose timestamps the events use
   */
  public Nemesis(LocalCluster cluster, Set<Fault> faults, long seed, History clock,
      long quietMinMs, long quietMaxMs, long holdMinMs, long holdMaxMs, Consumer<String> log) {
    this.cluster = cluster;
    this.faults = new ArrayList<>(faults);
    Collections.sort(this.faults);
    this.rnd = new Random(seed);
    this.clock = clock;
    this.quietMinMs = quietMinMs;
    this.quietMaxMs = quietMaxMs;
    this.holdMinMs = holdMinMs;
    this.holdMaxMs = holdMaxMs;
    this.log = log;
  }

  /** Peers that exited without being killed, seen while the schedule ran. */
  public List<String> crashes() {
    return List.copyOf(crashes);
  }

  /**
   * Null when a peer other than {@code except}, running its Raft group, has applied everything
   * the leader had committed (so it holds every committed entry and survives the wipe of
   * {@code except}); else why not. Waits up to {@code waitMs} for that.
   */
  private String noFullCopyBut(Peer except, long waitMs) throws InterruptedException {
    long deadline = System.nanoTime() + waitMs * 1_000_000;
    String why;
    do {
      why = null;
      Optional<Peer> leader = cluster.leader();
      if (leader.isEmpty()) {
        why = "no leader";
      } else if (leader.get() != except) {
        why = null; // the leader itself holds every committed entry
        break;
      } else {
        long commit = num(cluster.raftInfo(leader.get()).get("raft_commit_index"));
        why = "no peer but " + except.id + " has applied the leader's commit index " + commit;
        for (Peer q : cluster.peers()) {
          if (q == except || !q.isUp()) {
            continue;
          }
          Map<String, String> info = cluster.raftInfo(q);
          if (info.get("raft_waiting") == null && num(info.get("raft_applied_index")) >= commit) {
            why = null;
            break;
          }
        }
      }
      if (why == null) {
        return null;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    return why;
  }

  private static long num(String s) {
    try {
      return s == null ? -1 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Holds the fault for {@code hold} ms, meanwhile timing the wiped peer's catch-up: from the
   * start of its process until it runs its Raft group and has applied the leader's commit index.
   */
  private void awaitCaughtUp(Peer p, long restarted, long hold) throws InterruptedException {
    long end = restarted + hold * 1_000_000;
    boolean done = false;
    long target = -1; // the leader's commit index once the wiped peer runs its group again
    long answered = -1;
    while (System.nanoTime() < end || !done && System.nanoTime() < end + 30_000_000_000L) {
      if (!done) {
        Map<String, String> info = cluster.raftInfo(p);
        if (answered < 0 && !info.isEmpty()) {
          answered = System.nanoTime();
        }
        boolean running = info.get("raft_waiting") == null && info.get("raft_applied_index") != null;
        if (running && target < 0) {
          // under load the leader's commit index moves on while it is read; the peer has caught
          // up once it has applied what the leader had committed when it started to rejoin
          Optional<Peer> l = cluster.leader();
          if (l.isPresent() && l.get() != p) {
            target = num(cluster.raftInfo(l.get()).get("raft_commit_index"));
          }
        }
        if (running && target > 0 && num(info.get("raft_applied_index")) >= target) {
          wipeCatchUpMillis.add((System.nanoTime() - restarted) / 1_000_000);
          wipeAnswerMillis.add((answered - restarted) / 1_000_000);
          done = true;
        }
      }
      Thread.sleep(50);
    }
  }

  /** Per wipe with no second fault: ms from the wiped peer's process start until it caught up. */
  public List<Long> wipeCatchUpMillis() {
    return List.copyOf(wipeCatchUpMillis);
  }

  /** Per timed wipe, in the order of {@link #wipeCatchUpMillis()}: ms until the peer first answered. */
  public List<Long> wipeAnswerMillis() {
    return List.copyOf(wipeAnswerMillis);
  }

  public List<Event> events() {
    return List.copyOf(events);
  }

  /** Asks the schedule to end; the active fault is healed by {@link #run()} before it returns. */
  public void stop() {
    running = false;
  }

  @Override
  public void run() {
    if (faults.isEmpty()) {
      return;
    }
    try {
      while (running) {
        if (!sleep(between(quietMinMs, quietMaxMs))) {
          break;
        }
        crashes.addAll(cluster.collectCrashes());
        Fault f = faults.get(rnd.nextInt(faults.size()));
        long hold = between(holdMinMs, holdMaxMs);
        try {
          inject(f, hold);
        } catch (IOException | RuntimeException e) {
          log.accept("nemesis: " + f + " failed: " + e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      healAll();
    }
  }

  private long between(long min, long max) {
    return min + (max > min ? (long) (rnd.nextDouble() * (max - min)) : 0);
  }

  /** Sleeps in small steps while running; false when stopped. */
  private boolean sleep(long ms) throws InterruptedException {
    long end = System.nanoTime() + ms * 1_000_000;
    while (running && System.nanoTime() < end) {
      Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
    }
    return running;
  }

  private Peer randomPeer() {
    List<Peer> ps = cluster.peers();
    return ps.get(rnd.nextInt(ps.size()));
  }

  private void inject(Fault f, long hold) throws IOException, InterruptedException {
    // with several groups, faults aimed at "the leader" aim at a random group's leader
    int group = cluster.groups() > 1 ? rnd.nextInt(cluster.groups()) : 0;
    String ofGroup = cluster.groups() > 1 ? " of group " + group : "";
    Optional<Peer> leader = cluster.leader(group);
    long t0 = clock.now();
    String what;
    boolean leaderLoss;
    switch (f) {
      case KILL -> {
        Peer p = randomPeer();
        leaderLoss = leader.filter(l -> l == p).isPresent();
        what = "kill -9 " + p.id + (leaderLoss ? " (leader" + ofGroup + ")" : "");
        cluster.kill(p);
        sleep(hold);
        cluster.start(p);
      }
      case LEADER -> {
        Peer p = leader.orElseGet(this::randomPeer);
        leaderLoss = leader.isPresent();
        what = "kill -9 leader" + ofGroup + " " + p.id + (leaderLoss ? "" : " (no leader known: random peer)");
        cluster.kill(p);
        sleep(hold);
        cluster.start(p);
      }
      case BUSIEST -> {
        Map<Integer, Peer> leaders = cluster.leaders();
        for (int look = 0; leaders.isEmpty() && look < 10 && running; look++) {
          Thread.sleep(500); // an election under way, or INFO slow under load: look again for 5 s
          leaders = cluster.leaders();
        }
        Map<Peer, List<Integer>> led = new java.util.LinkedHashMap<>();
        for (Peer q : cluster.peers()) {
          led.put(q, new ArrayList<>());
        }
        leaders.forEach((g, q) -> led.get(q).add(g));
        int most = led.values().stream().mapToInt(List::size).max().orElse(0);
        List<Peer> top = new ArrayList<>();
        led.forEach((q, gs) -> {
          if (gs.size() == most) {
            top.add(q);
          }
        });
        Peer p = most == 0 ? randomPeer() : top.get(rnd.nextInt(top.size()));
        leaderLoss = most > 0;
        what = "kill -9 busiest " + p.id + (most == 0 ? " (no leader known: random peer)"
            : " (leader of groups " + led.get(p).stream().sorted().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(",")) + " of " + cluster.groups() + ")");
        cluster.kill(p);
        sleep(hold);
        cluster.start(p);
      }
      case PAUSE -> {
        Peer p = leader.isPresent() && rnd.nextBoolean() ? leader.get() : randomPeer();
        leaderLoss = leader.filter(l -> l == p).isPresent();
        what = "pause " + p.id + (leaderLoss ? " (leader" + ofGroup + ")" : "");
        cluster.pause(p);
        sleep(hold);
        cluster.resume(p);
      }
      case WIPE -> {
        Peer p = randomPeer();
        // A wiped disk is survivable while another peer with intact storage holds every
        // committed entry (then the empty peer rejoins through the leader, or seeds from that
        // peer). Only when p would take the last full copy with it (a majority of copies lost at
        // once, which no Raft system survives) does the wipe wait for one to catch up; it is
        // never skipped.
        String atRisk = noFullCopyBut(p, 30_000);
        if (atRisk != null) {
          log.accept("nemesis: wipe " + p.id + " although " + atRisk);
        }
        leaderLoss = leader.filter(l -> l == p).isPresent();
        cluster.wipe(p);
        long restarted = System.nanoTime();
        // half the time, another peer fails at once, before the wiped one has caught up
        Peer other = null;
        boolean kill = rnd.nextBoolean();
        if (rnd.nextBoolean() && cluster.peers().size() > 2) {
          List<Peer> rest = new ArrayList<>(cluster.peers());
          rest.remove(p);
          other = rest.get(rnd.nextInt(rest.size()));
          if (kill) {
            cluster.kill(other);
          } else {
            cluster.pause(other);
          }
          Peer failed = other;
          leaderLoss |= leader.filter(l -> l == failed).isPresent();
        }
        what = "wipe " + p.id + (leader.filter(l -> l == p).isPresent() ? " (leader)" : "")
            + (other == null ? "" : ", then at once " + (kill ? "kill -9 " : "pause ") + other.id);
        if (other == null) {
          awaitCaughtUp(p, restarted, hold);
        } else {
          sleep(hold);
        }
        if (other != null) {
          if (kill) {
            cluster.start(other);
          } else {
            cluster.resume(other);
          }
        }
      }
      case POWER -> {
        List<Peer> ps = new ArrayList<>(cluster.peers());
        Collections.shuffle(ps, rnd);
        int shape = rnd.nextInt(3);
        List<Peer> hit = shape == 0 ? List.of(leader.orElse(ps.get(0)))
            : shape == 1 ? ps.subList(0, 2) : ps;
        boolean tear = rnd.nextBoolean();
        leaderLoss = leader.filter(hit::contains).isPresent();
        what = "power loss of " + (hit.size() == ps.size() ? "every peer" : hit.toString())
            + (shape == 0 && leader.isPresent() ? " (leader" + ofGroup + ")" : "") + (tear ? ", torn pages" : "");
        for (Peer p : hit) {
          cluster.powerLoss(p, tear);
        }
        sleep(hold / 2);
        for (Peer p : hit) {
          cluster.start(p);
        }
        sleep(hold / 2);
      }
      case PARTITION -> {
        List<Peer> ps = new ArrayList<>(cluster.peers());
        int shape = rnd.nextInt(3);
        if (shape == 0 && leader.isPresent()) {
          Peer l = leader.get();
          what = "partition: isolate leader" + ofGroup + " " + l.id;
          leaderLoss = true;
          cluster.isolate(l);
        } else if (shape == 1 || !leader.isPresent()) {
          Collections.shuffle(ps, rnd);
          int minority = (ps.size() - 1) / 2;
          List<Peer> small = new ArrayList<>(ps.subList(0, minority));
          List<Peer> big = new ArrayList<>(ps.subList(minority, ps.size()));
          what = "partition: minority " + small + " | majority " + big;
          leaderLoss = leader.filter(small::contains).isPresent();
          cluster.partition(List.of(small, big));
        } else {
          // Bridge: one peer sees both halves, the halves do not see each other.
          Collections.shuffle(ps, rnd);
          Peer bridge = ps.get(0);
          List<Peer> rest = ps.subList(1, ps.size());
          int half = rest.size() / 2;
          List<Peer> a = new ArrayList<>(rest.subList(0, half));
          List<Peer> b = new ArrayList<>(rest.subList(half, rest.size()));
          a.add(bridge);
          b.add(bridge);
          what = "partition: bridge " + bridge.id + " between " + a + " and " + b;
          leaderLoss = false;
          cluster.partition(List.of(a, b));
        }
        sleep(hold);
        cluster.heal();
      }
      case SLOW -> {
        Peer p = leader.isPresent() && rnd.nextBoolean() ? leader.get() : randomPeer();
        int ms = 20 + rnd.nextInt(180);
        what = "slow links of " + p.id + " by " + ms + " ms";
        leaderLoss = false;
        cluster.slow(p, ms);
        sleep(hold);
        cluster.heal();
      }
      case CLOCK -> {
        Peer p = leader.isPresent() && rnd.nextBoolean() ? leader.get() : randomPeer();
        long seconds = (1 + rnd.nextInt(300)) * (rnd.nextBoolean() ? 1L : -1L);
        what = "clock of " + p.id + (leader.filter(l -> l == p).isPresent() ? " (leader" + ofGroup + ")" : "")
            + " skewed by " + seconds + " s";
        leaderLoss = false;
        cluster.skewClock(p, seconds);
        sleep(hold);
        cluster.skewClock(p, 0);
      }
      case TRANSFER -> {
        if (leader.isEmpty()) {
          log.accept("nemesis: transfer skipped: no leader");
          return;
        }
        List<Peer> others = new ArrayList<>(cluster.peers());
        others.remove(leader.get());
        Peer to = others.get(rnd.nextInt(others.size()));
        what = "transfer leadership" + ofGroup + " " + leader.get().id + " -> " + to.id;
        leaderLoss = false;
        try {
          cluster.transferLeader(group, leader.get(), to, Math.max(3000, hold));
        } catch (IOException e) {
          what += " (failed: " + e.getMessage() + ")";
        }
      }
      default -> throw new IllegalStateException(f.toString());
    }
    long t1 = clock.now();
    events.add(new Event(what, t0, t1, leaderLoss));
    log.accept(String.format("nemesis: %s for %.1f s", what, (t1 - t0) / 1e9));
  }

  /** Resumes paused peers, starts stopped ones, heals the network. */
  public void healAll() {
    crashes.addAll(cluster.collectCrashes());
    cluster.heal();
    if (faults.contains(Fault.CLOCK)) {
      for (Peer p : cluster.peers()) {
        try {
          cluster.skewClock(p, 0);
        } catch (IOException e) {
          log.accept("nemesis: could not reset the clock of " + p.id + ": " + e);
        }
      }
    }
    for (Peer p : cluster.peers()) {
      if (p.isPaused()) {
        cluster.resume(p);
      }
      if (!p.isRunning()) {
        try {
          cluster.start(p);
        } catch (IOException e) {
          log.accept("nemesis: could not restart " + p.id + ": " + e);
        }
      }
    }
  }
}

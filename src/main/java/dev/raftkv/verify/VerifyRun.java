package dev.raftkv.verify;

import dev.raftkv.util.Dirs;
import dev.raftkv.verify.LocalCluster.Peer;
import dev.raftkv.verify.Nemesis.Fault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One verification run: start a local cluster, run the workloads under a nemesis for a bounded
 * time and number of operations, heal, read the final state from every peer, check, report.
 */
public final class VerifyRun {

  /** Settings of a run. */
  public static final class Config {
    public int peers = 3;
    /** Raft groups per peer (raftkv.cluster.groups; cluster mode when above 1). */
    public int groups = 1;
    public String store = "rocksdb";
    public long durationSeconds = 60;
    public long maxOps = 200_000;
    public Set<Fault> faults = EnumSet.noneOf(Fault.class);
    public long seed = 1;
    /** {@code raftkv.read.mode}, or null for the server's default. */
    public String readMode;
    public Path jar;
    /** Parent of the run's own directory; null = the system temp dir. */
    public Path workDir;
    /** Extra {@code -D} settings for every peer. */
    public Map<String, String> serverConfig = new LinkedHashMap<>();
    /** Extra JVM arguments for every peer (e.g. -Dlogback.configurationFile=...). */
    public List<String> jvmArgs = new ArrayList<>();
    public int snapshotThreshold = 200;
    public boolean keepWorkDir;
    /** Route Raft traffic through the partition proxies (required for partition and slow). */
    public boolean proxies = true;
    /** The powerfs binary for power-loss faults (null: none). */
    public Path powerfs;
    /** powerfs: names become durable with the file's fsync too (ext4-like), not only the directory's. */
    public boolean namesWithData;
    public long quietMinMs = 2000;
    public long quietMaxMs = 5000;
    public long holdMinMs = 3000;
    public long holdMaxMs = 8000;
    public Workloads.Options workload = new Workloads.Options();
    public Consumer<String> log = s -> System.out.println("[verify] " + s);
  }

  private final Config config;

  public VerifyRun(Config config) {
    this.config = config;
  }

  /** Runs and returns the report; never throws for a failed verdict. */
  public Report run() throws IOException, InterruptedException {
    Consumer<String> log = config.log;
    LocalCluster.Options o = new LocalCluster.Options();
    o.peers = config.peers;
    o.groups = config.groups;
    o.store = config.store;
    o.jar = config.jar;
    Path parent = config.workDir != null ? config.workDir : Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(parent);
    o.workDir = Files.createTempDirectory(parent, "raftkv-verify-");
    o.log = s -> log.accept("cluster: " + s);
    o.config.put("raftkv.snapshot.auto-threshold", Integer.toString(config.snapshotThreshold));
    if (config.readMode != null) {
      o.config.put("raftkv.read.mode", config.readMode);
    }
    o.config.putAll(config.serverConfig);
    o.jvmArgs.addAll(config.jvmArgs);
    o.proxies = config.proxies;
    o.clockFaults = config.faults.contains(Fault.CLOCK);
    o.powerfs = config.powerfs;
    o.namesWithData = config.namesWithData;
    if (config.faults.contains(Fault.POWER) && config.powerfs == null) {
      throw new IllegalArgumentException("power faults need the powerfs binary (--powerfs; bin/build-powerfs.sh)");
    }
    if (config.groups > 1 && config.faults.contains(Fault.WIPE)) {
      throw new IllegalArgumentException("wipe faults are not possible with several Raft groups: a peer"
          + " that lost its disk rejoins group 0 only (docs/verification.md, \"Several Raft groups\")");
    }
    if (!config.proxies
        && (config.faults.contains(Fault.PARTITION) || config.faults.contains(Fault.SLOW))) {
      throw new IllegalArgumentException("partition and slow faults need the proxies");
    }

    Report report = new Report();
    report.config = config;
    report.workDir = o.workDir;
    History clock = new History();
    long t0 = System.nanoTime();
    LocalCluster cluster = new LocalCluster(o);
    log.accept("work dir " + o.workDir + "; seed " + config.seed + "; faults " + config.faults);
    try {
      cluster.startAll();
      Peer leader;
      try {
        leader = cluster.awaitLeader(90_000);
        cluster.awaitHealthy(90_000);
      } catch (IllegalStateException e) {
        report.recoveryProblem = "the cluster never became healthy before the load: "
            + e.getMessage() + "\n" + cluster.diagnose();
        report.crashes.addAll(cluster.collectCrashes());
        return report;
      }
      log.accept(String.format("cluster up in %.1f s, leader %s", (System.nanoTime() - t0) / 1e9,
          leader.id));

      List<Workloads.Endpoint> endpoints = new ArrayList<>();
      for (Peer p : cluster.peers()) {
        endpoints.add(new Workloads.Endpoint(p.id, "127.0.0.1", p.redisPort));
      }
      Workloads.Options wo = config.workload;
      wo.cluster = config.groups > 1;
      wo.maxOps = config.maxOps;
      wo.seed = config.seed;
      wo.prefix = "v" + Long.toHexString(config.seed & 0xffffffL);
      Workloads workloads = new Workloads(endpoints, clock, wo, log);
      Nemesis nemesis = new Nemesis(cluster, config.faults, config.seed, clock,
          config.quietMinMs, config.quietMaxMs, config.holdMinMs, config.holdMaxMs, log);
      Thread nemesisThread = new Thread(nemesis, "nemesis");
      nemesisThread.setDaemon(true);

      workloads.setUp();
      long start = clock.now();
      workloads.start();
      nemesisThread.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.durationSeconds);
      long lastProgress = System.nanoTime();
      while (System.nanoTime() < deadline && !workloads.isDone()) {
        Thread.sleep(200);
        if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(10)) {
          lastProgress = System.nanoTime();
          log.accept(String.format("%.0f s: %d operations", (clock.now() - start) / 1e9,
              workloads.opsStarted()));
        }
      }
      nemesis.stop();
      nemesisThread.join(120_000);
      workloads.stop();
      long end = clock.now();
      report.runSeconds = (end - start) / 1e9;
      report.faults = nemesis.events();
      report.wipeCatchUpMillis = nemesis.wipeCatchUpMillis();
      report.wipeAnswerMillis = nemesis.wipeAnswerMillis();
      report.crashes.addAll(nemesis.crashes());
      log.accept(String.format("load stopped after %.1f s, %d operations; healing",
          report.runSeconds, workloads.opsStarted()));

      // Whatever crashed without the nemesis is restarted, so the final reads can happen.
      report.crashes.addAll(cluster.collectCrashes());
      new Nemesis(cluster, Set.of(), 0, clock, 0, 0, 0, 0, log).healAll();
      try {
        cluster.awaitHealthy(90_000);
        report.recovered = true;
      } catch (IllegalStateException e) {
        report.recoveryProblem = e.getMessage() + "\n" + cluster.diagnose();
      }
      Map<String, Map<String, String>> finalReads = null;
      Map<String, QueueChecker.FinalState> finalQueues = null;
      Map<String, FencingChecker.FinalState> finalFencing = null;
      if (report.recovered) {
        try {
          finalReads = workloads.finalReads();
          if (wo.queueThreads > 0) {
            finalQueues = workloads.finalQueues();
          }
          if (wo.scriptThreads > 0) {
            finalFencing = workloads.finalFencing();
          }
        } catch (IOException e) {
          report.recoveryProblem = "final reads failed: " + e;
        }
      }
      report.crashes.addAll(cluster.collectCrashes());

      List<Op> reg = workloads.registers.ops();
      List<Op> sets = workloads.sets.ops();
      List<Op> ctr = workloads.counters.ops();
      List<Op> bank = workloads.bank.ops();
      List<Op> lists = workloads.lists.ops();
      List<Op> queues = workloads.queues.ops();
      List<Op> scripts = workloads.scripts.ops();
      report.unexpectedErrors = workloads.unexpectedErrors();
      report.unexpectedSamples = workloads.unexpectedSamples();
      report.stats(reg, sets, ctr, bank, lists, queues, scripts);
      report.availability(clock, reg, sets, ctr, bank, lists, queues, scripts);
      long c0 = System.nanoTime();
      report.linearizability = new LinearizabilityChecker().check(reg);
      if (finalReads != null) {
        report.set = new SetChecker().check(sets, finalReads);
      }
      report.counter = new CounterChecker().check(ctr);
      if (wo.bankThreads > 0) {
        report.bank = new BankChecker(workloads.accounts(), workloads.bankTotal()).check(bank);
      }
      if (wo.listThreads > 0) {
        report.lists = new ListAppendChecker().check(lists);
      }
      if (wo.queueThreads > 0) {
        report.queue = new QueueChecker().check(queues, finalQueues);
      }
      if (wo.scriptThreads > 0) {
        log.accept("script workload: " + workloads.scriptFallbacks()
            + " EVALSHA answered NOSCRIPT and were sent again with EVAL");
        report.fencing = new FencingChecker(workloads.lockKey(), workloads.resourceKey())
            .check(scripts, finalFencing);
      }
      report.checkSeconds = (System.nanoTime() - c0) / 1e9;
      writeHistory(o.workDir.resolve("history-registers.txt"), reg);
      writeHistory(o.workDir.resolve("history-sets.txt"), sets);
      writeHistory(o.workDir.resolve("history-counters.txt"), ctr);
      writeHistory(o.workDir.resolve("history-bank.txt"), bank);
      writeHistory(o.workDir.resolve("history-lists.txt"), lists);
      writeHistory(o.workDir.resolve("history-queue.txt"), queues);
      writeHistory(o.workDir.resolve("history-script.txt"), scripts);
      return report;
    } finally {
      cluster.close();
      if (report.valid() && !config.keepWorkDir) {
        Dirs.deleteRecursively(o.workDir);
      } else {
        log.accept("kept work dir (logs, histories): " + o.workDir);
      }
    }
  }

  private static void writeHistory(Path file, List<Op> ops) throws IOException {
    Files.write(file, ops.stream().map(Op::toString).collect(Collectors.toList()));
  }

  /** What a run found. */
  public static final class Report {
    public Config config;
    public Path workDir;
    public double runSeconds;
    public double checkSeconds;
    public List<Nemesis.Event> faults = List.of();
    public List<String> crashes = new ArrayList<>();
    public boolean recovered;
    public String recoveryProblem;
    public long unexpectedErrors;
    public List<String> unexpectedSamples = List.of();
    public LinearizabilityChecker.Result linearizability;
    public SetChecker.Result set;
    public CounterChecker.Result counter;
    /** Null when the workload did not run. */
    public BankChecker.Result bank;
    /** Null when the workload did not run. */
    public ListAppendChecker.Result lists;
    /** Null when the workload did not run. */
    public QueueChecker.Result queue;
    /** Null when the workload did not run. */
    public FencingChecker.Result fencing;
    public final Map<String, long[]> counts = new LinkedHashMap<>();
    public double okFraction;
    public double okFractionDuringFaults;
    public double okFractionQuiet;
    /** One-second windows of the load phase, and those in which some write was acknowledged. */
    public int seconds;
    public int secondsWithWrites;
    public double writesPerSecond;
    public List<Double> leaderLossRecoverySeconds = new ArrayList<>();
    /** Per wipe (not followed by a second fault): process start to caught up, in ms. */
    public List<Long> wipeCatchUpMillis = List.of();
    public List<Long> wipeAnswerMillis = List.of();

    public boolean valid() {
      return recovered
          && crashes.isEmpty()
          && linearizability != null && linearizability.valid()
          && set != null && set.valid()
          && counter != null && counter.valid()
          && (config.workload.bankThreads == 0 || bank != null && bank.valid())
          && (config.workload.listThreads == 0 || lists != null && lists.valid())
          && (config.workload.queueThreads == 0 || queue != null && queue.valid())
          && (config.workload.scriptThreads == 0 || fencing != null && fencing.valid());
    }

    void stats(List<Op> reg, List<Op> sets, List<Op> ctr, List<Op> bank, List<Op> lists,
        List<Op> queues, List<Op> scripts) {
      counts.put("registers", count(reg));
      counts.put("unique keys", count(sets));
      counts.put("counters", count(ctr));
      counts.put("bank", count(bank));
      counts.put("list append", count(lists));
      counts.put("queue", count(queues));
      counts.put("script lock", count(scripts));
    }

    private static long[] count(List<Op> ops) {
      long[] c = new long[4]; // invoke, ok, fail, info
      for (Op op : ops) {
        c[op.type().ordinal()]++;
      }
      return c;
    }

    @SafeVarargs
    final void availability(History clock, List<Op>... histories) {
      List<Operation> all = new ArrayList<>();
      for (List<Op> h : histories) {
        all.addAll(History.complete(h));
      }
      long ok = 0;
      long n = 0;
      long okF = 0;
      long nF = 0;
      for (Operation op : all) {
        if (op.process() >= 1_000_000) {
          continue; // final reads
        }
        boolean during = faults.stream()
            .anyMatch(e -> op.start() >= e.startNanos() && op.start() <= e.endNanos());
        n++;
        if (op.ok()) {
          ok++;
        }
        if (during) {
          nF++;
          if (op.ok()) {
            okF++;
          }
        }
      }
      // by time, not by operation count: a client of a peer that answers CLUSTERDOWN at once
      // retries at once, so failed operations pile up where the cluster waits
      long firstNanos = all.stream().filter(op -> op.process() < 1_000_000).mapToLong(Operation::start).min().orElse(0);
      seconds = (int) Math.floor(runSeconds); // the load phase starts with the first operation
      java.util.BitSet served = new java.util.BitSet();
      long writes = 0;
      for (Operation op : all) {
        if (op.process() < 1_000_000 && op.ok() && op.f() != Op.F.READ) {
          writes++;
          long s = (op.end() - firstNanos) / 1_000_000_000L;
          if (s >= 0 && s < seconds) {
            served.set((int) s);
          }
        }
      }
      secondsWithWrites = served.cardinality();
      writesPerSecond = seconds == 0 ? 0 : (double) writes / seconds;
      okFraction = n == 0 ? 0 : (double) ok / n;
      okFractionDuringFaults = nF == 0 ? Double.NaN : (double) okF / nF;
      okFractionQuiet = n - nF == 0 ? Double.NaN : (double) (ok - okF) / (n - nF);
      for (Nemesis.Event e : faults) {
        if (!e.leaderLoss()) {
          continue;
        }
        long first = Long.MAX_VALUE;
        for (Operation op : all) {
          if (op.ok() && op.f() != Op.F.READ && op.start() >= e.startNanos()) {
            first = Math.min(first, op.end());
          }
        }
        if (first != Long.MAX_VALUE) {
          leaderLossRecoverySeconds.add((first - e.startNanos()) / 1e9);
        }
      }
    }

    private static long median(List<Long> xs) {
      List<Long> sorted = xs.stream().sorted().toList();
      return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    }

    /** The human-readable report. */
    public String text() {
      StringBuilder sb = new StringBuilder();
      sb.append("raft-kv verification report\n");
      sb.append(String.format("  peers %d, %sstore %s, read mode %s, seed %d, faults %s%n",
          config.peers, config.groups > 1 ? "Raft groups " + config.groups + " (cluster mode), " : "", config.store, config.readMode == null ? "(default)" : config.readMode,
          config.seed, config.faults.isEmpty() ? "none" : config.faults));
      sb.append(String.format("  ran %.1f s under load; checking took %.1f s%n", runSeconds,
          checkSeconds));
      sb.append("operations (ok / fail / unknown):\n");
      for (Map.Entry<String, long[]> e : counts.entrySet()) {
        long[] c = e.getValue();
        sb.append(String.format("  %-12s %7d  (%d / %d / %d)%n", e.getKey(), c[0], c[1], c[2],
            c[3]));
      }
      if (unexpectedErrors > 0) {
        sb.append("  unexpected replies: ").append(unexpectedErrors).append('\n');
        for (String s : unexpectedSamples) {
          sb.append("    ").append(s).append('\n');
        }
      }
      sb.append("faults injected: ").append(faults.size()).append('\n');
      for (Nemesis.Event e : faults) {
        sb.append(String.format("  %8.2f s .. %8.2f s  %s%n", e.startNanos() / 1e9,
            e.endNanos() / 1e9, e.description()));
      }
      sb.append("availability:\n");
      sb.append(String.format("  ok fraction: %.3f overall (a majority was up throughout),"
          + " %.3f during faults, %.3f between faults%n", okFraction, okFractionDuringFaults,
          okFractionQuiet));
      sb.append(String.format("  by time: a write was acknowledged in %d of %d seconds (%.3f); %.1f acknowledged"
          + " writes per second%n", secondsWithWrites, seconds, seconds == 0 ? Double.NaN
          : (double) secondsWithWrites / seconds, writesPerSecond));
      if (!leaderLossRecoverySeconds.isEmpty()) {
        sb.append("  leader loss -> first acknowledged write: ")
            .append(leaderLossRecoverySeconds.stream().map(d -> String.format("%.2f s", d))
                .collect(Collectors.joining(", ")))
            .append('\n');
      }
      if (!wipeCatchUpMillis.isEmpty()) {
        List<Long> sorted = wipeCatchUpMillis.stream().sorted().toList();
        sb.append("  wiped peer, process start -> caught up: median ").append(sorted.get(sorted.size() / 2))
            .append(" ms, max ").append(sorted.get(sorted.size() - 1)).append(" ms over ").append(sorted.size())
            .append(" wipes ").append(wipeCatchUpMillis).append('\n');
        List<Long> rejoin = new ArrayList<>();
        for (int i = 0; i < wipeCatchUpMillis.size() && i < wipeAnswerMillis.size(); i++) {
          rejoin.add(wipeCatchUpMillis.get(i) - wipeAnswerMillis.get(i));
        }
        sb.append("    of which the JVM's start (process start -> first answer): median ").append(median(wipeAnswerMillis))
            .append(" ms; the rejoin (first answer -> caught up): median ").append(median(rejoin))
            .append(" ms, max ").append(rejoin.stream().max(Long::compare).orElse(0L)).append(" ms ").append(rejoin)
            .append('\n');
      }
      sb.append("verdicts:\n");
      sb.append("  cluster recovered after healing: ").append(recovered ? "yes" : "NO: "
          + recoveryProblem).append('\n');
      sb.append("  peer crashes: ").append(crashes.isEmpty() ? "none" : crashes.size())
          .append('\n');
      for (String c : crashes) {
        sb.append("    ").append(c.replace("\n", "\n      ")).append('\n');
      }
      sb.append("  (1) registers, linearizable: ")
          .append(linearizability == null ? "not checked" : linearizability.report()
              .replace("\n", "\n      ")).append('\n');
      sb.append("  (2) acknowledged writes survive: ")
          .append(set == null ? "NOT CHECKED (no final reads)" : set.report()
              .replace("\n", "\n      ")).append('\n');
      sb.append("  (3) counters: ")
          .append(counter == null ? "not checked" : counter.report().replace("\n", "\n      "))
          .append('\n');
      sb.append("  (4) bank, MULTI/EXEC with WATCH: ")
          .append(bank == null ? "not run" : bank.report().replace("\n", "\n      "))
          .append('\n');
      sb.append("  (5) list append: ")
          .append(lists == null ? "not run" : lists.report().replace("\n", "\n      "))
          .append('\n');
      sb.append("  (6) queue, LPUSH and BLMOVE: ")
          .append(queue == null ? "not run" : queue.report().replace("\n", "\n      "))
          .append('\n');
      sb.append("  (7) lock with a fencing token, Lua scripts: ")
          .append(fencing == null ? "not run" : fencing.report().replace("\n", "\n      "))
          .append('\n');
      sb.append("VERDICT: ").append(valid() ? "PASS" : "FAIL").append('\n');
      if (workDir != null && !valid()) {
        sb.append("logs and histories kept in ").append(workDir).append('\n');
      }
      return sb.toString();
    }
  }
}

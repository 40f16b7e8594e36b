package dev.raftkv.verify;

import dev.raftkv.verify.Nemesis.Fault;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code raftkv verify}: starts a local cluster, runs the workloads under faults, checks the
 * histories and prints a report. Exit code 0 only when every verdict passes.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Jepsen-style verification: start a local cluster (separate JVM processes on 127.0.0.1),",
      "run concurrent clients (registers, unique keys, counters) under a fault schedule, then",
      "check linearizability and that no acknowledged write was lost. Exit code 0 = PASS."
    })
public final class VerifyCommand implements Callable<Integer> {

  @Option(names = "--peers-count", defaultValue = "3", description = "3 or 5 peers (default 3).")
  int peersCount;

  @Option(names = "--groups", defaultValue = "1",
      description = "Raft groups per peer, raftkv.cluster.groups (default 1); above 1 the peers run the"
          + " Redis Cluster protocol and the clients follow MOVED.")
  int groups;

  @Option(names = "--store", defaultValue = "rocksdb", description = "rocksdb or memory.")
  String store;

  @Option(names = "--duration", defaultValue = "60",
      description = "Seconds of load (default 60).")
  long durationSeconds;

  @Option(names = "--max-ops", defaultValue = "200000",
      description = "Upper bound on operations (default 200000).")
  long maxOps;

  @Option(names = "--faults", defaultValue = "mixed",
      description = "Comma list of kill, leader, busiest, pause, wipe, partition, slow, clock, transfer, power;"
          + " or mixed (kill, leader, pause, wipe, partition, transfer; with --groups > 1 busiest instead of"
          + " wipe); or none.")
  String faults;

  @Option(names = "--seed", description = "Seed of the fault schedule and workloads (default: random, printed).")
  Long seed;

  @Option(names = "--read-mode",
      description = "raftkv.read.mode for the peers (linearizable|stale); stale must FAIL.")
  String readMode;

  @Option(names = "--jar", description = "The runnable raft-kv jar (default: the running jar, else target/raft-kv.jar).")
  Path jar;

  @Option(names = "--workdir", description = "Where the run's directory is made (default: the temp dir).")
  Path workDir;

  @Option(names = "--keep", description = "Keep logs and histories even when the run passes.")
  boolean keep;

  @Option(names = "--clients", defaultValue = "5",
      description = "Register client threads (default 5; 2 more each for unique keys and counters).")
  int clients;

  @Option(names = "--snapshot-threshold", defaultValue = "200",
      description = "raftkv.snapshot.auto-threshold for the peers (default 200).")
  int snapshotThreshold;

  @Option(names = "-D", paramLabel = "KEY=VALUE",
      description = "Extra configuration for every peer (repeatable).")
  Map<String, String> serverConfig = new LinkedHashMap<>();

  @Option(names = "--jvm-arg", paramLabel = "ARG",
      description = "Extra JVM argument for every peer (repeatable), e.g. -Xmx512m. For -D"
          + " system properties use the environment variable RAFTKV_VERIFY_JVM_OPTS"
          + " (whitespace-separated), since -D here means server configuration.")
  java.util.List<String> jvmArgs = new java.util.ArrayList<>();

  @Option(names = "--powerfs", description = "The powerfs binary (bin/build-powerfs.sh): every peer's data"
      + " dir is a powerfs mount, for the 'power' fault.")
  Path powerfs;

  @Option(names = "--names-with-data", description = "powerfs: a file's fsync makes its name durable too"
      + " (ext4/xfs); by default only a directory fsync does (the POSIX minimum).")
  boolean namesWithData;

  @Option(names = "--no-proxy",
      description = "Peers talk to each other directly (no partition/slow faults possible).")
  boolean noProxy;

  @Override
  public Integer call() throws Exception {
    if (peersCount != 3 && peersCount != 5) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--peers-count must be 3 or 5, not " + peersCount);
    }
    if (groups < 1 || groups > dev.raftkv.config.NodeConfig.MAX_GROUPS) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--groups must be from 1 to " + dev.raftkv.config.NodeConfig.MAX_GROUPS + ", not " + groups);
    }
    VerifyRun.Config c = new VerifyRun.Config();
    c.peers = peersCount;
    c.groups = groups;
    c.store = store;
    c.durationSeconds = durationSeconds;
    c.maxOps = maxOps;
    try {
      c.faults = Fault.parse(faults, groups);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
    c.seed = seed != null ? seed : new java.security.SecureRandom().nextLong();
    c.readMode = readMode;
    c.jar = jar != null ? jar : defaultJar();
    if (c.jar == null || !Files.isRegularFile(c.jar)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "runnable jar not found (" + c.jar + "): build it with mvn -q -B package -DskipTests"
              + " or pass --jar");
    }
    c.workDir = workDir;
    c.keepWorkDir = keep;
    c.snapshotThreshold = snapshotThreshold;
    c.serverConfig.putAll(serverConfig);
    c.jvmArgs.addAll(jvmArgs);
    c.proxies = !noProxy;
    c.powerfs = powerfs;
    c.namesWithData = namesWithData;
    String env = System.getenv("RAFTKV_VERIFY_JVM_OPTS");
    if (env != null && !env.isBlank()) {
      c.jvmArgs.addAll(java.util.Arrays.asList(env.trim().split("\\s+")));
    }
    c.workload.registerThreads = clients;
    System.out.println("raft-kv verify: seed " + c.seed + " (rerun with --seed " + c.seed + ")");
    VerifyRun.Report r = new VerifyRun(c).run();
    System.out.println(r.text());
    return r.valid() ? 0 : 1;
  }

  /** The jar this class was loaded from, when it is one; else target/raft-kv.jar. */
  static Path defaultJar() {
    try {
      var src = VerifyCommand.class.getProtectionDomain().getCodeSource();
      if (src != null) {
        Path p = Path.of(src.getLocation().toURI());
        if (Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
          return p;
        }
      }
    } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
      // fall through
    }
    String home = System.getProperty("raftkv.home");
    Path base = home != null ? Path.of(home) : Path.of("");
    return base.resolve("target").resolve("raft-kv.jar").toAbsolutePath();
  }

  /** Runs the command on its own (for development, without the raftkv main class). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new VerifyCommand()).execute(args));
  }
}

package dev.raftkv.cli;

import dev.raftkv.config.ConfigException;
import dev.raftkv.config.NodeConfig;
import dev.raftkv.config.PeersFile;
import dev.raftkv.node.RaftKvNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftkv server}: runs one peer until SIGTERM/SIGINT. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Start one raft-kv peer from a peers file.")
final class ServerCommand implements Callable<Integer> {

  @Option(names = "--id", required = true, description = "This peer's id in the peers file.")
  String id;

  @Option(names = "--peers", required = true, description = "The peers file (ID RAFT_HOST:PORT REDIS_HOST:PORT per line).")
  Path peers;

  @Option(names = "--data-dir", description = "Data directory (default: data/ID under the project root).")
  Path dataDir;

  @Option(names = "--store", description = "rocksdb (default, persistent) or memory.")
  String store;

  @Option(names = "--conf", description = "A properties file (see conf/raftkv.properties).")
  Path conf;

  @Option(names = "-D", mapFallbackValue = "", description = "Set a configuration key: -D key=value.")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--join", description = "Start as a new, empty peer that waits to be added to a "
      + "running cluster with 'raftkv admin add-peer' (the peers file must have this peer's line).")
  boolean join;

  @Option(names = "--force-new-cluster", description = "With empty Raft storage: form a new cluster from"
      + " the peers file at once, without checking that every other peer answers with empty storage"
      + " (by default an empty peer waits until they all do, or rejoins the cluster that exists).")
  boolean forceNewCluster;

  @Option(names = "--verbose", description = "Print stack traces of errors.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (System.getProperty("io.netty.leakDetection.level") == null) {
      // Netty's default samples 1% of buffers with a stack trace each: measurable on the client
      // event loops. Tests run the front end in-JVM with detection on; -D turns it back on here.
      io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
    Map<String, String> flags = new LinkedHashMap<>();
    if (store != null) {
      flags.put(NodeConfig.STORE, store);
    }
    RaftKvNode node;
    try {
      PeersFile peersFile = PeersFile.load(peers);
      NodeConfig config = NodeConfig.build(conf, overrides, flags);
      Path dir = dataDir != null ? dataDir : projectRoot().resolve("data").resolve(id);
      node = RaftKvNode.start(id, peersFile, dir, config, join, forceNewCluster);
    } catch (ConfigException e) {
      System.err.println("raftkv: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      System.err.println("raftkv: " + e.getMessage());
      if (verbose) {
        e.printStackTrace();
      }
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    Thread hook = new Thread(() -> {
      stopping.set(true);
      node.close();
      stopped.countDown();
    }, "shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    // A Raft server that closed itself (e.g. a failed store write) must not leave a zombie peer.
    while (!stopped.await(1, TimeUnit.SECONDS)) {
      if (!stopping.get() && node.formed().isCompletedExceptionally()) {
        System.err.println("raftkv: " + id + ": " + node.formed().handle((v, e) -> e.getMessage()).join()
            + "; exiting");
        return 1;
      }
      if (!stopping.get() && node.raftServer().getLifeCycleState().isClosingOrClosed()) {
        System.err.println("raftkv: " + id + ": the Raft server stopped unexpectedly; exiting");
        return 70;
      }
    }
    return 0;
  }

  /** The project root: -Draftkv.home, else the parent of the jar's target/ directory, else cwd. */
  static Path projectRoot() {
    String home = System.getProperty("raftkv.home");
    if (home != null && !home.isEmpty()) {
      return Paths.get(home);
    }
    try {
      Path jar = Paths.get(ServerCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path dir = jar.getParent();
      if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals("target")
          && Files.exists(dir.getParent().resolve("pom.xml"))) {
        return dir.getParent();
      }
    } catch (Exception e) {
      // fall through to the working directory
    }
    return Paths.get("").toAbsolutePath();
  }
}

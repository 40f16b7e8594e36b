package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The harness end to end (clients, histories, checkers, proxy) against systems whose behaviour is
 * known: one redis-server (linearizable: every verdict must pass) and a redis replica cut off from
 * its master by a {@link LinkProxy} while reads keep going to it (stale: the linearizability
 * checker must object).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkloadsAgainstRedisTest {

  private final List<Process> processes = new ArrayList<>();
  /** redis-server's working dir: a replica writes the master's RDB there (not in the checkout). */
  @org.junit.jupiter.api.io.TempDir
  java.nio.file.Path redisDir;

  @BeforeEach
  void needRedis() {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-server")),
        "redis-server not installed");
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly().waitFor();
    }
  }

  private int redis(String... extra) throws Exception {
    int port = TestPorts.free();
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/redis-server", "--port",
        Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", redisDir.toString()));
    cmd.addAll(List.of(extra));
    processes.add(new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return port;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  private static Workloads.Options smallOptions() {
    Workloads.Options o = new Workloads.Options();
    o.registerThreads = 4;
    o.setThreads = 2;
    o.counterThreads = 2;
    o.opsPerRegisterGeneration = 300;
    o.readTimeoutMs = 2000;
    o.thinkMaxMs = 2;
    o.maxOps = 50_000;
    o.bankThreads = 2;
    o.listThreads = 2;
    o.lockLeaseMs = 200; // stalls of 300-500 ms, so a few stale holders get fenced off
    return o;
  }

  @Test
  void oneRedisServerPassesEveryCheck() throws Exception {
    int port = redis();
    List<Workloads.Endpoint> eps = List.of(
        new Workloads.Endpoint("a", "127.0.0.1", port),
        new Workloads.Endpoint("b", "127.0.0.1", port),
        new Workloads.Endpoint("c", "127.0.0.1", port));
    Workloads w = new Workloads(eps, new History(), smallOptions(), System.out::println);
    w.setUp();
    w.start();
    // Twice a SCRIPT FLUSH: the script workload's EVALSHA meets NOSCRIPT and falls back to EVAL.
    try (RespClient admin = new RespClient("127.0.0.1", port, 1000, 2000)) {
      for (int i = 0; i < 3; i++) {
        Thread.sleep(1000);
        if (i < 2) {
          assertEquals("OK", admin.call("SCRIPT", "FLUSH"));
        }
      }
    }
    w.stop();
    Map<String, Map<String, String>> finals = w.finalReads();

    LinearizabilityChecker.Result lin = new LinearizabilityChecker().check(w.registers.ops());
    SetChecker.Result set = new SetChecker().check(w.sets.ops(), finals);
    CounterChecker.Result ctr = new CounterChecker().check(w.counters.ops());
    BankChecker.Result bank = new BankChecker(w.accounts(), w.bankTotal()).check(w.bank.ops());
    ListAppendChecker.Result lists = new ListAppendChecker().check(w.lists.ops());
    QueueChecker.Result queue = new QueueChecker().check(w.queues.ops(), w.finalQueues());
    FencingChecker.Result fencing = new FencingChecker(w.lockKey(), w.resourceKey())
        .check(w.scripts.ops(), w.finalFencing());
    System.out.println(lin.report() + "\n" + set.report() + "\n" + ctr.report() + "\n"
        + bank.report() + "\n" + lists.report() + "\n" + queue.report() + "\n"
        + fencing.report() + "\nEVALSHA -> NOSCRIPT -> EVAL: " + w.scriptFallbacks());
    assertTrue(lin.valid(), lin.report());
    assertTrue(lin.operations() > 500, "too few operations: " + lin.operations());
    assertTrue(set.valid(), set.report());
    assertTrue(set.acknowledged() > 100, set.report());
    assertTrue(ctr.valid(), ctr.report());
    assertTrue(bank.valid(), bank.report());
    assertTrue(bank.committed() > 20 && bank.reads() > 20, bank.report());
    assertTrue(lists.valid(), lists.report());
    assertTrue(lists.acknowledged() > 100 && lists.reads() > 100, lists.report());
    assertTrue(queue.valid(), queue.report());
    assertTrue(queue.acknowledged() > 50 && queue.delivered() > 50, queue.report());
    assertTrue(fencing.valid(), fencing.report());
    assertTrue(fencing.acquired() > 50 && fencing.accepted() > 50 && fencing.releases() > 50,
        fencing.report());
    assertTrue(fencing.rejected() > 0, "no stale holder was fenced off: " + fencing.report());
    assertTrue(w.scriptFallbacks() > 0, "SCRIPT FLUSH did not make EVALSHA fall back to EVAL");
    assertEquals(0, w.unexpectedErrors(), w.unexpectedSamples().toString());
  }

  @Test
  void aResourceWithoutTheFenceLetsAStaleHolderWriteAndTheCheckerSeesIt() throws Exception {
    int port = redis();
    List<Workloads.Endpoint> eps = List.of(
        new Workloads.Endpoint("a", "127.0.0.1", port),
        new Workloads.Endpoint("b", "127.0.0.1", port));
    Workloads.Options o = smallOptions();
    o.registerThreads = 0;
    o.setThreads = 0;
    o.counterThreads = 0;
    o.bankThreads = 0;
    o.listThreads = 0;
    o.queueThreads = 0;
    o.scriptThreads = 2;
    o.lockStallOneIn = 10;
    o.lockUnfenced = true;
    Workloads w = new Workloads(eps, new History(), o, System.out::println);
    w.start();
    Thread.sleep(3000);
    w.stop();
    FencingChecker.Result r = new FencingChecker(w.lockKey(), w.resourceKey())
        .check(w.scripts.ops(), w.finalFencing());
    System.out.println(r.report().lines().limit(10).reduce("", (a, b) -> a + "\n" + b));
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("token decreases on the resource"), r.report());
    assertEquals(0, w.unexpectedErrors(), w.unexpectedSamples().toString());
  }

  @Test
  void replicaCutOffFromItsMasterServesStaleReadsAndTheCheckerSeesThem() throws Exception {
    int master = redis();
    int proxyPort = TestPorts.free();
    try (LinkProxy link = new LinkProxy("replica->master",
        new InetSocketAddress("127.0.2.1", proxyPort),
        new InetSocketAddress("127.0.0.1", master))) {
      int replica = redis("--replicaof", "127.0.2.1", Integer.toString(proxyPort));
      // Wait until the replica has synced.
      try (RespClient m = new RespClient("127.0.0.1", master, 1000, 2000);
          RespClient r = new RespClient("127.0.0.1", replica, 1000, 2000)) {
        m.call("SET", "sync-probe", "1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"1".equals(r.call("GET", "sync-probe"))) {
          assertTrue(System.nanoTime() < deadline, "replica did not sync");
          Thread.sleep(100);
        }
      }
      List<Workloads.Endpoint> eps = List.of(
          new Workloads.Endpoint("master", "127.0.0.1", master),
          new Workloads.Endpoint("replica", "127.0.0.1", replica));
      Workloads.Options o = smallOptions();
      o.setThreads = 0;
      o.counterThreads = 0;
      o.bankThreads = 0;
      o.listThreads = 0;
      o.queueThreads = 0;
      o.scriptThreads = 0;
      Workloads w = new Workloads(eps, new History(), o, s -> { });
      w.start();
      Thread.sleep(1000);
      link.cut();
      Thread.sleep(3000);
      w.stop();
      LinearizabilityChecker.Result lin = new LinearizabilityChecker().check(w.registers.ops());
      System.out.println(lin.report().lines().limit(40).reduce("", (a, b) -> a + "\n" + b));
      assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, lin.verdict());
    }
  }
}

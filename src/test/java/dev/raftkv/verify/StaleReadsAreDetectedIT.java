package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.verify.LocalCluster.Peer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The mutation test: proves the pipeline can see a consistency bug. Peers started with {@code
 * raftkv.read.mode=stale} answer GET from their local state machine without ReadIndex. A follower
 * is cut off from the others while clients keep writing through the majority and reading from
 * every peer, so the isolated follower answers reads with values the majority has overwritten:
 * the checker must report the history as not linearizable. The same scenario with the default
 * (linearizable) reads must pass, so the failure is caused by the broken mode, not the scenario.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StaleReadsAreDetectedIT {

  private static LinearizabilityChecker.Result isolateAFollowerUnderLoad(String readMode)
      throws Exception {
    LocalCluster.Options o = new LocalCluster.Options();
    o.peers = 3;
    o.store = "memory";
    o.jar = ItSupport.jar();
    Files.createDirectories(ItSupport.workDir());
    o.workDir = Files.createTempDirectory(ItSupport.workDir(), "stale-" + readMode + "-");
    o.config.put("raftkv.read.mode", readMode);
    try (LocalCluster cluster = new LocalCluster(o)) {
      cluster.startAll();
      Peer leader = cluster.awaitLeader(90_000);
      cluster.awaitHealthy(90_000);
      Peer follower = cluster.peers().stream().filter(p -> p != leader).findFirst().get();

      List<Workloads.Endpoint> eps = new ArrayList<>();
      for (Peer p : cluster.peers()) {
        eps.add(new Workloads.Endpoint(p.id, "127.0.0.1", p.redisPort));
      }
      Workloads.Options wo = new Workloads.Options();
      wo.registerThreads = 6;
      wo.setThreads = 0;
      wo.counterThreads = 0;
      wo.opsPerRegisterGeneration = 300;
      wo.readTimeoutMs = 3000;
      wo.maxOps = 60_000;
      History clock = new History();
      Workloads w = new Workloads(eps, clock, wo, System.out::println);
      w.start();
      Thread.sleep(3000);
      System.out.println("isolating follower " + follower.id + " (leader " + leader.id + ")");
      cluster.isolate(follower);
      Thread.sleep(7000);
      cluster.heal();
      Thread.sleep(2000);
      w.stop();
      assertTrue(cluster.collectCrashes().isEmpty(), "a peer crashed");
      LinearizabilityChecker.Result r = new LinearizabilityChecker().check(w.registers.ops());
      System.out.println("read mode " + readMode + ": " + r.report());
      long okReads = w.registers.ops().stream()
          .filter(op -> op.type() == Op.Type.OK && op.f() == Op.F.READ).count();
      assertTrue(okReads > 200, "too few successful reads to judge: " + okReads);
      return r;
    }
  }

  @Test
  void staleReadModeIsCaughtByTheChecker() throws Exception {
    LinearizabilityChecker.Result r = isolateAFollowerUnderLoad("stale");
    assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, r.verdict(),
        "the harness did not notice stale reads: " + r.report());
  }

  @Test
  void theSameScenarioWithLinearizableReadsPasses() throws Exception {
    LinearizabilityChecker.Result r = isolateAFollowerUnderLoad("linearizable");
    assertEquals(LinearizabilityChecker.Verdict.LINEARIZABLE, r.verdict(), r.report());
  }
}

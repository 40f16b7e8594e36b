package dev.raftkv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RatisKeysTest {
  @Test
  void theKeysRaftKvAndItsDocsUseAreRatisKeys() {
    assertTrue(RatisKeys.all().size() > 100, "Ratis' keys were not found: " + RatisKeys.all());
    for (String k : List.of("raft.server.rpc.timeout.min", "raft.server.log.segment.size.max",
        "raft.server.log.log-metadata.enabled", "raft.server.log.append-entries.compose.enabled",
        "raft.grpc.server.leader.outstanding.appends.max", "raft.grpc.message.size.max",
        "raft.server.log.corruption.policy", "raft.server.snapshot.trigger-when-stop.enabled",
        "raft.server.log.purge.upto.snapshot.index", "raft.server.read.leader.lease.enabled",
        "raft.client.rpc.request.timeout")) {
      assertTrue(RatisKeys.known(k), k);
    }
  }

  @Test
  void aMisspeltRatisKeyIsRefusedWithTheKeyItProbablyMeant() throws Exception {
    ConfigException e = assertThrows(ConfigException.class,
        () -> NodeConfig.build(null, Map.of("raft.server.log-metadata.enabled", "false"), Map.of()));
    assertEquals("-D raft.server.log-metadata.enabled: unknown Ratis configuration key (did you mean"
        + " raft.server.log.log-metadata.enabled?); Ratis would ignore it", e.getMessage());
    ConfigException far = assertThrows(ConfigException.class,
        () -> NodeConfig.build(null, Map.of("raft.nothing.like.it", "1"), Map.of()));
    assertEquals("-D raft.nothing.like.it: unknown Ratis configuration key; Ratis would ignore it",
        far.getMessage());
    // a known one is handed to Ratis
    assertEquals("false", NodeConfig.build(null, Map.of("raft.server.log.log-metadata.enabled", "false"),
        Map.of()).raftProperties().get("raft.server.log.log-metadata.enabled"));
  }
}

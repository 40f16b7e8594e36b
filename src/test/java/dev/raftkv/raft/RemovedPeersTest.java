package dev.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemovedPeersTest {
  @TempDir
  Path dir;

  private static RaftConfigurationProto conf(List<String> voters, List<String> listeners, List<String> old) {
    RaftConfigurationProto.Builder b = RaftConfigurationProto.newBuilder();
    voters.forEach(v -> b.addPeers(peer(v)));
    listeners.forEach(v -> b.addListeners(peer(v)));
    old.forEach(v -> b.addOldPeers(peer(v)));
    return b.build();
  }

  private static RaftPeerProto peer(String id) {
    return RaftPeerProto.newBuilder().setId(ByteString.copyFromUtf8(id)).setAddress("127.0.0.1:1").build();
  }

  @Test
  void aVoterLeftOutOfTheNextConfigurationIsRemovedUntilItIsAMemberAgain() throws Exception {
    RemovedPeers r = new RemovedPeers();
    assertEquals(Set.of(), r.apply(conf(List.of("n1", "n2", "n3"), List.of(), List.of())));
    // joint consensus names the old voters; n3 is in neither the new voters nor the listeners
    assertEquals(Set.of("n3"), r.apply(conf(List.of("n1", "n2"), List.of(), List.of("n1", "n2", "n3"))));
    assertEquals(Set.of(), r.apply(conf(List.of("n1", "n2"), List.of(), List.of())));
    assertEquals(List.of("n3"), r.list());
    // a voter demoted to listener is still a member
    assertEquals(Set.of(), r.apply(conf(List.of("n1"), List.of("n2"), List.of())));
    assertEquals(List.of("n3"), r.list());
    // back as a member: no longer removed
    r.apply(conf(List.of("n1", "n3"), List.of("n2"), List.of()));
    assertEquals(List.of(), r.list());
  }

  @Test
  void theIdsTravelInASnapshotDirectory() throws Exception {
    RemovedPeers r = new RemovedPeers();
    r.apply(conf(List.of("a", "b", "c", "d"), List.of(), List.of()));
    r.apply(conf(List.of("a", "b"), List.of(), List.of()));
    r.save(dir);
    RemovedPeers restored = new RemovedPeers();
    restored.apply(conf(List.of("x"), List.of(), List.of()));
    restored.load(dir);
    assertEquals(List.of("c", "d"), restored.list());
    restored.load(null);
    assertEquals(List.of(), restored.list());
  }
}

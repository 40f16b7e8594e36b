package dev.raftkv.raft;

import dev.raftkv.util.Dirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;

/**
 * Ids of voters that were removed from a group's configuration and are not members now, derived
 * from the configuration entries the peer applied (in log order, the same on every peer) and
 * carried in every snapshot ({@value #FILE}), so a peer that catches up by snapshot or restarts
 * knows them too. {@code raftkv admin add-peer} refuses these ids.
 */
final class RemovedPeers {
  static final String FILE = "raftkv-removed-peers";

  private final ConcurrentSkipListSet<String> removed = new ConcurrentSkipListSet<>();
  /** The voters of the last configuration entry applied (on this run of the peer). */
  private Set<String> lastVoters = Set.of();

  /** The ids, sorted. */
  List<String> list() {
    return List.copyOf(removed);
  }

  /**
   * Takes a configuration entry (on the apply thread, also on replay); returns the ids it removed.
   */
  Set<String> apply(RaftConfigurationProto conf) {
    Set<String> voters = new HashSet<>();
    conf.getPeersList().forEach(p -> voters.add(p.getId().toStringUtf8()));
    Set<String> members = new HashSet<>(voters);
    conf.getListenersList().forEach(p -> members.add(p.getId().toStringUtf8()));
    Set<String> gone = new TreeSet<>();
    conf.getOldPeersList().forEach(p -> gone.add(p.getId().toStringUtf8()));
    gone.addAll(lastVoters);
    gone.removeAll(members);
    removed.removeAll(members);
    removed.addAll(gone);
    lastVoters = voters;
    return gone;
  }

  /** Replaces the ids with those of a snapshot directory (none when it is null or has no file). */
  void load(Path snapshotDir) throws IOException {
    removed.clear();
    Path file = snapshotDir == null ? null : snapshotDir.resolve(FILE);
    if (file != null && Files.isRegularFile(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          removed.add(line.strip());
        }
      }
    }
  }

  /** Writes the ids into a snapshot being made, durably. */
  void save(Path snapshotDir) throws IOException {
    Path file = snapshotDir.resolve(FILE);
    Files.write(file, removed, StandardCharsets.UTF_8);
    Dirs.fsync(file);
  }
}

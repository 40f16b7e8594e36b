package dev.raftkv.raft;

import dev.raftkv.util.Dirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeding a new peer from a backup. {@code raftkv admin restore} checks the backup and copies it
 * into {@code DATA_DIR/}{@value #DIR}; when the peer starts, before Ratis opens its log, the state
 * machine turns it into its first snapshot, at the backup's index with term 1. The peer's store
 * then starts from the backup's state and its (empty) Raft log continues after that index; a
 * cluster whose peers are all seeded from the same backup starts as if its history up to the
 * backup's index had been applied, and its first leader's term (1 or more) is not below the
 * snapshot's.
 */
public final class Restore {
  private static final Logger LOG = LoggerFactory.getLogger(Restore.class);
  /** Where a restored backup waits for the peer's first start, inside the data directory. */
  public static final String DIR = "restore";

  private Restore() {}

  /**
   * Checks the backup in {@code backup} and copies it into {@code dataDir}/{@value #DIR}. The data
   * directory must be new (absent or empty): a restore never replaces a peer's state.
   */
  public static BackupManifest prepare(Path backup, Path dataDir) throws IOException {
    BackupManifest m = BackupManifest.read(backup);
    List<String> problems = m.verify(backup);
    if (!problems.isEmpty()) {
      throw new IOException(backup + " is damaged, not restoring it: " + String.join("; ", problems));
    }
    if (Files.exists(dataDir)) {
      try (Stream<Path> s = Files.list(dataDir)) {
        if (s.findAny().isPresent()) {
          throw new IOException(dataDir + " is not empty: a restore seeds a new peer; give it an empty"
              + " or new data directory");
        }
      }
    }
    Path target = dataDir.resolve(DIR);
    Path tmp = dataDir.resolve(DIR + ".tmp");
    Files.createDirectories(tmp);
    for (BackupManifest.FileEntry f : m.files()) {
      Files.copy(backup.resolve(f.name()), tmp.resolve(f.name()), StandardCopyOption.REPLACE_EXISTING);
      Dirs.fsync(tmp.resolve(f.name()));
    }
    m.write(tmp); // last: the copy is complete
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    Dirs.fsync(dataDir);
    return m;
  }

  /**
   * Before the peer starts anything: a prepared restore it could never seed from (another store
   * kind, a damaged copy) stops the start at once, with the reason, instead of later in the Raft
   * group's start.
   */
  public static void check(String peerId, Path dataDir, String storeKind) throws IOException {
    Path restore = dataDir.resolve(DIR);
    if (!Files.isDirectory(restore)) {
      return;
    }
    BackupManifest m = BackupManifest.read(restore);
    sameStore(peerId, restore, m, storeKind);
    List<String> problems = m.verify(restore);
    if (!problems.isEmpty()) {
      throw new IOException(peerId + ": the backup in " + restore + " is damaged: " + String.join("; ", problems));
    }
  }

  private static void sameStore(String peerId, Path restore, BackupManifest m, String storeKind)
      throws IOException {
    if (!m.store().equals(storeKind)) {
      throw new IOException(peerId + ": the backup in " + restore + " is of a " + m.store()
          + " store but this peer runs " + storeKind + ": start it with --store " + m.store());
    }
  }

  /**
   * On start, before the log is opened: turns a prepared restore into this peer's first snapshot.
   * Refuses (the peer does not start) when the peer already has Raft state or runs another store
   * kind than the backup's.
   */
  static void seed(String peerId, Path restore, String storeKind, SnapshotDirs snapshots, Path raftCurrentDir)
      throws IOException {
    if (!Files.isDirectory(restore)) {
      return;
    }
    BackupManifest m = BackupManifest.read(restore);
    // Term 1, whatever the backup's term: the new cluster's terms start again at 1 and must never
    // be below its log's last term; and Ratis treats a last entry of term 0 as an empty log, whose
    // voters a candidate with commits (ours: the snapshot) does not count.
    TermIndex ti = TermIndex.valueOf(1, m.index());
    SnapshotDirs.Snapshot latest = snapshots.latest();
    if (latest != null && latest.termIndex().equals(ti)) {
      Dirs.deleteRecursively(restore); // seeded before; the peer stopped before removing the copy
      return;
    }
    if (latest != null || hasLog(raftCurrentDir)) {
      throw new IOException(peerId + ": " + restore + " holds a backup to seed this peer from, but the"
          + " peer already has Raft state (a log or snapshots): a backup only seeds a new peer. Start"
          + " with an empty data directory, or remove " + restore);
    }
    sameStore(peerId, restore, m, storeKind);
    // its sums were checked before the peer started anything (check, called by node.RaftKvNode):
    // hashing the backup again here would only double the start's I/O
    Path tmp = snapshots.newTemp(ti);
    Files.createDirectories(tmp);
    for (BackupManifest.FileEntry f : m.files()) {
      Files.copy(restore.resolve(f.name()), tmp.resolve(f.name()));
      Dirs.fsync(tmp.resolve(f.name()));
    }
    snapshots.publish(tmp, ti, m.store());
    Dirs.deleteRecursively(restore);
    LOG.info("{}: seeded from the backup taken on {} at index {} (term {}, {}): the store starts at index {},"
        + " the Raft log continues after it", peerId, m.source(), m.index(), m.term(), m.created(), m.index());
  }

  private static boolean hasLog(Path currentDir) throws IOException {
    if (!Files.isDirectory(currentDir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(currentDir)) {
      return s.anyMatch(p -> p.getFileName().toString().startsWith("log_"));
    }
  }
}

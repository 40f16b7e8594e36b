package dev.raftkv.raft;

import dev.raftkv.util.Dirs;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Snapshots on disk: one directory {@code snapshot.TERM_INDEX} per snapshot inside Ratis'
 * state-machine directory, holding the store's checkpoint files and, written last, a manifest.
 * A directory without a manifest is incomplete and ignored. Ratis ships these files to a follower
 * that needs an install and replaces the follower's whole state-machine directory with them, so
 * the live store never lives here.
 */
final class SnapshotDirs implements StateMachineStorage {
  static final String MANIFEST = "raftkv-snapshot.properties";
  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");

  /** A complete snapshot on disk. */
  record Snapshot(Path dir, TermIndex termIndex) {}

  private final int retain;
  private volatile Path smDir;
  /**
   * {@link #getLatestSnapshot} is asked on every round of Ratis' apply loop, by the leader's log
   * appenders and for every append a follower receives: its answer is kept until
   * {@link #invalidate} is called. Every change of the directory calls it: publishing and cleaning
   * up here, and loading after an install (Ratis moves an installed snapshot into place while the
   * state machine is paused, and counts that snapshot itself until it reinitializes the state
   * machine). A lookup that raced with an invalidation is not kept (the generation moved on).
   */
  private final AtomicLong generation = new AtomicLong();
  private volatile Cached cached;

  private record Cached(long generation, SnapshotInfo info) {}

  SnapshotDirs(int retain) {
    this.retain = retain;
  }

  @Override
  public void init(RaftStorage raftStorage) throws IOException {
    smDir = raftStorage.getStorageDir().getStateMachineDir().toPath();
    Files.createDirectories(smDir);
    invalidate();
  }

  Path dir() {
    return smDir;
  }

  /** Every complete snapshot, newest first. */
  List<Snapshot> list() {
    List<Snapshot> found = new ArrayList<>();
    Path d = smDir;
    if (d == null || !Files.isDirectory(d)) {
      return found;
    }
    try (Stream<Path> s = Files.list(d)) {
      s.forEach(p -> {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches() && Files.isRegularFile(p.resolve(MANIFEST))) {
          found.add(new Snapshot(p,
              TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)))));
        }
      });
    } catch (IOException e) {
      throw new IllegalStateException("cannot list snapshots in " + d + ": " + e.getMessage(), e);
    }
    found.sort(Comparator.comparing(Snapshot::termIndex).reversed());
    return found;
  }

  Snapshot latest() {
    List<Snapshot> all = list();
    return all.isEmpty() ? null : all.get(0);
  }

  /** Forgets the cached answer of {@link #getLatestSnapshot}. */
  void invalidate() {
    generation.incrementAndGet();
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    long gen = generation.get();
    Cached c = cached;
    if (c != null && c.generation() == gen) {
      return c.info();
    }
    SnapshotInfo info = readLatest();
    cached = new Cached(gen, info);
    return info;
  }

  private SnapshotInfo readLatest() {
    Snapshot s = latest();
    if (s == null) {
      return null;
    }
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> walk = Files.list(s.dir())) {
      walk.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().endsWith(".md5"))
          .sorted()
          .forEach(p -> files.add(new FileInfo(p.toAbsolutePath(), null)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot list snapshot " + s.dir() + ": " + e.getMessage(), e);
    }
    return new FileListSnapshotInfo(files, s.termIndex());
  }

  /** A fresh temporary directory path (not created) to build a snapshot in. */
  Path newTemp(TermIndex ti) throws IOException {
    Path tmp = smDir.resolve("tmp.snapshot." + ti.getTerm() + "_" + ti.getIndex());
    Dirs.deleteRecursively(tmp);
    return tmp;
  }

  /** Seals a snapshot built in {@code tmp}: writes the manifest, then renames it into place. */
  Snapshot publish(Path tmp, TermIndex ti, String storeKind) throws IOException {
    Path manifest = tmp.resolve(MANIFEST);
    String text = "term=" + ti.getTerm() + "\nindex=" + ti.getIndex() + "\nstore=" + storeKind + "\n";
    try (OutputStream out = Files.newOutputStream(manifest)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    // the log is purged behind this snapshot: it must be on disk before it is published
    Dirs.fsync(manifest);
    Dirs.fsync(tmp);
    Path target = smDir.resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex());
    Dirs.deleteRecursively(target);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    Dirs.fsync(smDir);
    invalidate();
    cleanup();
    return new Snapshot(target, ti);
  }

  /** Keeps the newest {@code retain} snapshots and removes leftovers of interrupted ones. */
  void cleanup() throws IOException {
    invalidate();
    List<Snapshot> all = list();
    for (int i = retain; i < all.size(); i++) {
      Dirs.deleteRecursively(all.get(i).dir());
    }
    try (Stream<Path> s = Files.list(smDir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith("tmp.snapshot.")
            || (NAME.matcher(name).matches() && !Files.exists(p.resolve(MANIFEST)))) {
          Dirs.deleteRecursively(p);
        }
      }
    }
  }

  @Override
  public void format() {}

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    cleanup();
  }

  @Override
  public File getSnapshotDir() {
    return smDir == null ? null : smDir.toFile();
  }

}

package dev.raftkv.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * Makes a directory's entries durable when they changed: a file created or renamed in it is only
 * certain to survive a power loss once the directory itself is fsync'd (POSIX promises no more;
 * ext4 and xfs usually commit the name with the file's first fdatasync, but durability must not
 * depend on that). One stat per call; an fsync only after the directory's mtime moved.
 */
public final class DirSync {
  private final Path dir;
  private volatile FileTime synced;
  private final java.util.concurrent.atomic.AtomicLong syncs = new java.util.concurrent.atomic.AtomicLong();

  public DirSync(Path dir) {
    this.dir = dir;
  }

  public void syncIfChanged() throws IOException {
    FileTime m = Files.getLastModifiedTime(dir);
    if (!m.equals(synced)) {
      Dirs.fsync(dir); // a change after the stat moves the mtime again: the next call syncs it
      synced = m;
      syncs.incrementAndGet();
    }
  }

  /** How many times the directory was fsync'd. */
  public long syncs() {
    return syncs.get();
  }

  /** Fsyncs {@code dir} and its ancestors (a new directory's name lives in its parent). */
  public static void syncWithParents(Path dir, int levels) throws IOException {
    Path p = dir.toAbsolutePath().normalize();
    for (int i = 0; i <= levels && p != null; i++, p = p.getParent()) {
      if (Files.isDirectory(p)) {
        Dirs.fsync(p);
      }
    }
  }
}

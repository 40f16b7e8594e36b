package org.apache.ratis.util;

import java.io.File;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * raft-kv's replacement for Ratis 3.3.0's class of this name (same package, same public API; the
 * project's classes come first on every class path, and {@code AtomicFileReplaceTest} checks that
 * this one is loaded). Ratis writes its term and vote ({@code raft-meta}) and its configuration
 * ({@code raft-meta.conf}) through it: into a temporary file, fsync'd, then renamed over the old
 * one. Ratis' version never fsyncs the directory after the rename, so after a power loss the old
 * file can come back (raft-kv's power-loss harness saw the {@code raft-meta.conf} rename undone),
 * and a peer could forget a vote it had already sent. This one fsyncs the directory after the
 * rename, before {@link #close} returns, so the vote is durable before Ratis replies with it.
 * Drop it once Ratis syncs the directory itself.
 */
public final class AtomicFileOutputStream extends FilterOutputStream {
  public static final String TMP_EXTENSION = ".tmp";

  private final File outFile;
  private final File tmpFile;
  private final FileChannel channel;
  private final AtomicBoolean closed = new AtomicBoolean();

  public static File getTemporaryFile(File outFile) {
    return new File(outFile.getParentFile(), outFile.getName() + TMP_EXTENSION);
  }

  public AtomicFileOutputStream(File outFile) throws IOException {
    this(outFile, getTemporaryFile(outFile));
  }

  public AtomicFileOutputStream(File outFile, File tmpFile) throws IOException {
    this(outFile.getAbsoluteFile(), tmpFile.getAbsoluteFile(), FileChannel.open(tmpFile.toPath(),
        StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
  }

  private AtomicFileOutputStream(File outFile, File tmpFile, FileChannel channel) {
    super(Channels.newOutputStream(channel));
    this.outFile = outFile;
    this.tmpFile = tmpFile;
    this.channel = channel;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Makes the new contents durable under the final name: fsync, rename, fsync the directory. */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      out.flush();
      channel.force(true);
      out.close();
      Files.move(tmpFile.toPath(), outFile.toPath(), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      try (FileChannel dir = FileChannel.open(outFile.getParentFile().toPath(), StandardOpenOption.READ)) {
        dir.force(true);
      }
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(tmpFile.toPath());
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Closes without replacing the destination, and deletes the temporary file. */
  public void abort() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      out.close();
    } catch (IOException ignored) {
      // nothing was committed
    }
    try {
      Files.deleteIfExists(tmpFile.toPath());
    } catch (IOException ignored) {
      // a stale temporary file is overwritten by the next write
    }
  }
}

package dev.raftkv.raft;

import dev.raftkv.store.Store;
import dev.raftkv.util.Dirs;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer's side of {@code raftkv admin backup}: requests arrive as Ratis stale-read messages
 * (over the Raft port, like every admin operation), never over RESP; {@code create} first waits
 * for a read index confirmed by the leader after it arrived ({@link KvStateMachine#query}).
 *
 * <ul>
 *   <li>{@code create}: writes a checkpoint of the store (RocksDB checkpoint or memory dump) into
 *       {@code DATA_DIR/backups/NAME} while no batch is half-applied, so it is exactly the state
 *       at the store's applied index; answers the copy's name, a newline and its manifest (index,
 *       term, files, SHA-256).
 *   <li>{@code read NAME FILE OFFSET LENGTH}: up to {@value #MAX_CHUNK} bytes of one file of a
 *       backup; only files of the listing, by plain name.
 *   <li>{@code release NAME}: deletes the peer's copy.
 * </ul>
 * One request runs at a time, on a thread of its own. Copies not released (the admin tool died)
 * are deleted after an hour, and all of them when the peer starts.
 */
final class BackupService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);
  static final int MAX_CHUNK = 1 << 20;
  private static final Pattern NAME = Pattern.compile("backup-\\d+_\\d+-\\d+");
  private static final long STALE_MILLIS = 3_600_000;

  private final String peerId;
  private final Path root;
  private final ExecutorService executor;

  BackupService(String peerId, Path root) {
    this.peerId = peerId;
    this.root = root;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, peerId + "-backup");
      t.setDaemon(true);
      return t;
    });
    try {
      Dirs.deleteRecursively(root); // copies of an earlier run are never released now
    } catch (IOException e) {
      LOG.warn("{}: cannot clean up old backup copies in {}: {}", peerId, root, e.toString());
    }
  }

  /** Whether a request (without its first byte) must first see everything acknowledged so far. */
  static boolean needsReadPoint(byte[] request) {
    return new String(request, StandardCharsets.UTF_8).split(" ", 2)[0].equals("create");
  }

  /** Answers one admin message (without its first byte) asynchronously. */
  CompletableFuture<byte[]> handle(byte[] request, Store store,
      Function<Function<Store, BackupManifest>, BackupManifest> underReadLock) {
    return CompletableFuture.supplyAsync(() -> {
      String[] a = new String(request, StandardCharsets.UTF_8).split(" ");
      try {
        return switch (a[0]) {
          case "create" -> create(store, underReadLock).getBytes(StandardCharsets.UTF_8);
          case "read" -> read(a);
          case "release" -> release(a);
          default -> throw new IllegalArgumentException("unknown backup request '" + a[0] + "'");
        };
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(peerId + ": " + e.getMessage(), e);
      }
    }, executor);
  }

  /** Makes a copy; answers its name, a newline, then its manifest. */
  private String create(Store store, Function<Function<Store, BackupManifest>, BackupManifest> locked)
      throws IOException {
    removeStale();
    Files.createDirectories(root);
    long t0 = System.nanoTime();
    Path tmp = root.resolve("tmp-" + System.nanoTime());
    // Under the state machine's read lock no batch commits meanwhile: the copy and the applied
    // index read beside it describe the same state.
    BackupManifest bare = locked.apply(s -> {
      try {
        s.checkpoint(tmp);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return new BackupManifest(s.appliedTerm(), s.appliedIndex(), s.kind(), peerId,
          Instant.now().toString(), List.of());
    });
    long copied = System.nanoTime();
    Path dir = root.resolve("backup-" + bare.term() + "_" + bare.index() + "-" + System.currentTimeMillis());
    Files.move(tmp, dir);
    List<BackupManifest.FileEntry> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s.sorted()::iterator) {
        String name = p.getFileName().toString();
        if (!Files.isRegularFile(p) || !BackupManifest.safeName(name)) {
          throw new IOException("unexpected entry in the checkpoint: " + name);
        }
        files.add(new BackupManifest.FileEntry(name, Files.size(p), BackupManifest.sha256(p)));
      }
    }
    BackupManifest m = new BackupManifest(bare.term(), bare.index(), bare.store(), bare.source(),
        bare.created(), List.copyOf(files));
    m.write(dir);
    LOG.info("{}: backup copy {} at index {} (term {}): {} files, {} bytes; checkpoint {} ms, checksums {} ms",
        peerId, dir.getFileName(), m.index(), m.term(), files.size(), m.totalBytes(),
        (copied - t0) / 1_000_000, (System.nanoTime() - copied) / 1_000_000);
    return dir.getFileName() + "\n" + m.toText();
  }

  private Path backupDir(String name) throws IOException {
    if (!NAME.matcher(name).matches() || !Files.isDirectory(root.resolve(name))) {
      throw new IOException("no backup copy named '" + name + "' on this peer");
    }
    return root.resolve(name);
  }

  private byte[] read(String[] a) throws IOException {
    if (a.length != 5) {
      throw new IOException("usage: read NAME FILE OFFSET LENGTH");
    }
    Path dir = backupDir(a[1]);
    BackupManifest m = BackupManifest.read(dir);
    BackupManifest.FileEntry f = m.files().stream().filter(e -> e.name().equals(a[2])).findFirst()
        .orElseThrow(() -> new IOException("backup " + a[1] + " has no file '" + a[2] + "'"));
    long offset;
    long wanted;
    try {
      offset = Long.parseLong(a[3]);
      wanted = Long.parseLong(a[4]);
    } catch (NumberFormatException e) {
      throw new IOException("bad offset or length");
    }
    if (offset < 0 || wanted < 0) {
      throw new IOException("bad offset or length");
    }
    int length = (int) Math.min(Math.min(wanted, MAX_CHUNK), Math.max(0, f.size() - offset));
    byte[] b = new byte[length];
    try (RandomAccessFile in = new RandomAccessFile(dir.resolve(f.name()).toFile(), "r")) {
      in.seek(offset);
      in.readFully(b);
    }
    return b;
  }

  private byte[] release(String[] a) throws IOException {
    if (a.length != 2) {
      throw new IOException("usage: release NAME");
    }
    Dirs.deleteRecursively(backupDir(a[1]));
    return "OK".getBytes(StandardCharsets.US_ASCII);
  }

  private void removeStale() throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    long cutoff = System.currentTimeMillis() - STALE_MILLIS;
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.getLastModifiedTime(p).toMillis() < cutoff || p.getFileName().toString().startsWith("tmp-")) {
          Dirs.deleteRecursively(p);
        }
      }
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}

package dev.raftkv.raft;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The manifest of a backup: the Raft index and term the copy is at, the store kind, where and
 * when it was taken, and every file with its size and SHA-256. Stored as {@value #FILE} (a
 * properties file) beside the files; it is written last, so a directory without it is an
 * incomplete backup.
 */
public record BackupManifest(long term, long index, String store, String source, String created,
    List<FileEntry> files) {
  public static final String FILE = "raftkv-backup.properties";
  static final int FORMAT = 1;
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,199}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** One file of the backup. */
  public record FileEntry(String name, long size, String sha256) {}

  /** A plain file name (no directory part, no "..") that may appear in a backup. */
  public static boolean safeName(String name) {
    return SAFE_NAME.matcher(name).matches() && !name.equals(FILE);
  }

  public long totalBytes() {
    return files.stream().mapToLong(FileEntry::size).sum();
  }

  public String toText() {
    StringBuilder sb = new StringBuilder("# raft-kv backup manifest; the files' SHA-256 sums are checked by"
        + " 'raftkv admin verify-backup'\n");
    sb.append("format=").append(FORMAT).append('\n')
        .append("term=").append(term).append('\n')
        .append("index=").append(index).append('\n')
        .append("store=").append(store).append('\n')
        .append("source=").append(source).append('\n')
        .append("created=").append(created).append('\n')
        .append("files=").append(files.size()).append('\n');
    for (int i = 0; i < files.size(); i++) {
      FileEntry f = files.get(i);
      sb.append("file.").append(i).append('=').append(f.sha256()).append(' ').append(f.size()).append(' ')
          .append(f.name()).append('\n');
    }
    return sb.toString();
  }

  public static BackupManifest parse(String text) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(text));
    try {
      if (Integer.parseInt(required(p, "format")) != FORMAT) {
        throw new IOException("unsupported backup manifest format " + p.getProperty("format"));
      }
      int n = Integer.parseInt(required(p, "files"));
      List<FileEntry> files = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String[] f = required(p, "file." + i).split(" ", 3);
        if (f.length != 3 || !SHA256.matcher(f[0]).matches() || !safeName(f[2])) {
          throw new IOException("malformed entry file." + i);
        }
        files.add(new FileEntry(f[2], Long.parseLong(f[1]), f[0]));
      }
      String store = required(p, "store");
      if (!store.equals("rocksdb") && !store.equals("memory")) {
        throw new IOException("unknown store kind '" + store + "'");
      }
      return new BackupManifest(Long.parseLong(required(p, "term")), Long.parseLong(required(p, "index")),
          store, p.getProperty("source", "?"), p.getProperty("created", "?"), List.copyOf(files));
    } catch (NumberFormatException e) {
      throw new IOException("malformed backup manifest: " + e.getMessage());
    }
  }

  private static String required(Properties p, String key) throws IOException {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IOException("backup manifest has no '" + key + "'");
    }
    return v.strip();
  }

  /** Reads {@code dir}/{@value #FILE}; fails with a message naming the directory. */
  public static BackupManifest read(Path dir) throws IOException {
    Path f = dir.resolve(FILE);
    if (!Files.isRegularFile(f)) {
      throw new IOException(dir + " is not a complete raft-kv backup: it has no " + FILE);
    }
    try {
      return parse(Files.readString(f, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IOException(f + ": " + e.getMessage(), e);
    }
  }

  /** Writes the manifest into {@code dir} and forces it to disk. */
  public void write(Path dir) throws IOException {
    Path f = dir.resolve(FILE);
    try (OutputStream out = Files.newOutputStream(f)) {
      out.write(toText().getBytes(StandardCharsets.UTF_8));
    }
    dev.raftkv.util.Dirs.fsync(f);
    dev.raftkv.util.Dirs.fsync(dir);
  }

  /**
   * Checks that every listed file is in {@code dir} with its size and SHA-256 sum; returns one
   * line per problem (none: the backup is intact).
   */
  public List<String> verify(Path dir) throws IOException {
    List<String> problems = new ArrayList<>();
    for (FileEntry f : files) {
      Path p = dir.resolve(f.name());
      if (!Files.isRegularFile(p)) {
        problems.add(f.name() + ": missing");
        continue;
      }
      long size = Files.size(p);
      if (size != f.size()) {
        problems.add(f.name() + ": size " + size + ", manifest says " + f.size());
        continue;
      }
      String sum = sha256(p);
      if (!sum.equals(f.sha256())) {
        problems.add(f.name() + ": SHA-256 " + sum + ", manifest says " + f.sha256());
      }
    }
    return problems;
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(Path file) throws IOException {
    MessageDigest md = newSha256();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}

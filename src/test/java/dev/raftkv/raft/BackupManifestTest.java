package dev.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupManifestTest {
  @TempDir
  Path dir;

  private BackupManifest manifestOf(String... names) throws IOException {
    List<BackupManifest.FileEntry> files = new java.util.ArrayList<>();
    for (String n : names) {
      Path p = dir.resolve(n);
      files.add(new BackupManifest.FileEntry(n, Files.size(p), BackupManifest.sha256(p)));
    }
    return new BackupManifest(7, 1234, "rocksdb", "n2", "2026-01-01T00:00:00Z", files);
  }

  @Test
  void aWrittenManifestReadsBackAndAnIntactBackupVerifies() throws Exception {
    Files.writeString(dir.resolve("000001.sst"), "table data");
    Files.write(dir.resolve("CURRENT"), new byte[0]);
    BackupManifest m = manifestOf("000001.sst", "CURRENT");
    m.write(dir);
    BackupManifest back = BackupManifest.read(dir);
    assertEquals(m, back);
    assertEquals(10, back.totalBytes());
    assertEquals(List.of(), back.verify(dir));
    // as sha256sum prints it: echo -n "table data" | sha256sum
    assertEquals("ccd750d96654e46cda439333bfb586179271d522b7d66296f743b6c3bec55881",
        back.files().get(0).sha256());
  }

  @Test
  void changedTruncatedAndMissingFilesAreEachReported() throws Exception {
    Files.writeString(dir.resolve("a"), "aaaa");
    Files.writeString(dir.resolve("b"), "bbbb");
    Files.writeString(dir.resolve("c"), "cccc");
    BackupManifest m = manifestOf("a", "b", "c");
    Files.writeString(dir.resolve("a"), "aaab"); // same size, other bytes
    Files.writeString(dir.resolve("b"), "bb");
    Files.delete(dir.resolve("c"));
    List<String> problems = m.verify(dir);
    assertEquals(3, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("a: SHA-256"), problems.get(0));
    assertTrue(problems.get(1).startsWith("b: size 2"), problems.get(1));
    assertEquals("c: missing", problems.get(2));
  }

  @Test
  void namesThatCouldEscapeTheDirectoryAreRejected() {
    assertFalse(BackupManifest.safeName("../x"));
    assertFalse(BackupManifest.safeName("a/b"));
    assertFalse(BackupManifest.safeName(".."));
    assertFalse(BackupManifest.safeName(""));
    assertFalse(BackupManifest.safeName(BackupManifest.FILE));
    assertTrue(BackupManifest.safeName("OPTIONS-000007"));
    String bad = "format=1\nterm=1\nindex=2\nstore=rocksdb\nfiles=1\nfile.0="
        + "0".repeat(64) + " 3 ../../etc/passwd\n";
    IOException e = assertThrows(IOException.class, () -> BackupManifest.parse(bad));
    assertTrue(e.getMessage().contains("file.0"), e.getMessage());
  }

  @Test
  void aDirectoryWithoutAManifestIsNotABackup() {
    IOException e = assertThrows(IOException.class, () -> BackupManifest.read(dir));
    assertTrue(e.getMessage().contains("not a complete raft-kv backup"), e.getMessage());
  }
}

package dev.raftkv.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ratis.util.AtomicFileOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** raft-kv's AtomicFileOutputStream (which also fsyncs the directory) is the one Ratis loads. */
class AtomicFileReplaceTest {
  @TempDir
  Path tmp;

  @Test
  void theClassRatisUsesIsRaftKvsAndReplacesAFileAtomically() throws Exception {
    String where = AtomicFileOutputStream.class.getProtectionDomain().getCodeSource().getLocation().toString();
    assertFalse(where.contains("ratis-common"), "Ratis' own AtomicFileOutputStream was loaded from " + where);
    File target = tmp.resolve("raft-meta").toFile();
    Files.writeString(target.toPath(), "term=1");
    try (AtomicFileOutputStream out = new AtomicFileOutputStream(target)) {
      out.write("term=2".getBytes(StandardCharsets.UTF_8));
      assertEquals("term=1", Files.readString(target.toPath()), "replaced before close");
    }
    assertEquals("term=2", Files.readString(target.toPath()));
    assertFalse(AtomicFileOutputStream.getTemporaryFile(target).exists());
    AtomicFileOutputStream aborted = new AtomicFileOutputStream(target);
    aborted.write("term=3".getBytes(StandardCharsets.UTF_8));
    aborted.abort();
    assertTrue(aborted.isClosed());
    assertEquals("term=2", Files.readString(target.toPath()));
    assertFalse(AtomicFileOutputStream.getTemporaryFile(target).exists());
  }
}

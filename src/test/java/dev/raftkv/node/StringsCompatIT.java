package dev.raftkv.node;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** String and key commands give redis-server's replies, byte for byte. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StringsCompatIT {
  @TempDir static Path dir;
  static RedisDiff diff;

  @BeforeAll
  static void start() throws Exception {
    diff = new RedisDiff(dir, "rocksdb");
  }

  @AfterAll
  static void stop() throws Exception {
    if (diff != null) {
      diff.close();
    }
  }

  @BeforeEach
  void flush() throws Exception {
    diff.flushAll();
  }

  @Test
  void stringsAndCounters() throws Exception {
    diff.script("""
        GET k
        SET k v
        GET k
        SET k v2 NX
        SET k v3 XX GET
        SET k v NX XX
        SET k v EX 0
        SET k v EX notanumber
        STRLEN k
        APPEND k xyz
        INCR k
        SET n 10
        INCRBY n 5
        DECRBY n 20
        INCRBY n 9223372036854775807
        DECR nothing
        MSET a 1 b 2
        MGET a b nothing
        MSET a
        DEL a b nothing
        EXISTS a b n n
        TYPE n
        TYPE nothing
        TTL n
        PTTL nothing
        GET
        """);
  }
}

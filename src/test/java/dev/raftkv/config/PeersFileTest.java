package dev.raftkv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeersFileTest {
  private static final Path FILE = Path.of("conf/peers.conf");

  @Test
  void theShippedFormatParsesWithCommentsAndBlankLines() throws Exception {
    PeersFile pf = PeersFile.parse(FILE, List.of(
        "# three peers", "", "n1 127.0.0.1:9091 127.0.0.1:63791  # first",
        "n2 node2.example:9092 node2.example:63792", "  n3\t[::1]:9093 [::1]:63793"));
    assertEquals(3, pf.peers().size());
    assertEquals(new HostPort("node2.example", 9092), pf.find("n2").orElseThrow().raft());
    assertEquals(new HostPort("::1", 63793), pf.find("n3").orElseThrow().redis());
    assertEquals("n1 127.0.0.1:9091 127.0.0.1:63791", pf.find("n1").orElseThrow().toLine());
  }

  @Test
  void aMalformedLineIsRejectedWithItsLineNumber() {
    ConfigException e = assertThrows(ConfigException.class, () -> PeersFile.parse(FILE,
        List.of("n1 127.0.0.1:9091 127.0.0.1:63791", "# c", "n2 127.0.0.1:9092")));
    assertTrue(e.getMessage().startsWith("conf/peers.conf:3: "), e.getMessage());

    e = assertThrows(ConfigException.class, () -> PeersFile.parse(FILE,
        List.of("n1 127.0.0.1:99999 127.0.0.1:63791")));
    assertTrue(e.getMessage().contains(":1: port out of range"), e.getMessage());

    e = assertThrows(ConfigException.class, () -> PeersFile.parse(FILE,
        List.of("n1 127.0.0.1:9091 127.0.0.1:63791", "n1 127.0.0.1:9092 127.0.0.1:63792")));
    assertTrue(e.getMessage().contains(":2: duplicate peer id 'n1'"), e.getMessage());

    e = assertThrows(ConfigException.class, () -> PeersFile.parse(FILE,
        List.of("n1 127.0.0.1:9091 127.0.0.1:9091")));
    assertTrue(e.getMessage().contains("used twice"), e.getMessage());

    e = assertThrows(ConfigException.class, () -> PeersFile.parse(FILE, List.of("n1 localhost 127.0.0.1:1")));
    assertTrue(e.getMessage().contains("expected HOST:PORT"), e.getMessage());

    e = assertThrows(ConfigException.class, () -> PeersFile.parse(FILE, List.of("# nothing")));
    assertTrue(e.getMessage().contains("no peers"), e.getMessage());
  }

  @Test
  void aMissingFileIsNamed(@TempDir Path dir) {
    ConfigException e = assertThrows(ConfigException.class, () -> PeersFile.load(dir.resolve("nope.conf")));
    assertTrue(e.getMessage().contains("nope.conf"), e.getMessage());
  }

  @Test
  void configPrecedenceIsDefaultsThenFileThenDashDThenFlags(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("raftkv.properties");
    Files.writeString(conf, "raftkv.store=memory\nraftkv.write.max-inflight=4\nraft.server.rpc.timeout.min=500ms\n");
    NodeConfig c = NodeConfig.build(conf, Map.of("raftkv.write.max-inflight", "8"), Map.of());
    assertEquals("memory", c.get(NodeConfig.STORE));
    assertEquals(8, c.getInt(NodeConfig.MAX_INFLIGHT));
    assertEquals("500ms", c.raftProperties().get("raft.server.rpc.timeout.min"));
    assertEquals("2000ms", c.raftProperties().get("raft.server.rpc.timeout.max"));
    c = NodeConfig.build(conf, Map.of(), Map.of(NodeConfig.STORE, "rocksdb"));
    assertEquals("rocksdb", c.get(NodeConfig.STORE));
  }

  @Test
  void badConfigurationNamesTheFileAndKey(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("bad.properties");
    Files.writeString(conf, "raftkv.no-such-key=1\n");
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.build(conf, Map.of(), Map.of()));
    assertTrue(e.getMessage().contains("bad.properties") && e.getMessage().contains("raftkv.no-such-key"),
        e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> NodeConfig.build(null, Map.of("raftkv.store", "mongodb"), Map.of()));
    assertTrue(e.getMessage().contains("rocksdb or memory"), e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> NodeConfig.build(null, Map.of("raftkv.write.max-inflight", "lots"), Map.of()));
    assertTrue(e.getMessage().contains("whole number"), e.getMessage());
  }
}

package dev.raftkv.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RESP2 replies as executors write them, converted to what Redis 7.0 sends a RESP3 client. The
 * expected bytes were captured from redis-server 7.0.15 after HELLO 3 (Resp3CompatIT compares the
 * commands that exist end to end against a live redis-server).
 */
class Resp3Test {
  private static String convert(String command, String resp2) {
    byte[][] argv = argv(command);
    return new String(Resp3.convert(argv, resp2.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  private static byte[][] argv(String command) {
    String[] parts = command.split(" ");
    byte[][] argv = new byte[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      argv[i] = parts[i].getBytes(StandardCharsets.UTF_8);
    }
    return argv;
  }

  @Test
  void nullsBecomeUnderscoreAtAnyDepthAndEverythingElseStays() {
    assertEquals("_\r\n", convert("GET k", "$-1\r\n"));
    assertEquals("*2\r\n$1\r\n2\r\n_\r\n", convert("MGET a b", "*2\r\n$1\r\n2\r\n$-1\r\n"));
    assertEquals("_\r\n", convert("LPOP nokey 2", "*-1\r\n"));
    assertEquals("+OK\r\n", convert("SET k v", "+OK\r\n"));
    assertEquals(":3\r\n", convert("INCR k", ":3\r\n"));
    assertEquals("-ERR x\r\n", convert("ZSCORE z a", "-ERR x\r\n"));
    assertEquals("$3\r\n1.5\r\n", convert("INCRBYFLOAT k 1", "$3\r\n1.5\r\n"), "a bulk, not a double in 7.0");
  }

  @Test
  void mapsForHgetallConfigGetAndHello() {
    assertEquals("%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n",
        convert("HGETALL h", "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n"));
    assertEquals("%0\r\n", convert("hgetall nokey", "*0\r\n"));
    assertEquals("%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n",
        convert("CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"));
    assertEquals("*2\r\n$1\r\nf\r\n$1\r\ng\r\n", convert("HKEYS h", "*2\r\n$1\r\nf\r\n$1\r\ng\r\n"));
    assertEquals("*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
        convert("HRANDFIELD h -1 WITHVALUES", "*2\r\n$1\r\nf\r\n$1\r\nv\r\n"));
  }

  @Test
  void setsForSetAlgebraAndSpopWithCountButNotSrandmember() {
    String members = "*2\r\n$1\r\na\r\n$1\r\nb\r\n";
    for (String c : new String[] {"SMEMBERS s", "SINTER s t", "SUNION s", "SDIFF s t", "SPOP s 2"}) {
      assertEquals("~2\r\n$1\r\na\r\n$1\r\nb\r\n", convert(c, members), c);
    }
    assertEquals(members, convert("SRANDMEMBER s 2", members));
    assertEquals("$1\r\na\r\n", convert("SPOP s", "$1\r\na\r\n"));
    assertEquals("_\r\n", convert("SPOP s", "$-1\r\n"));
  }

  @Test
  void scoresBecomeDoublesAndWithscoresBecomesPairs() {
    assertEquals(",1.5\r\n", convert("ZSCORE z a", "$3\r\n1.5\r\n"));
    assertEquals(",inf\r\n", convert("ZINCRBY z 1 a", "$3\r\ninf\r\n"));
    assertEquals(",3\r\n", convert("ZADD z XX CH INCR 1 a", "$1\r\n3\r\n"));
    assertEquals("_\r\n", convert("ZADD z NX INCR 1 a", "$-1\r\n"));
    assertEquals("$1\r\n3\r\n", convert("ZADD z 1 incr", "$1\r\n3\r\n"), "a member named incr is no option");
    assertEquals("*2\r\n,1\r\n_\r\n", convert("ZMSCORE z a b", "*2\r\n$1\r\n1\r\n$-1\r\n"));
    String flat = "*4\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\na\r\n$1\r\n3\r\n";
    String pairs = "*2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\na\r\n,3\r\n";
    for (String c : new String[] {"ZRANGE z 0 -1 WITHSCORES", "zrange z 0 -1 rev withscores",
        "ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 0 5", "ZREVRANGE z 0 -1 WITHSCORES",
        "ZREVRANGEBYSCORE z +inf -inf WITHSCORES", "ZRANDMEMBER z 2 WITHSCORES",
        "ZUNION 1 z WITHSCORES", "ZINTER 2 z y WEIGHTS 1 2 WITHSCORES", "ZDIFF 1 z WITHSCORES",
        "ZPOPMIN z 2", "ZPOPMAX z 2"}) {
      assertEquals(pairs, convert(c, flat), c);
    }
    assertEquals(flat, convert("ZRANGE z 0 -1", flat));
    assertEquals(flat, convert("ZUNION 2 z withscores", flat), "a key named withscores");
    assertEquals(flat, convert("ZSCAN z 0", flat).substring(0), "ZSCAN keeps its strings");
    assertEquals("*2\r\n$1\r\nb\r\n,2.5\r\n", convert("ZPOPMIN z", "*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n"));
    assertEquals("*0\r\n", convert("ZPOPMIN z 3", "*0\r\n"));
    assertEquals("*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n",
        convert("BZPOPMIN z 0", "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"));
    assertEquals("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n,3\r\n",
        convert("ZMPOP 1 z MIN COUNT 2", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"));
  }

  @Test
  void infoAndClientListAreVerbatimStrings() {
    assertEquals("=16\r\ntxt:# Keyspace\r\n\r\n", convert("INFO keyspace", "$12\r\n# Keyspace\r\n\r\n"));
    assertEquals("=9\r\ntxt:id=1\n\r\n", convert("CLIENT LIST", "$5\r\nid=1\n\r\n"));
    assertEquals("$1\r\nx\r\n", convert("CLIENT GETNAME", "$1\r\nx\r\n"));
  }

  @Test
  void execRepliesAreConvertedElementByElementWithTheQueuedCommands() {
    byte[] reply = "*3\r\n$-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\n2\r\n".getBytes(StandardCharsets.UTF_8);
    String out = new String(Resp3.convertExec(List.of(argv("GET k"), argv("HGETALL h"), argv("ZSCORE z a")),
        reply), StandardCharsets.UTF_8);
    assertEquals("*3\r\n_\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n,2\r\n", out);
    assertEquals("_\r\n", new String(Resp3.convertExec(List.<byte[][]>of(argv("GET k")), "*-1\r\n".getBytes(
        StandardCharsets.UTF_8)), StandardCharsets.UTF_8), "aborted by WATCH");
  }

  @Test
  void aReplyThatIsNotOneWellFormedRespValueIsLeftAlone() {
    assertEquals("*3\r\n$1\r\na\r\n", convert("SMEMBERS s", "*3\r\n$1\r\na\r\n"));
  }

  @Test
  void clusterRepliesAsRedisSendsThemInResp3() {
    String id = "2cc117f73f85e2f6c47b5c24a018c261739016bd";
    // CLUSTER SLOTS: each node's metadata is a map
    assertEquals("*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n$0\r\n\r\n:17379\r\n$40\r\n" + id + "\r\n%0\r\n",
        convert("CLUSTER SLOTS", "*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n$0\r\n\r\n:17379\r\n$40\r\n" + id + "\r\n*0\r\n"));
    // CLUSTER SHARDS: a map per shard and per node
    String node = "$2\r\nid\r\n$40\r\n" + id + "\r\n$4\r\nport\r\n:17379\r\n$2\r\nip\r\n$0\r\n\r\n"
        + "$8\r\nendpoint\r\n$0\r\n\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:0\r\n"
        + "$6\r\nhealth\r\n$6\r\nonline\r\n";
    assertEquals("*1\r\n%2\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n%7\r\n" + node,
        convert("CLUSTER SHARDS", "*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n*14\r\n" + node));
    // CLUSTER INFO and NODES: verbatim text; MYID a plain bulk
    assertEquals("=22\r\ntxt:cluster_state:ok\r\n\r\n", convert("CLUSTER INFO", "$18\r\ncluster_state:ok\r\n\r\n"));
    assertEquals("$40\r\n" + id + "\r\n", convert("CLUSTER MYID", "$40\r\n" + id + "\r\n"));
  }
}

package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.verify.RespClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * requirepass, AUTH and ACL users on a real 3-peer cluster whose peers all have
 * {@code raftkv.requirepass}: Redis 7.0.15's exact texts (checked against /usr/bin/redis-server),
 * users created through one peer enforced by every peer (they travel through the Raft log),
 * invisible to KEYS/DBSIZE/FLUSHALL, kept across a restart; redis-cli, Jedis and Lettuce log in.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AuthIT {
  static final String PASS = "s3cret pass";
  static final String NOAUTH = "NOAUTH Authentication required.";
  static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
  @TempDir
  static Path dir;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "memory", "raftkv.requirepass", PASS));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static RespClient client(int peer) throws IOException {
    return new RespClient("127.0.0.1", cluster.redisPorts[peer], 5_000, 20_000);
  }

  static RespClient loggedIn(int peer, String user, String pass) throws IOException {
    RespClient c = client(peer);
    assertEquals("OK", c.call("AUTH", user, pass));
    return c;
  }

  static String error(Object reply) {
    return assertInstanceOf(RespClient.Error.class, reply, () -> "an error, got " + reply).message();
  }

  @Test
  void aConnectionMustAuthenticateFirstWithRedisTexts() throws Exception {
    try (RespClient c = client(cluster.aFollower())) {
      assertEquals(NOAUTH, error(c.call("GET", "k")));
      assertEquals(NOAUTH, error(c.call("PING")));
      assertEquals(NOAUTH, error(c.call("ACL", "WHOAMI")));
      // existence and arity are checked before authentication, like Redis
      assertEquals("ERR unknown command 'NOSUCH', with args beginning with: ", error(c.call("NOSUCH")));
      assertEquals("ERR wrong number of arguments for 'get' command", error(c.call("GET")));
      assertEquals("NOAUTH HELLO must be called with the client already authenticated, otherwise the"
          + " HELLO AUTH <user> <pass> option can be used to authenticate the client and select the"
          + " RESP protocol version at the same time", error(c.call("HELLO", "3")));
      assertEquals(WRONGPASS, error(c.call("HELLO", "3", "AUTH", "default", "wrong")));
      assertEquals(WRONGPASS, error(c.call("AUTH", "wrong")));
      assertEquals(WRONGPASS, error(c.call("AUTH", "default", "wrong")));
      assertEquals("ERR syntax error", error(c.call("AUTH", "a", "b", "c")));
      // MULTI itself needs AUTH, and EXEC then aborts, like Redis
      assertEquals(NOAUTH, error(c.call("MULTI")));
      assertEquals("EXECABORT Transaction discarded because of: NOAUTH Authentication required.",
          error(c.call("EXEC")));
      assertEquals("OK", c.call("AUTH", PASS));
      assertEquals("OK", c.call("SET", "auth:k", "v"));
      assertEquals("v", c.call("GET", "auth:k"));
      assertEquals(List.of("requirepass", PASS), c.call("CONFIG", "GET", "requirepass"));
      assertEquals("default", c.call("ACL", "WHOAMI"));
      assertEquals("RESET", c.call("RESET")); // RESET logs the connection out again
      assertEquals(NOAUTH, error(c.call("GET", "auth:k")));
      Object hello = c.call("HELLO", "2", "AUTH", "default", PASS);
      assertEquals("server", assertInstanceOf(List.class, hello).get(0));
      assertEquals("v", c.call("GET", "auth:k"));
      assertEquals("OK", c.call("QUIT"));
    }
    try (RespClient c = client(0)) {
      assertEquals("OK", c.call("QUIT")); // QUIT needs no AUTH
    }
  }

  @Test
  void anAclUserCreatedThroughOnePeerIsEnforcedByEveryPeer() throws Exception {
    int follower = cluster.aFollower();
    try (RespClient admin = loggedIn(follower, "default", PASS)) {
      assertEquals("OK", admin.call("ACL", "SETUSER", "reader", "on", ">rpw", "+@read", "~*"));
      assertEquals("OK", admin.call("ACL", "SETUSER", "writer", "on", ">wpw", "+@all", "-@dangerous",
          "~*"));
      assertEquals("OK", admin.call("ACL", "SETUSER", "app", "on", ">apw", "+@all", "~app:*"));
      assertEquals("OK", admin.call("SET", "app:1", "one"));
      assertEquals(List.of("flags", List.of("on"), "passwords",
              List.of(sha256("rpw")),
              "commands", "-@all +@read", "keys", "~*", "channels", "", "selectors", List.of()),
          admin.call("ACL", "GETUSER", "reader"));
      assertEquals("ERR Error in ACL SETUSER modifier '+@bogus': Unknown command or category name in ACL",
          error(admin.call("ACL", "SETUSER", "x", "+@bogus")));
      assertEquals("ERR Error in ACL SETUSER modifier 'foo': Syntax error",
          error(admin.call("ACL", "SETUSER", "x", "foo")));
      assertEquals("ERR The 'default' user cannot be removed", error(admin.call("ACL", "DELUSER", "default")));
    }
    for (int peer = 0; peer < 3; peer++) {
      int p = peer;
      TestCluster.eventually(Duration.ofSeconds(20), () -> canLogIn(p, "reader", "rpw"),
          "peer " + p + " knows the user reader");
      try (RespClient reader = loggedIn(peer, "reader", "rpw");
          RespClient writer = loggedIn(peer, "writer", "wpw");
          RespClient app = loggedIn(peer, "app", "apw")) {
        assertEquals("one", reader.call("GET", "app:1"));
        assertEquals("NOPERM this user has no permissions to run the 'set' command",
            error(reader.call("SET", "app:1", "x")));
        assertEquals("NOPERM this user has no permissions to run the 'acl|whoami' command",
            error(reader.call("ACL", "WHOAMI")));
        assertEquals("OK", writer.call("SET", "w:" + peer, "x"));
        assertEquals("writer", writer.call("ACL", "WHOAMI"));
        assertEquals("NOPERM this user has no permissions to run the 'flushall' command",
            error(writer.call("FLUSHALL")));
        assertEquals("NOPERM this user has no permissions to run the 'acl|setuser' command",
            error(writer.call("ACL", "SETUSER", "evil", "on", "nopass", "+@all")));
        assertEquals("one", app.call("GET", "app:1"));
        assertEquals("NOPERM this user has no permissions to access one of the keys used as arguments",
            error(app.call("MSET", "app:2", "x", "other", "y")));
        assertEquals("OK", app.call("MSET", "app:2", "x", "app:3", "y"));
        assertEquals(WRONGPASS, error(reader.call("AUTH", "reader", "wpw")));
      }
    }
    // every peer lists the same users
    List<Object> lists = new ArrayList<>();
    for (int peer = 0; peer < 3; peer++) {
      try (RespClient c = loggedIn(peer, "default", PASS)) {
        lists.add(c.call("ACL", "LIST"));
        Object users = c.call("ACL", "USERS"); // sorted; other tests add users of their own
        assertTrue(assertInstanceOf(List.class, users).containsAll(List.of("app", "default", "reader",
            "writer")), users.toString());
        assertEquals(users, new ArrayList<>(new java.util.TreeSet<>(assertInstanceOf(List.class, users))));
      }
    }
    assertEquals(lists.get(0), lists.get(1));
    assertEquals(lists.get(0), lists.get(2));
    assertTrue(lists.get(0).toString().contains("user reader on #" + sha256("rpw") + " ~* resetchannels -@all +@read"),
        lists.get(0).toString());

    // switching a user off and deleting it take effect on every peer
    try (RespClient admin = loggedIn(cluster.leader(), "default", PASS);
        RespClient writerOnFollower = loggedIn(follower, "writer", "wpw")) {
      assertEquals("OK", admin.call("ACL", "SETUSER", "reader", "off"));
      assertEquals(1L, admin.call("ACL", "DELUSER", "writer", "nobody"));
      for (int peer = 0; peer < 3; peer++) {
        int p = peer;
        TestCluster.eventually(Duration.ofSeconds(20),
            () -> !canLogIn(p, "reader", "rpw") && !canLogIn(p, "writer", "wpw"),
            "peer " + p + " refuses the disabled and the deleted user");
      }
      // the deleted user's connection is closed on its next command
      Object r = writerOnFollower.call("GET", "app:1");
      assertTrue(error(r).startsWith("NOPERM"), r.toString());
      assertThrows(IOException.class, () -> writerOnFollower.call("PING")); // EOF or reset
    }
  }

  @Test
  void aclUsersAreOutsideTheKeyspaceAndSurviveARestart() throws Exception {
    int peer = cluster.aFollower();
    try (RespClient admin = loggedIn(peer, "default", PASS)) {
      assertEquals("OK", admin.call("ACL", "SETUSER", "keeper", "on", ">kpw", "+@all", "~*"));
      assertEquals("OK", admin.call("FLUSHALL"));
      assertEquals(0L, admin.call("DBSIZE"));
      assertEquals(List.of(), admin.call("KEYS", "*"));
      assertEquals(List.of("0", List.of()), admin.call("SCAN", "0"));
    }
    // the memory store loses everything on a stop: the user comes back from the Raft log
    cluster.stop(peer);
    cluster.start(peer);
    TestCluster.eventually(Duration.ofSeconds(30), () -> canLogIn(peer, "keeper", "kpw"),
        "the restarted peer knows the user again");
    try (RespClient keeper = loggedIn(peer, "keeper", "kpw")) {
      assertEquals("keeper", keeper.call("ACL", "WHOAMI"));
    }
  }

  @Test
  void passwordsReachTheRaftLogOnlyAsHashes() throws Exception {
    String secret = "plain-text-must-not-be-logged-7f3a9c";
    try (RespClient admin = loggedIn(0, "default", PASS)) {
      assertEquals("OK", admin.call("ACL", "SETUSER", "hidden", "on", ">" + secret, "+@all", "~*"));
    }
    for (int peer = 0; peer < 3; peer++) {
      int p = peer;
      TestCluster.eventually(Duration.ofSeconds(20), () -> canLogIn(p, "hidden", secret), "hidden exists");
      byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
      try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(cluster.dataDir(peer))) {
        for (Path f : (Iterable<Path>) files.filter(java.nio.file.Files::isRegularFile)::iterator) {
          byte[] content = java.nio.file.Files.readAllBytes(f);
          assertFalse(indexOf(content, needle) >= 0, f + " holds the plain password");
        }
      }
    }
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void redisCliJedisAndLettuceLogIn() throws Exception {
    int peer = cluster.aFollower();
    int port = cluster.redisPorts[peer];
    try (RespClient admin = loggedIn(peer, "default", PASS)) {
      assertEquals("OK", admin.call("ACL", "SETUSER", "tool", "on", ">tpw", "+@all", "~*"));
    }
    TestCluster.eventually(Duration.ofSeconds(20), () -> canLogIn(peer, "tool", "tpw"), "tool exists");
    // redis-cli: -a, --user/--pass, and REDISCLI_AUTH
    assertEquals("OK", redisCli(port, Map.of(), "-a", PASS, "--no-auth-warning", "SET", "cli", "1"));
    assertEquals("1", redisCli(port, Map.of("REDISCLI_AUTH", PASS), "GET", "cli"));
    assertEquals("tool", redisCli(port, Map.of(), "--user", "tool", "--pass", "tpw", "--no-auth-warning",
        "ACL", "WHOAMI"));
    assertEquals(NOAUTH, redisCli(port, Map.of(), "GET", "cli"));
    // Jedis
    try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", port),
        DefaultJedisClientConfig.builder().user("tool").password("tpw").timeoutMillis(15_000).build())) {
      assertEquals("OK", j.set("jedis", "2"));
      assertEquals("tool", j.aclWhoAmI());
    }
    try (Jedis j = new Jedis("127.0.0.1", port, 15_000)) {
      JedisDataException e = assertThrows(JedisDataException.class, () -> j.get("jedis"));
      assertEquals(NOAUTH, e.getMessage());
      assertThrows(JedisAccessControlException.class, () -> j.auth("tool", "nope"));
      assertEquals("OK", j.auth(PASS));
      assertEquals("2", j.get("jedis"));
    }
    // Lettuce (RESP3 HELLO with AUTH)
    RedisClient lettuce = RedisClient.create();
    try {
      RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(port)
          .withAuthentication("tool", "tpw".toCharArray()).withTimeout(Duration.ofSeconds(15)).build();
      try (StatefulRedisConnection<String, String> c = lettuce.connect(uri)) {
        assertEquals("2", c.sync().get("jedis"));
        assertEquals("tool", c.sync().aclWhoami());
        // RESP3: ACL GETUSER is a map (Lettuce flattens it into name, value, ...)
        List<Object> user = c.sync().aclGetuser("tool");
        assertEquals("flags", user.get(0), user.toString());
        assertEquals("+@all", user.get(user.indexOf("commands") + 1), user.toString());
      }
      RedisURI bad = RedisURI.builder().withHost("127.0.0.1").withPort(port)
          .withAuthentication("tool", "nope".toCharArray()).withTimeout(Duration.ofSeconds(15)).build();
      Exception e = assertThrows(Exception.class, () -> lettuce.connect(bad).close());
      // Lettuce wraps the server's WRONGPASS one or two levels deep, depending on whether HELLO
      // or its AUTH fallback reported it
      StringBuilder chain = new StringBuilder();
      for (Throwable t = e; t != null && chain.length() < 4000; t = t.getCause() == t ? null : t.getCause()) {
        chain.append(t).append(" <- ");
      }
      assertTrue(chain.toString().contains("WRONGPASS") || e instanceof RedisCommandExecutionException,
          chain.toString());
    } finally {
      lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(5));
    }
  }

  @Test
  void theAdminStatusVerbAuthenticatesWithPasswordOrRedisCliAuth() throws Exception {
    String peers = cluster.peers.path().toString();
    TlsIT.Result without = TlsIT.admin("admin", "--peers", peers, "status");
    assertEquals(1, without.code(), without.out()); // no peer answers INFO: no leader known
    TlsIT.Result with = TlsIT.admin("admin", "--peers", peers, "--password", PASS, "status");
    assertEquals(0, with.code(), with.out());
    assertTrue(with.out().contains("leader"), with.out());
  }

  static boolean canLogIn(int peer, String user, String pass) {
    try (RespClient c = client(peer)) {
      return "OK".equals(c.call("AUTH", user, pass));
    } catch (IOException e) {
      return false;
    }
  }

  static String sha256(String s) {
    return dev.raftkv.acl.AclUser.hash(s.getBytes(StandardCharsets.UTF_8));
  }

  static String redisCli(int port, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "redis-cli finished");
    return out.strip();
  }
}

package dev.raftkv.resp;

import dev.raftkv.protocol.CommandMeta;
import dev.raftkv.protocol.RespOut;
import static dev.raftkv.command.Args.is;

import dev.raftkv.acl.Acl;
import dev.raftkv.acl.AclRules;
import dev.raftkv.acl.AclTable;
import dev.raftkv.acl.AclUser;
import dev.raftkv.command.Args;
import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import dev.raftkv.command.Glob;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Commands answered by the receiving peer itself: connection, introspection, server. Replies are
 * written in RESP2 like every other reply; the session converts them for RESP3 clients
 * ({@link Resp3}). Error texts are Redis 7.0's.
 */
final class LocalCommands {
  static final String REDIS_VERSION = "7.0.0";
  private static final String SYNTAX = "ERR syntax error";
  private static final Set<String> CONTAINERS = Set.of("client", "command", "config", "acl", "pubsub");
  /** Subcommands of the container commands and their Redis arity. */
  static final Map<String, Integer> SUBCOMMANDS = Map.ofEntries(
      Map.entry("client|id", 2), Map.entry("client|getname", 2), Map.entry("client|setname", 3),
      Map.entry("client|info", 2), Map.entry("client|list", -2), Map.entry("client|setinfo", 4),
      Map.entry("client|kill", -3), Map.entry("client|unblock", -3), Map.entry("client|no-evict", 3), Map.entry("client|reply", 3), Map.entry("client|no-touch", 3),
      Map.entry("command|count", 2), Map.entry("command|list", -2), Map.entry("command|info", -2),
      Map.entry("command|docs", -2), Map.entry("command|getkeys", -3), Map.entry("config|get", -3), Map.entry("config|set", -4),
      Map.entry("config|resetstat", 2), Map.entry("acl|setuser", -3), Map.entry("acl|deluser", -3),
      Map.entry("acl|getuser", 3), Map.entry("acl|list", 2), Map.entry("acl|users", 2),
      Map.entry("acl|whoami", 2), Map.entry("acl|cat", -2), Map.entry("acl|help", 2),
      Map.entry("pubsub|channels", -2), Map.entry("pubsub|numsub", -2), Map.entry("pubsub|numpat", 2),
      Map.entry("pubsub|shardchannels", -2), Map.entry("pubsub|shardnumsub", -2),
      Map.entry("pubsub|help", 2));

  private static final String[] DEBUG_HELP = {
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "OBJECT <key>",
      "    Show low level info about the `key` and associated value.",
      "PROTOCOL <type>",
      "    Reply with a test value of the specified type. <type> can be: string,",
      "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
      "    true, false.",
      "QUICKLIST-PACKED-THRESHOLD <size>",
      "    Accepted and checked; raft-kv keeps each list in one record (no quicklist nodes).",
      "RELOAD [option ...]",
      "    Answer OK once this peer has applied every acknowledged write (its store is",
      "    already durable: there is nothing to save or load).",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables this peer's expiry sweeper (it runs while the peer leads).",
      "HELP",
      "    Print this help."};

  private final Backend backend;
  private final ServerStats stats;
  private final Map<String, String> config;
  /**
   * CONFIG SET maxmemory on this peer, in bytes (0: no limit). Like Redis with the noeviction
   * policy, while the JVM's used heap is above it this peer refuses the commands Redis flags
   * {@code denyoom} (resp.ClientSession), before they reach the log; nothing is evicted.
   */
  private volatile long maxmemory;
  /**
   * CONFIG SET min-replicas-to-write on this peer (0: off). Above the number of other peers that
   * replicate this one's writes (WAIT's answer), writes get Redis's NOREPLICAS error.
   */
  private volatile long minReplicas;

  LocalCommands(Backend backend, ServerStats stats, Map<String, String> config) {
    this.backend = backend;
    this.stats = stats;
    this.config = new java.util.LinkedHashMap<>(config); // CONFIG SET may change the encoding thresholds
  }

  /** A numeric setting of CONFIG GET's view ({@code raftkv.*} keys included), or {@code absent}. */
  long configLong(String key, long absent) {
    String v = config.get(key);
    try {
      return v == null ? absent : Long.parseLong(v);
    } catch (NumberFormatException e) {
      return absent;
    }
  }

  /** The name a command is counted under in INFO commandstats: {@code client|setname} etc. */
  static String statName(CommandSpec spec, byte[][] a) {
    if (a.length > 1 && CONTAINERS.contains(spec.name())) {
      String full = spec.name() + "|" + ClientSession.lower(a[1]);
      if (SUBCOMMANDS.containsKey(full)) {
        return full;
      }
    }
    return spec.name();
  }

  /** Runs a LOCAL command; returns true when the connection must be closed after the reply. */
  boolean execute(CommandSpec spec, byte[][] a, ClientSession session, RespOut out) {
    if (CONTAINERS.contains(spec.name())) {
      String full = spec.name() + "|" + ClientSession.lower(a.length > 1 ? a[1] : new byte[0]);
      Integer arity = SUBCOMMANDS.get(full);
      if (arity == null && a.length > 1) {
        out.error("ERR unknown subcommand '" + Args.str(a[1]) + "'. Try "
            + spec.name().toUpperCase(Locale.ROOT) + " HELP.");
        return false;
      }
      if (arity != null && (arity >= 0 ? a.length != arity : a.length < -arity)) {
        out.error("ERR wrong number of arguments for '" + full + "' command");
        return false;
      }
    }
    switch (spec.name()) {
      case "ping" -> {
        if (a.length > 2) {
          out.error("ERR wrong number of arguments for 'ping' command");
        } else if (a.length == 2) {
          out.bulk(a[1]);
        } else {
          out.simple("PONG");
        }
      }
      case "echo" -> out.bulk(a[1]);
      case "quit" -> {
        out.ok();
        return true;
      }
      case "select" -> {
        Long db = Args.parseLong(a[1]);
        if (db == null) {
          out.error("ERR value is not an integer or out of range");
        } else if (db < Integer.MIN_VALUE || db > Integer.MAX_VALUE) {
          out.error("ERR value is out of range, value must between -2147483648 and 2147483647");
        } else if (db != 0) {
          out.error("ERR DB index is out of range");
        } else {
          out.ok();
        }
      }
      case "hello" -> hello(a, session, out);
      case "auth" -> auth(a, session, out);
      case "acl" -> acl(a, session, out);
      case "debug" -> {
        if (a.length == 3 && is(a[1], "protocol")) {
          debugProtocol(Args.str(a[2]).toLowerCase(Locale.ROOT), session.proto == 3, out);
        } else if (a.length == 3 && is(a[1], "set-active-expire")) {
          // this peer's expiry sweeper, which proposes deletions only while this peer leads
          Long on = Args.parseLong(a[2]);
          if (on == null) {
            out.error("ERR value is not an integer or out of range");
          } else {
            backend.setActiveExpire(on != 0);
            out.ok();
          }
        } else if (a.length == 3 && is(a[1], "quicklist-packed-threshold")) {
          // Redis's size above which a list element gets a quicklist node of its own: raft-kv
          // keeps a list in one record, so there is nothing to change; the argument is checked
          String v = Args.str(a[2]);
          long bytes = memoryBytes(v.matches("\\d+[bB]") ? v.substring(0, v.length() - 1) : v);
          if (bytes < 0 || bytes > (1L << 32) - (1 << 20)) {
            out.error("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
          } else {
            out.ok();
          }
        } else if (a.length == 2 && is(a[1], "help")) {
          out.array(DEBUG_HELP.length);
          for (String line : DEBUG_HELP) {
            out.simple(line);
          }
        } else {
          // DIGEST, DIGEST-VALUE, OBJECT and RELOAD are keyspace reads (command.DebugCommands);
          // the others inspect or change Redis's own internals
          out.error("ERR unknown subcommand or wrong number of arguments for '" + Args.str(a[1])
              + "'. Try DEBUG HELP.");
        }
      }
      case "client" -> {
        return client(a, session, out);
      }
      case "command" -> command(a, out);
      case "config" -> config(a, out);
      case "info" -> {
        List<String> sections = new ArrayList<>();
        for (int i = 1; i < a.length; i++) {
          sections.add(ClientSession.lower(a[i]));
        }
        out.bulk(backend.info(sections, stats));
      }
      case "time" -> {
        long micros = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
        out.array(2).bulk(Long.toString(micros / 1_000_000)).bulk(Long.toString(micros % 1_000_000));
      }
      case "wait" -> {
        // Redis parses the timeout first. A write is acknowledged only once a majority has it in
        // its log, so there is nothing to wait for: the answer is the number of other peers.
        Long timeout = Args.parseLong(a[2]);
        if (timeout == null) {
          out.error("ERR timeout is not an integer or out of range");
        } else if (timeout < 0) {
          out.error("ERR timeout is negative");
        } else if (Args.parseLong(a[1]) == null) {
          out.error("ERR value is not an integer or out of range");
        } else {
          out.integer(backend.otherPeers());
        }
      }
      case "reset" -> {
        session.resetState();
        out.simple("RESET");
      }
      case "readonly", "readwrite" -> {
        // without cluster mode every peer serves reads anyway; with it, READONLY lets this
        // connection read from a follower (resp.ClientSession's route step)
        session.readonly = spec.name().equals("readonly");
        out.ok();
      }
      case "cluster" -> dev.raftkv.cluster.ClusterCommands.execute(a, backend.cluster(), out);
      case "asking" -> {
        if (backend.cluster() == null) {
          out.error(dev.raftkv.cluster.ClusterCommands.DISABLED);
        } else {
          out.ok(); // slots never migrate between groups yet: no ASK redirection to follow
        }
      }
      // (P|S)(UN)SUBSCRIBE come here only from EXEC; otherwise PubSubSession answers them
      case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe" ->
          session.pubsub.execute(spec.name(), a, out);
      case "pubsub" -> PubSubCommandsLocal.pubsub(a, backend.pubsub(), out);
      default -> out.error("ERR unknown command '" + spec.name() + "'");
    }
    return false;
  }

  private static boolean validName(byte[] name) {
    for (byte b : name) {
      if (b < '!' || b > '~') {
        return false;
      }
    }
    return true;
  }

  private void hello(byte[][] a, ClientSession session, RespOut out) {
    int i = 1;
    long version = 0;
    if (a.length > 1) {
      Long proto = Args.parseLong(a[1]);
      if (proto == null) {
        out.error("ERR Protocol version is not an integer or out of range");
        return;
      }
      if (proto < 2 || proto > 3) {
        out.error("NOPROTO unsupported protocol version");
        return;
      }
      version = proto;
      i = 2;
    }
    byte[] user = null;
    byte[] password = null;
    byte[] name = null;
    for (; i < a.length; i++) {
      int more = a.length - 1 - i;
      if (is(a[i], "auth") && more >= 2) {
        user = a[i + 1];
        password = a[i + 2];
        i += 2;
      } else if (is(a[i], "setname") && more >= 1) {
        name = a[++i];
        if (!validName(name)) {
          out.error("ERR Client names cannot contain spaces, newlines or special characters.");
          return;
        }
      } else {
        out.error("ERR Syntax error in HELLO option '" + Args.str(a[i]) + "'");
        return;
      }
    }
    if (user != null) {
      if (!backend.acl().authenticate(Args.str(user), password)) {
        out.error(Acl.WRONGPASS);
        return;
      }
      session.login(Args.str(user));
    }
    if (!session.authenticated) {
      out.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the"
          + " HELLO AUTH <user> <pass> option can be used to authenticate the client and select the"
          + " RESP protocol version at the same time");
      return;
    }
    if (name != null) {
      session.name = name.length == 0 ? null : Args.str(name);
    }
    if (version != 0) {
      session.proto = (int) version;
    }
    out.array(14)
        .bulk("server").bulk("redis")
        .bulk("version").bulk(REDIS_VERSION)
        .bulk("proto").integer(session.proto)
        .bulk("id").integer(session.id())
        .bulk("mode").bulk(backend.cluster() == null ? "standalone" : "cluster")
        .bulk("role").bulk("master")
        .bulk("modules").array(0);
  }

  /** AUTH [user] password, with Redis 7.0's texts. */
  private void auth(byte[][] a, ClientSession session, RespOut out) {
    if (a.length > 3) {
      out.error(SYNTAX);
      return;
    }
    Acl acl = backend.acl();
    if (a.length == 2 && acl.table().get("default").user().nopass()) {
      out.error(Acl.NO_PASSWORD_CONFIGURED);
      return;
    }
    String user = a.length == 2 ? "default" : Args.str(a[1]);
    if (acl.authenticate(user, a[a.length - 1])) {
      session.login(user);
      out.ok();
    } else {
      out.error(Acl.WRONGPASS);
    }
  }

  /** The ACL subcommands answered from this peer's applied user table. */
  private void acl(byte[][] a, ClientSession session, RespOut out) {
    AclTable table = backend.acl().table();
    switch (ClientSession.lower(a[1])) {
      case "whoami" -> out.bulk(session.user);
      case "users" -> {
        out.array(table.entries().size());
        table.entries().forEach(e -> out.bulk(e.user().name()));
      }
      case "list" -> {
        out.array(table.entries().size());
        table.entries().forEach(e -> out.bulk(e.user().describe()));
      }
      case "getuser" -> {
        AclTable.Entry e = table.get(Args.str(a[2]));
        if (e == null) {
          out.nil();
          return;
        }
        AclUser u = e.user();
        out.array(12).bulk("flags").array(u.flags().size());
        u.flags().forEach(out::bulk);
        out.bulk("passwords").array(u.passwords().size());
        u.passwords().forEach(out::bulk);
        out.bulk("commands").bulk(u.commandsDescription())
            .bulk("keys").bulk(u.keysDescription())
            .bulk("channels").bulk(u.channelsDescription())
            .bulk("selectors").array(0);
      }
      case "cat" -> {
        if (a.length == 2) {
          out.array(AclRules.CATEGORIES.size());
          AclRules.CATEGORIES.forEach(out::bulk);
        } else if (a.length == 3 && AclRules.CATEGORIES.contains(ClientSession.lower(a[2]))) {
          List<String> names = AclRules.commandsIn(ClientSession.lower(a[2]));
          out.array(names.size());
          names.forEach(out::bulk);
        } else if (a.length == 3) {
          out.error("ERR Unknown category '" + Args.str(a[2]) + "'");
        } else {
          out.error("ERR wrong number of arguments for 'acl|cat' command");
        }
      }
      case "help" -> {
        List<String> lines = List.of("ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CAT [<category>]", "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]", "    Delete a list of users.",
            "GETUSER <username>", "    Get the user's details.",
            "LIST", "    Show users details in config file format.",
            "USERS", "    List all the registered usernames.",
            "SETUSER <username> <attribute> [<attribute> ...]", "    Create or modify a user with the specified attributes.",
            "WHOAMI", "    Return the current connection username.",
            "HELP", "    Print this help.");
        out.array(lines.size());
        lines.forEach(out::simple);
      }
      // SETUSER and DELUSER reach this point only inside MULTI (see ClientSession)
      case "setuser", "deluser" -> out.error("ERR ACL " + ClientSession.lower(a[1]).toUpperCase(Locale.ROOT)
          + " cannot run inside MULTI in raft-kv");
      default -> throw new IllegalStateException("subcommand table and switch disagree");
    }
  }

  /**
   * DEBUG PROTOCOL: one reply of each RESP type, as Redis 7.0 sends it in the connection's
   * protocol (RESP3 bytes are written as they are; the RESP3 conversion leaves them alone).
   */
  private static void debugProtocol(String type, boolean resp3, RespOut out) {
    String r3 = switch (type) {
      case "string" -> "$11\r\nHello World\r\n";
      case "integer" -> ":12345\r\n";
      case "double" -> resp3 ? ",3.141\r\n" : "$5\r\n3.141\r\n";
      case "bignum" -> resp3 ? "(1234567999999999999999999999999999999\r\n"
          : "$37\r\n1234567999999999999999999999999999999\r\n";
      case "null" -> resp3 ? "_\r\n" : "$-1\r\n";
      case "array" -> "*3\r\n:0\r\n:1\r\n:2\r\n";
      case "set" -> (resp3 ? "~3" : "*3") + "\r\n:0\r\n:1\r\n:2\r\n";
      case "map" -> resp3 ? "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"
          : "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n";
      case "attrib" -> (resp3 ? "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n" : "")
          + "$39\r\nSome real reply following the attribute\r\n";
      case "push" -> resp3
          ? ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n"
          : null;
      case "verbatim" -> resp3 ? "=29\r\ntxt:This is a verbatim\nstring\r\n"
          : "$25\r\nThis is a verbatim\nstring\r\n";
      case "true" -> resp3 ? "#t\r\n" : ":1\r\n";
      case "false" -> resp3 ? "#f\r\n" : ":0\r\n";
      default -> "";
    };
    if (r3 == null) {
      out.error("ERR RESP2 is not supported by this command");
    } else if (r3.isEmpty()) {
      out.error("ERR Wrong protocol type name. Please use one of the following: "
          + "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    } else {
      out.append(r3.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  /** CLIENT subcommands; returns true when the caller's own connection must close. */
  private boolean client(byte[][] a, ClientSession session, RespOut out) {
    switch (ClientSession.lower(a[1])) {
      case "setname" -> {
        if (!validName(a[2])) {
          out.error("ERR Client names cannot contain spaces, newlines or special characters.");
          return false;
        }
        session.name = a[2].length == 0 ? null : Args.str(a[2]);
        out.ok();
      }
      case "getname" -> out.bulk(session.name == null ? null : Args.bytes(session.name));
      case "id" -> out.integer(session.id());
      case "setinfo" -> {
        String attr = Args.str(a[2]);
        if (!is(a[2], "lib-name") && !is(a[2], "lib-ver")) {
          out.error("ERR Unrecognized option '" + attr + "'");
        } else if (!validName(a[3])) {
          out.error("ERR " + attr + " cannot contain spaces, newlines or special characters.");
        } else {
          String v = a[3].length == 0 ? null : Args.str(a[3]);
          if (is(a[2], "lib-name")) {
            session.libName = v;
          } else {
            session.libVersion = v;
          }
          out.ok();
        }
      }
      case "info" -> out.bulk(clientLine(session) + "\n");
      case "list" -> clientList(a, out);
      case "kill" -> {
        return clientKill(a, session, out);
      }
      case "unblock" -> clientUnblock(a, out);
      case "reply" -> {
        String mode = ClientSession.lower(a[2]);
        if (!mode.equals("on") && !mode.equals("off") && !mode.equals("skip")) {
          out.error(SYNTAX);
          return false;
        }
        session.replyMode(mode);
        out.ok(); // written only for ON
      }
      case "no-evict", "no-touch" -> {
        if (is(a[2], "on") || is(a[2], "off")) {
          out.ok(); // nothing is evicted and nothing tracks access times: accepted, no effect
        } else {
          out.error(SYNTAX);
        }
      }
      default -> throw new IllegalStateException("subcommand table and switch disagree");
    }
    return false;
  }

  /** Redis's client type: pubsub with a subscription, else normal (no masters or replicas here). */
  private static String clientType(ClientSession s) {
    return s.pubsub.subscribed() ? "pubsub" : "normal";
  }

  /** Redis's CLIENT LIST flags: b blocked, P subscribed, N neither. */
  private static String clientFlags(ClientSession s) {
    String f = (s.blocked() ? "b" : "") + (s.pubsub.subscribed() ? "P" : "");
    return f.isEmpty() ? "N" : f;
  }

  /** CLIENT UNBLOCK id [TIMEOUT|ERROR], with Redis 7.0's checks in its order. */
  private void clientUnblock(byte[][] a, RespOut out) {
    if (a.length > 4) {
      out.error("ERR unknown subcommand or wrong number of arguments for '" + Args.str(a[1])
          + "'. Try CLIENT HELP.");
      return;
    }
    boolean error = false;
    if (a.length == 4) {
      if (is(a[3], "error")) {
        error = true;
      } else if (!is(a[3], "timeout")) {
        out.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        return;
      }
    }
    Long id = Args.parseLong(a[2]);
    if (id == null) {
      out.error("ERR value is not an integer or out of range");
      return;
    }
    ClientSession target = null;
    for (ClientSession s : stats.sessions()) {
      if (s.id() == id) {
        target = s;
      }
    }
    out.integer(target != null && target.unblock(error) ? 1 : 0);
  }

  private void clientList(byte[][] a, RespOut out) {
    List<Long> ids = null;
    String type = null;
    if (a.length == 4 && is(a[2], "type")) {
      type = ClientSession.lower(a[3]);
      if (!Set.of("normal", "master", "slave", "replica", "pubsub").contains(type)) {
        out.error("ERR Unknown client type '" + Args.str(a[3]) + "'");
        return;
      }
    } else if (a.length > 3 && is(a[2], "id")) {
      ids = new ArrayList<>();
      for (int i = 3; i < a.length; i++) {
        Long id = Args.parseLong(a[i]);
        if (id == null) {
          out.error("ERR Invalid client ID");
          return;
        }
        ids.add(id);
      }
    } else if (a.length != 2) {
      out.error(SYNTAX);
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (ClientSession s : stats.sessions()) {
      if ((ids == null || ids.contains(s.id())) && (type == null || type.equals(clientType(s)))) {
        sb.append(clientLine(s)).append('\n');
      }
    }
    out.bulk(sb.toString());
  }

  /** CLIENT KILL addr:port (old form, replies OK) or CLIENT KILL filter value ... (replies a count). */
  private boolean clientKill(byte[][] a, ClientSession self, RespOut out) {
    if (a.length == 3) {
      String addr = Args.str(a[2]);
      for (ClientSession s : stats.sessions()) {
        if (s.remoteAddress().equals(addr)) {
          out.ok();
          if (s == self) {
            return true;
          }
          s.kill();
          return false;
        }
      }
      out.error("ERR No such client");
      return false;
    }
    Long id = null;
    String user = null;
    String addr = null;
    String laddr = null;
    boolean skipMe = true;
    boolean noneMatch = false;
    String type = null;
    for (int i = 2; i < a.length; i += 2) {
      if (i + 1 >= a.length) {
        out.error(SYNTAX);
        return false;
      }
      String v = Args.str(a[i + 1]);
      switch (ClientSession.lower(a[i])) {
        case "id" -> {
          id = Args.parseLong(a[i + 1]);
          if (id == null || id <= 0) {
            out.error("ERR client-id should be greater than 0");
            return false;
          }
        }
        case "type" -> {
          String t = v.toLowerCase(Locale.ROOT);
          if (!Set.of("normal", "master", "slave", "replica", "pubsub").contains(t)) {
            out.error("ERR Unknown client type '" + v + "'");
            return false;
          }
          noneMatch |= !t.equals("normal") && !t.equals("pubsub");
          type = t;
        }
        case "user" -> {
          if (backend.acl().table().get(v) == null) {
            out.error("ERR No such user '" + v + "'");
            return false;
          }
          user = v;
        }
        case "addr" -> addr = v;
        case "laddr" -> laddr = v;
        case "skipme" -> {
          if (is(a[i + 1], "yes")) {
            skipMe = true;
          } else if (is(a[i + 1], "no")) {
            skipMe = false;
          } else {
            out.error(SYNTAX);
            return false;
          }
        }
        default -> {
          out.error(SYNTAX);
          return false;
        }
      }
    }
    int killed = 0;
    boolean killSelf = false;
    for (ClientSession s : noneMatch ? List.<ClientSession>of() : stats.sessions()) {
      if ((id != null && s.id() != id) || (user != null && !user.equals(s.user))
          || (addr != null && !s.remoteAddress().equals(addr))
          || (laddr != null && !s.localAddress().equals(laddr)) || (skipMe && s == self)
          || (type != null && !type.equals(clientType(s)))) {
        continue;
      }
      killed++;
      if (s == self) {
        killSelf = true;
      } else {
        s.kill();
      }
    }
    out.integer(killed);
    return killSelf;
  }

  /** One line of CLIENT LIST / CLIENT INFO, with Redis 7.0's fields (plus 7.2's lib-name, lib-ver). */
  static String clientLine(ClientSession s) {
    long now = System.currentTimeMillis();
    String name = s.name;
    String lib = s.libName;
    String ver = s.libVersion;
    return "id=" + s.id() + " addr=" + s.remoteAddress() + " laddr=" + s.localAddress() + " fd=-1"
        + " name=" + (name == null ? "" : name) + " age=" + (now - s.createdMillis) / 1000
        + " idle=" + (now - s.lastMillis) / 1000 + " flags=" + clientFlags(s) + " db=0 sub=" + s.pubsub.channelCount
        + " psub=" + s.pubsub.patternCount + " ssub=" + s.pubsub.shardCount + " multi=-1"
        + " qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0"
        + " events=r cmd=" + s.lastCommand + " user=" + s.user + " redir=-1 resp=" + s.proto
        + " lib-name=" + (lib == null ? "" : lib) + " lib-ver=" + (ver == null ? "" : ver);
  }

  private static void commandInfo(CommandSpec c, RespOut out) {
    CommandMeta.Info m = c.meta();
    out.array(10).bulk(c.name()).integer(c.arity());
    out.array(m.flags().size());
    m.flags().forEach(out::simple);
    out.integer(m.firstKey()).integer(m.lastKey()).integer(m.step());
    List<String> categories = m.categories();
    out.array(categories.size());
    categories.forEach(out::simple);
    out.array(0) // tips
        .array(0) // key specs
        .array(0); // subcommands
  }

  private static void commandDocs(CommandSpec c, RespOut out) {
    CommandMeta.Info m = c.meta();
    out.bulk(c.name()).array(6)
        .bulk("summary").bulk(m.summary())
        .bulk("since").bulk(m.since())
        .bulk("group").bulk(m.group());
  }

  private void command(byte[][] a, RespOut out) {
    if (a.length == 1) {
      out.array(Commands.all().size());
      Commands.all().forEach(c -> commandInfo(c, out));
      return;
    }
    switch (ClientSession.lower(a[1])) {
      case "count" -> out.integer(Commands.all().size());
      case "getkeys" -> {
        // the row's own keys (command.CommandKeys), as routing sees them; Redis 7.0's errors
        byte[][] cmd = java.util.Arrays.copyOfRange(a, 2, a.length);
        CommandSpec spec = Commands.lookup(cmd[0]);
        if (spec == null || Commands.isInternal(spec)) {
          out.error("ERR Invalid command specified");
        } else if (!spec.arityOk(cmd.length)) {
          out.error("ERR Invalid number of arguments specified for command");
        } else {
          java.util.List<byte[]> keys = spec.keys(cmd);
          if (keys.isEmpty()) {
            out.error("ERR The command has no key arguments");
          } else {
            out.array(keys.size());
            keys.forEach(out::bulk);
          }
        }
      }
      case "list" -> {
        java.util.function.Predicate<String> filter = null;
        String aclcat = null;
        boolean module = false;
        if (a.length == 5 && is(a[2], "filterby")) {
          if (is(a[3], "pattern")) {
            byte[] pattern = Args.bytes(ClientSession.lower(a[4]));
            filter = name -> Glob.matches(pattern, Args.bytes(name));
          } else if (is(a[3], "aclcat")) {
            aclcat = "@" + ClientSession.lower(a[4]);
          } else if (is(a[3], "module")) {
            module = true;
          } else {
            out.error(SYNTAX);
            return;
          }
        } else if (a.length != 2) {
          out.error(SYNTAX);
          return;
        }
        List<String> names = new ArrayList<>();
        for (CommandSpec c : Commands.all()) {
          if (!module && (filter == null || filter.test(c.name()))
              && (aclcat == null || c.meta().categories().contains(aclcat))) {
            names.add(c.name());
          }
        }
        out.array(names.size());
        names.forEach(out::bulk);
      }
      case "info" -> {
        if (a.length == 2) {
          out.array(Commands.all().size());
          Commands.all().forEach(c -> commandInfo(c, out));
          return;
        }
        out.array(a.length - 2);
        for (int i = 2; i < a.length; i++) {
          CommandSpec c = visible(Commands.lookup(a[i]));
          if (c == null) {
            out.nil();
          } else {
            commandInfo(c, out);
          }
        }
      }
      case "docs" -> {
        List<CommandSpec> found = new ArrayList<>();
        if (a.length == 2) {
          found.addAll(Commands.all());
        }
        for (int i = 2; i < a.length; i++) {
          CommandSpec c = visible(Commands.lookup(a[i]));
          if (c != null && !found.contains(c)) {
            found.add(c);
          }
        }
        out.array(found.size() * 2);
        found.forEach(c -> commandDocs(c, out));
      }
      default -> throw new IllegalStateException("subcommand table and switch disagree");
    }
  }

  private static boolean isGlob(byte[] pattern) {
    for (byte b : pattern) {
      if (b == '*' || b == '?' || b == '[') {
        return true;
      }
    }
    return false;
  }

  private void config(byte[][] a, RespOut out) {
    synchronized (config) { // CONFIG SET may change it from any connection's event loop
      configLocked(a, out);
    }
  }

  private void configLocked(byte[][] a, RespOut out) {
    switch (ClientSession.lower(a[1])) {
      case "get" -> {
        Map<String, String> found = new LinkedHashMap<>();
        for (int i = 2; i < a.length; i++) {
          if (!isGlob(a[i])) {
            String v = config.get(ClientSession.lower(a[i]));
            if (v != null) {
              found.putIfAbsent(Args.str(a[i]), v); // an exact name is answered as it was asked
            }
            continue;
          }
          byte[] pattern = Args.bytes(ClientSession.lower(a[i]));
          for (Map.Entry<String, String> e : config.entrySet()) {
            if (Glob.matches(pattern, Args.bytes(e.getKey()))) {
              found.putIfAbsent(e.getKey(), e.getValue());
            }
          }
        }
        out.array(found.size() * 2);
        found.forEach((k, v) -> out.bulk(k).bulk(v));
      }
      case "set" -> {
        if (a.length % 2 != 0) {
          out.error(SYNTAX);
          return;
        }
        for (int i = 2; i < a.length; i += 2) {
          if (!config.containsKey(ClientSession.lower(a[i]))) {
            out.error("ERR Unknown option or number of arguments for CONFIG SET - '"
                + Args.str(a[i]) + "'");
            return;
          }
        }
        Map<String, String> changes = new java.util.LinkedHashMap<>();
        for (int i = 2; i < a.length; i += 2) {
          String key = ClientSession.lower(a[i]);
          String value = Args.str(a[i + 1]);
          long[] range = TUNABLE.get(key);
          if (key.equals("min-replicas-to-write") || key.equals("min-slaves-to-write")) {
            Long n = Args.parseLong(a[i + 1]);
            if (n == null || n < 0 || n > Integer.MAX_VALUE) {
              out.error("ERR CONFIG SET failed (possibly related to argument '" + key + "') - "
                  + (n == null ? "argument couldn't be parsed into an integer"
                      : "argument must be between 0 and " + Integer.MAX_VALUE + " inclusive"));
              return;
            }
            changes.put("min-replicas-to-write", Long.toString(n));
            changes.put("min-slaves-to-write", Long.toString(n));
          } else if (key.equals("notify-keyspace-events")) {
            int flags = dev.raftkv.command.KeyspaceEvents.parse(value);
            if (flags < 0) {
              out.error("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') -"
                  + " Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
              return;
            }
            changes.put(key, dev.raftkv.command.KeyspaceEvents.format(flags));
          } else if (key.equals("maxmemory")) {
            long bytes = memoryBytes(value);
            if (bytes < 0) {
              out.error("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument"
                  + " must be a memory value");
              return;
            }
            changes.put(key, Long.toString(bytes));
          } else if (range != null) {
            Long n = Args.parseLong(a[i + 1]);
            String problem = n == null ? "argument couldn't be parsed into an integer"
                : n < range[0] || n > range[1]
                    ? "argument must be between " + range[0] + " and " + range[1] + " inclusive" : null;
            if (problem != null) {
              out.error("ERR CONFIG SET failed (possibly related to argument '" + key + "') - " + problem);
              return;
            }
            changes.put(key, Long.toString(n));
            changes.put(ALIAS.get(key), Long.toString(n));
          } else if (!config.get(key).equals(value)) {
            out.error("ERR CONFIG SET failed (possibly related to argument '" + key + "') - raft-kv"
                + " reads its configuration at start-up (--conf, -D): this value cannot change");
            return;
          }
        }
        config.putAll(changes); // Redis's encoding thresholds: this peer reports the new values
        if (changes.containsKey("notify-keyspace-events")) {
          // this peer's subscribers: the events every peer derives alike from the applied commands
          backend.pubsub().setKeyspaceEvents(
              dev.raftkv.command.KeyspaceEvents.parse(changes.get("notify-keyspace-events")));
        }
        if (changes.containsKey("maxmemory")) {
          maxmemory = Long.parseLong(changes.get("maxmemory"));
        }
        if (changes.containsKey("min-replicas-to-write")) {
          minReplicas = Long.parseLong(changes.get("min-replicas-to-write"));
        }
        out.ok();
      }
      case "resetstat" -> {
        stats.resetCommandStats();
        out.ok();
      }
      default -> throw new IllegalStateException("subcommand table and switch disagree");
    }
  }

  /**
   * True when CONFIG SET maxmemory set a limit on this peer and the JVM's used heap is above it:
   * the commands Redis flags {@code denyoom} are then refused with {@link #OOM}.
   */
  boolean overMaxmemory() {
    long limit = maxmemory;
    if (limit == 0) {
      return false;
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory() > limit;
  }

  /** True when CONFIG SET min-replicas-to-write asks for more replicas than this peer has. */
  boolean tooFewReplicas() {
    long wanted = minReplicas;
    return wanted > 0 && backend.otherPeers() < wanted;
  }

  /** Redis 7.0's reply to a write while min-replicas-to-write is not met. */
  static final String NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";

  /** Redis 7.0's reply to a {@code denyoom} command while used memory is above maxmemory. */
  static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";

  /**
   * A memory value as Redis's CONFIG SET reads it: digits with an optional unit (k kb m mb g gb,
   * any case; k = 1000, kb = 1024); -1 when it is not one.
   */
  static long memoryBytes(String value) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,18})(k|kb|m|mb|g|gb)?")
        .matcher(value.toLowerCase(java.util.Locale.ROOT));
    if (!m.matches()) {
      return -1;
    }
    long n = Long.parseLong(m.group(1));
    long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
      case "k" -> 1000L;
      case "kb" -> 1024L;
      case "m" -> 1000L * 1000;
      case "mb" -> 1024L * 1024;
      case "g" -> 1000L * 1000 * 1000;
      default -> 1024L * 1024 * 1024;
    };
    return n > Long.MAX_VALUE / unit ? -1 : n * unit;
  }

  /**
   * Redis 7.0's encoding thresholds, which CONFIG SET may change on this peer (with their ranges,
   * as Redis checks them). raft-kv has one encoding per type: they are reported, nothing more.
   */
  private static final Map<String, long[]> TUNABLE = Map.ofEntries(
      Map.entry("hash-max-listpack-entries", new long[] {0, Long.MAX_VALUE}),
      Map.entry("hash-max-ziplist-entries", new long[] {0, Long.MAX_VALUE}),
      Map.entry("hash-max-listpack-value", new long[] {0, Long.MAX_VALUE}),
      Map.entry("hash-max-ziplist-value", new long[] {0, Long.MAX_VALUE}),
      Map.entry("list-max-listpack-size", new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE}),
      Map.entry("list-max-ziplist-size", new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE}),
      Map.entry("list-compress-depth", new long[] {0, Integer.MAX_VALUE}),
      Map.entry("set-max-intset-entries", new long[] {0, Long.MAX_VALUE}),
      Map.entry("zset-max-listpack-entries", new long[] {0, Long.MAX_VALUE}),
      Map.entry("zset-max-ziplist-entries", new long[] {0, Long.MAX_VALUE}),
      Map.entry("zset-max-listpack-value", new long[] {0, Long.MAX_VALUE}),
      Map.entry("zset-max-ziplist-value", new long[] {0, Long.MAX_VALUE}));
  /** Redis 7.0's alias pairs (the old ziplist names); a key without one is its own. */
  private static final Map<String, String> ALIAS = aliases();

  private static Map<String, String> aliases() {
    Map<String, String> m = new java.util.HashMap<>();
    for (String k : TUNABLE.keySet()) {
      String other = k.contains("listpack") ? k.replace("listpack", "ziplist") : k.replace("ziplist", "listpack");
      m.put(k, TUNABLE.containsKey(other) ? other : k);
    }
    return m;
  }

  /** A row COMMAND may describe: internal commands do not exist for clients. */
  private static CommandSpec visible(CommandSpec c) {
    return c == null || Commands.isInternal(c) ? null : c;
  }
}

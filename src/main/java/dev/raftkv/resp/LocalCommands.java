package dev.raftkv.resp;

import static dev.raftkv.command.Args.is;

import dev.raftkv.command.Args;
import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import dev.raftkv.command.Glob;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Commands answered by the receiving peer itself: connection, introspection, server. */
final class LocalCommands {
  static final String REDIS_VERSION = "7.0.0";

  private final Backend backend;
  private final ServerStats stats;
  private final Map<String, String> config;

  LocalCommands(Backend backend, ServerStats stats, Map<String, String> config) {
    this.backend = backend;
    this.stats = stats;
    this.config = config;
  }

  /** Runs a LOCAL command; returns true when the connection must be closed after the reply. */
  boolean execute(CommandSpec spec, byte[][] a, ClientSession session, RespOut out) {
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
        } else if (db != 0) {
          out.error("ERR DB index is out of range");
        } else {
          out.ok();
        }
      }
      case "hello" -> hello(a, session, out);
      case "client" -> client(a, session, out);
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
      default -> out.error("ERR unknown command '" + spec.name() + "'");
    }
    return false;
  }

  private void hello(byte[][] a, ClientSession session, RespOut out) {
    int i = 1;
    if (a.length > 1) {
      Long proto = Args.parseLong(a[1]);
      if (proto == null) {
        out.error("NOPROTO unsupported protocol version");
        return;
      }
      if (proto != 2) {
        // RESP3 is not implemented yet; clients fall back to RESP2 on this error
        out.error("NOPROTO unsupported protocol version");
        return;
      }
      i = 2;
    }
    for (; i < a.length; i++) {
      if (is(a[i], "setname") && i + 1 < a.length) {
        session.name = Args.str(a[++i]);
      } else if (is(a[i], "auth") && i + 2 < a.length) {
        i += 2; // no password is configured: any credentials are accepted, like Redis's default user
      } else {
        out.error("ERR Syntax error in HELLO option '" + Args.str(a[i]) + "'");
        return;
      }
    }
    out.array(14)
        .bulk("server").bulk("redis")
        .bulk("version").bulk(REDIS_VERSION)
        .bulk("proto").integer(2)
        .bulk("id").integer(session.id())
        .bulk("mode").bulk("standalone")
        .bulk("role").bulk("master")
        .bulk("modules").array(0);
  }

  private void client(byte[][] a, ClientSession session, RespOut out) {
    String sub = ClientSession.lower(a[1]);
    switch (sub) {
      case "setname" -> {
        if (a.length != 3) {
          out.error("ERR wrong number of arguments for 'client|setname' command");
          return;
        }
        for (byte b : a[2]) {
          if (b < '!' || b > '~') {
            out.error("ERR Client names cannot contain spaces, newlines or special characters.");
            return;
          }
        }
        session.name = a[2].length == 0 ? null : Args.str(a[2]);
        out.ok();
      }
      case "getname" -> out.bulk(session.name == null ? null : Args.bytes(session.name));
      case "id" -> out.integer(session.id());
      case "setinfo" -> {
        if (a.length != 4) {
          out.error("ERR wrong number of arguments for 'client|setinfo' command");
        } else if (is(a[2], "lib-name")) {
          session.libName = Args.str(a[3]);
          out.ok();
        } else if (is(a[2], "lib-ver")) {
          session.libVersion = Args.str(a[3]);
          out.ok();
        } else {
          out.error("ERR Unrecognized option '" + Args.str(a[2]) + "'");
        }
      }
      case "info" -> out.bulk(clientLine(session) + "\n");
      case "list" -> out.bulk(clientLine(session) + "\n");
      default -> out.error("ERR unknown subcommand '" + Args.str(a[1]) + "'. Try CLIENT HELP.");
    }
  }

  private static String clientLine(ClientSession s) {
    long age = (System.currentTimeMillis() - s.createdMillis) / 1000;
    return "id=" + s.id() + " addr=" + s.remoteAddress() + " name=" + (s.name == null ? "" : s.name)
        + " age=" + age + " db=0 lib-name=" + (s.libName == null ? "" : s.libName)
        + " lib-ver=" + (s.libVersion == null ? "" : s.libVersion);
  }

  private static void commandInfo(CommandSpec c, RespOut out) {
    out.array(10).bulk(c.name()).integer(c.arity());
    List<String> flags = new ArrayList<>();
    switch (c.route()) {
      case WRITE -> flags.add("write");
      case READ -> flags.add("readonly");
      default -> flags.add("fast");
    }
    out.array(flags.size());
    flags.forEach(f -> out.simple(f));
    boolean keyed = c.route() != CommandSpec.Route.LOCAL && !c.name().equals("dbsize")
        && !c.name().startsWith("flush") && !c.name().equals("keys");
    int last = c.arity() < 0 ? -1 : 1;
    out.integer(keyed ? 1 : 0).integer(keyed ? last : 0).integer(keyed ? 1 : 0);
    out.array(0).array(0).array(0).array(0);
  }

  private void command(byte[][] a, RespOut out) {
    if (a.length == 1) {
      out.array(Commands.all().size());
      Commands.all().forEach(c -> commandInfo(c, out));
      return;
    }
    String sub = ClientSession.lower(a[1]);
    switch (sub) {
      case "count" -> out.integer(Commands.all().size());
      case "list" -> {
        out.array(Commands.all().size());
        Commands.all().forEach(c -> out.bulk(c.name()));
      }
      case "info" -> {
        out.array(a.length - 2);
        for (int i = 2; i < a.length; i++) {
          CommandSpec c = Commands.lookup(a[i]);
          if (c == null) {
            out.nilArray();
          } else {
            commandInfo(c, out);
          }
        }
      }
      case "docs" -> out.array(0);
      default -> out.error("ERR unknown subcommand '" + Args.str(a[1]) + "'. Try COMMAND HELP.");
    }
  }

  private void config(byte[][] a, RespOut out) {
    String sub = ClientSession.lower(a[1]);
    switch (sub) {
      case "get" -> {
        if (a.length < 3) {
          out.error("ERR wrong number of arguments for 'config|get' command");
          return;
        }
        Map<String, String> found = new LinkedHashMap<>();
        for (int i = 2; i < a.length; i++) {
          for (Map.Entry<String, String> e : config.entrySet()) {
            if (Glob.matches(Args.bytes(ClientSession.lower(a[i])), Args.bytes(e.getKey()))) {
              found.put(e.getKey(), e.getValue());
            }
          }
        }
        out.array(found.size() * 2);
        found.forEach((k, v) -> out.bulk(k).bulk(v));
      }
      case "set" -> out.error("ERR CONFIG SET is not supported by raft-kv: configuration is set at"
          + " start-up (--conf, -D)");
      case "resetstat" -> out.ok();
      default -> out.error("ERR unknown subcommand '" + Args.str(a[1]) + "'. Try CONFIG HELP.");
    }
  }
}

package dev.raftkv.command;

import dev.raftkv.command.CommandSpec.Executor;
import dev.raftkv.command.CommandSpec.Normalizer;
import dev.raftkv.command.CommandSpec.Route;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command table: one row per command. The route decides where a command runs; arity is
 * checked once, generically, before anything else; writes are normalized on the receiving peer.
 */
public final class Commands {
  /** Largest string value, like Redis's proto-max-bulk-len default. */
  public static final long MAX_STRING = 512L * 1024 * 1024;

  private static final Normalizer AS_IS = (argv, now) -> argv;
  private static final Map<String, CommandSpec> TABLE = new LinkedHashMap<>();

  static {
    // connection and server: answered by the receiving peer
    local("ping", -1);
    local("echo", 2);
    local("quit", -1);
    local("select", 2);
    local("hello", -1);
    local("client", -2);
    local("command", -1);
    local("config", -2);
    local("info", -1);
    local("time", 1);
    local("auth", -2);
    local("wait", 3);
    local("reset", 1);
    local("readonly", 1);
    local("readwrite", 1);
    // strings
    read("get", 2, StringCommands::get);
    read("mget", -2, StringCommands::mget);
    read("strlen", 2, StringCommands::strlen);
    write("set", -3, StringCommands::normalizeSet, StringCommands::set);
    write("mset", -3, AS_IS, StringCommands::mset);
    write("incr", 2, AS_IS, StringCommands::incr);
    write("decr", 2, AS_IS, StringCommands::decr);
    write("incrby", 3, StringCommands::checkIncrement, StringCommands::incrby);
    write("decrby", 3, StringCommands::checkIncrement, StringCommands::decrby);
    write("append", 3, AS_IS, StringCommands::append);
    // keys
    read("exists", -2, KeyCommands::exists);
    read("keys", 2, KeyCommands::keys);
    read("dbsize", 1, KeyCommands::dbsize);
    read("ttl", 2, KeyCommands::ttl);
    read("pttl", 2, KeyCommands::pttl);
    read("type", 2, KeyCommands::type);
    write("del", -2, AS_IS, KeyCommands::del);
    write("flushdb", -1, KeyCommands::checkFlush, KeyCommands::flush);
    write("flushall", -1, KeyCommands::checkFlush, KeyCommands::flush);

    // hashes (HashCommands)

    // lists (ListCommands)

    // sets (SetCommands)

    // sorted sets (ZSetCommands)

    // transactions and connection-level additions
  }

  private Commands() {}

  private static void local(String name, int arity) {
    TABLE.put(name, new CommandSpec(name, arity, Route.LOCAL, AS_IS, null));
  }

  private static void read(String name, int arity, Executor executor) {
    TABLE.put(name, new CommandSpec(name, arity, Route.READ, AS_IS, executor));
  }

  private static void write(String name, int arity, Normalizer normalizer, Executor executor) {
    TABLE.put(name, new CommandSpec(name, arity, Route.WRITE, normalizer, executor));
  }

  /** The row for a command name in any case, or null. */
  public static CommandSpec lookup(byte[] name) {
    if (name.length == 0 || name.length > 32) {
      return null;
    }
    char[] c = new char[name.length];
    for (int i = 0; i < name.length; i++) {
      int b = name[i] & 0xff;
      c[i] = (char) (b >= 'A' && b <= 'Z' ? b + 32 : b);
    }
    return TABLE.get(new String(c));
  }

  public static Collection<CommandSpec> all() {
    return Collections.unmodifiableCollection(TABLE.values());
  }

  /** Redis's reply for an unknown command, quoting up to the first arguments. */
  public static String unknownCommandError(byte[][] argv) {
    StringBuilder sb = new StringBuilder("ERR unknown command '")
        .append(printable(argv[0], 128)).append("', with args beginning with: ");
    for (int i = 1; i < argv.length && sb.length() < 256; i++) {
      sb.append('\'').append(printable(argv[i], 128)).append("' ");
    }
    return sb.toString();
  }

  private static String printable(byte[] b, int max) {
    String s = Args.str(b);
    return s.length() > max ? s.substring(0, max) : s;
  }

  /**
   * Runs a command (already checked for existence and arity) against a keyspace. User errors are
   * written as error replies; nothing half-written remains.
   */
  public static void execute(CommandSpec spec, byte[][] argv, Keyspace ks, dev.raftkv.resp.RespOut out) {
    int mark = out.length();
    try {
      spec.executor().execute(argv, ks, out);
    } catch (CommandError e) {
      out.truncate(mark);
      out.error(e.getMessage());
    }
  }
}

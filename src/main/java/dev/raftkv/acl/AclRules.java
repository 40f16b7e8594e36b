package dev.raftkv.acl;

import dev.raftkv.command.CommandError;
import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import dev.raftkv.protocol.CommandMeta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The subset of Redis 7.0's ACL SETUSER rules raft-kv understands, applied in order to a user:
 * {@code on off nopass resetpass >pw <pw #hash !hash ~pattern allkeys resetkeys &pattern
 * allchannels resetchannels +@all -@all allcommands nocommands +@category -@category +cmd -cmd
 * +cmd|sub -cmd|sub reset}. Error texts are Redis's. Selectors ({@code (...)}) and the read/write
 * key permissions ({@code %R~}) are refused.
 *
 * <p>The commands a user may run are derived from the rule list against this version's command
 * table, on every peer the same way.
 */
public final class AclRules {
  /** Redis 7.0's ACL categories (ACL CAT). */
  public static final List<String> CATEGORIES = List.of("keyspace", "read", "write", "set",
      "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo", "stream", "pubsub",
      "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting");
  /** Container commands whose subcommands are separate ACL entries. */
  private static final Map<String, List<String>> CONTAINERS = Map.of(
      "client", List.of("id", "getname", "setname", "info", "list", "setinfo", "kill", "no-evict",
          "no-touch"),
      "command", List.of("count", "list", "info", "docs"),
      "config", List.of("get", "set", "resetstat"),
      "acl", List.of("setuser", "deluser", "getuser", "list", "users", "whoami", "cat", "help"),
      "pubsub", List.of("channels", "numsub", "numpat", "shardchannels", "shardnumsub", "help"));
  private static volatile Map<String, Set<String>> universe;

  private AclRules() {}

  /** Every ACL command name ({@code get}, {@code config|get}, ...) with its categories. */
  static Map<String, Set<String>> universe() {
    Map<String, Set<String>> u = universe;
    if (u == null) {
      u = new LinkedHashMap<>();
      for (CommandSpec spec : Commands.all()) {
        Set<String> cats = new HashSet<>();
        for (String c : spec.meta().categories()) {
          cats.add(c.substring(1));
        }
        List<String> subs = CONTAINERS.get(spec.name());
        if (subs == null) {
          u.put(spec.name(), cats);
          continue;
        }
        for (String sub : subs) {
          Set<String> sc = new HashSet<>(cats);
          if (spec.name().equals("acl") && !Set.of("whoami", "cat", "help").contains(sub)) {
            sc.addAll(Set.of("admin", "dangerous"));
          }
          if (spec.name().equals("pubsub") && !sub.equals("help")) {
            sc.add("pubsub");
          }
          if (spec.name().equals("config")) {
            sc.addAll(Set.of("admin", "dangerous"));
          }
          u.put(spec.name() + "|" + sub, sc);
        }
      }
      universe = u = Collections.unmodifiableMap(u);
    }
    return u;
  }

  /** ACL CAT category: the commands in it. */
  public static List<String> commandsIn(String category) {
    List<String> names = new ArrayList<>();
    universe().forEach((n, cats) -> {
      if (cats.contains(category)) {
        names.add(n);
      }
    });
    return names;
  }

  /** The ACL name of a command line: {@code config|get} for a known subcommand, else the name. */
  public static String aclName(CommandSpec spec, byte[][] argv) {
    List<String> subs = CONTAINERS.get(spec.name());
    if (subs != null && argv.length > 1) {
      String sub = new String(argv[1], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
      if (subs.contains(sub)) {
        return spec.name() + "|" + sub;
      }
    }
    return spec.name();
  }

  /** The commands a rule list allows. */
  static Set<String> allowedCommands(List<String> rules) {
    Map<String, Set<String>> u = universe();
    Set<String> allowed = new HashSet<>();
    for (String rule : rules) {
      boolean add = rule.charAt(0) == '+';
      String what = rule.substring(1);
      for (String name : matching(u, what)) {
        if (add) {
          allowed.add(name);
        } else {
          allowed.remove(name);
        }
      }
    }
    return Collections.unmodifiableSet(allowed);
  }

  private static List<String> matching(Map<String, Set<String>> u, String what) {
    List<String> names = new ArrayList<>();
    if (what.equals("@all")) {
      names.addAll(u.keySet());
    } else if (what.startsWith("@")) {
      String cat = what.substring(1);
      u.forEach((n, cats) -> {
        if (cats.contains(cat)) {
          names.add(n);
        }
      });
    } else if (u.containsKey(what)) {
      names.add(what);
    } else {
      String prefix = what + "|";
      for (String n : u.keySet()) {
        if (n.startsWith(prefix)) {
          names.add(n);
        }
      }
    }
    return names;
  }

  /** Redis's rule for user names. */
  public static void checkName(String name) throws CommandError {
    if (name.isEmpty() || name.contains(" ") || name.indexOf('\0') >= 0) {
      throw new CommandError("ERR Usernames can't contain spaces or null characters");
    }
  }

  /** Applies ACL SETUSER rules, in order, to {@code user} (a fresh user when it is new). */
  public static AclUser apply(AclUser user, List<byte[]> rules) throws CommandError {
    boolean enabled = user.enabled();
    boolean nopass = user.nopass();
    boolean sanitize = user.sanitizePayload();
    List<String> passwords = new ArrayList<>(user.passwords());
    List<String> commands = new ArrayList<>(user.commandRules());
    List<String> keys = new ArrayList<>(user.keyPatterns());
    List<String> channels = new ArrayList<>(user.channelPatterns());
    for (byte[] raw : rules) {
      String rule = new String(raw, StandardCharsets.UTF_8);
      String lower = rule.toLowerCase(Locale.ROOT);
      switch (lower) {
        case "on" -> enabled = true;
        case "off" -> enabled = false;
        case "nopass" -> {
          nopass = true;
          passwords.clear();
        }
        case "resetpass" -> {
          nopass = false;
          passwords.clear();
        }
        case "allkeys" -> {
          keys.clear();
          keys.add("*");
        }
        case "resetkeys" -> keys.clear();
        case "allchannels" -> {
          channels.clear();
          channels.add("*");
        }
        case "resetchannels" -> channels.clear();
        case "allcommands", "+@all" -> {
          commands.clear();
          commands.add("+@all");
        }
        case "nocommands", "-@all" -> {
          commands.clear();
          commands.add("-@all");
        }
        case "reset" -> {
          enabled = false;
          nopass = false;
          sanitize = true;
          passwords.clear();
          keys.clear();
          channels.clear();
          commands.clear();
          commands.add("-@all");
        }
        default -> {
          if (rule.isEmpty()) {
            throw error(rule, "Syntax error");
          }
          char c = rule.charAt(0);
          String rest = rule.substring(1);
          switch (c) {
            case '>' -> {
              String h = AclUser.hash(java.util.Arrays.copyOfRange(raw, 1, raw.length));
              if (!passwords.contains(h)) {
                passwords.add(h);
              }
              nopass = false;
            }
            case '#' -> {
              checkHash(rule, rest);
              if (!passwords.contains(rest)) {
                passwords.add(rest);
              }
              nopass = false;
            }
            case '<', '!' -> {
              String h = c == '<'
                  ? AclUser.hash(java.util.Arrays.copyOfRange(raw, 1, raw.length)) : rest;
              if (c == '!') {
                checkHash(rule, rest);
              }
              if (!passwords.remove(h)) {
                throw error(rule, "The password you are trying to remove from the user does not exist");
              }
            }
            case '~' -> {
              if (!keys.contains("*")) {
                if (rest.equals("*")) {
                  keys.clear();
                }
                if (!keys.contains(rest)) {
                  keys.add(rest);
                }
              }
            }
            case '&' -> {
              if (!channels.contains("*")) {
                if (rest.equals("*")) {
                  channels.clear();
                }
                if (!channels.contains(rest)) {
                  channels.add(rest);
                }
              }
            }
            case '+', '-' -> {
              String what = rest.toLowerCase(Locale.ROOT);
              if (what.startsWith("@") ? !CATEGORIES.contains(what.substring(1))
                  : matching(universe(), what).isEmpty()) {
                throw error(rule, "Unknown command or category name in ACL");
              }
              String r = c + what;
              commands.remove(r);
              commands.remove((c == '+' ? '-' : '+') + what);
              // a rule for one command that changes nothing is dropped, as Redis's description does
              boolean single = !what.startsWith("@") && universe().containsKey(what);
              if (!single || allowedCommands(commands).contains(what) != (c == '+')) {
                commands.add(r);
              }
            }
            default -> throw error(rule, "Syntax error");
          }
        }
      }
    }
    return new AclUser(user.name(), enabled, nopass, sanitize, passwords, commands, keys, channels);
  }

  private static void checkHash(String rule, String hash) throws CommandError {
    if (hash.length() != 64 || !hash.chars().allMatch(ch -> (ch >= '0' && ch <= '9')
        || (ch >= 'a' && ch <= 'f'))) {
      throw error(rule, "The password hash must be exactly 64 characters and contain only"
          + " lowercase hexadecimal characters");
    }
  }

  private static CommandError error(String rule, String why) {
    return new CommandError("ERR Error in ACL SETUSER modifier '" + rule + "': " + why);
  }
}

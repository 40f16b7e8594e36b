package dev.raftkv.command;

import dev.raftkv.acl.AclRules;
import dev.raftkv.acl.AclTable;
import dev.raftkv.acl.AclUser;
import dev.raftkv.protocol.RespOut;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The replicated half of ACL: {@code ACL SETUSER} and {@code ACL DELUSER} travel through the Raft
 * log as the internal command {@link #APPLY} and change the user table every peer keeps in the
 * store's system namespace ({@link AclTable#SYSTEM_KEY}). The read subcommands (WHOAMI, LIST,
 * USERS, GETUSER, CAT) are answered by the receiving peer from its applied table.
 */
public final class AclCommands {
  /** {@code raftkv|acl setuser NAME rule...} or {@code raftkv|acl deluser NAME...}. */
  public static final String APPLY = "raftkv|acl";
  /** Longest user name or rule accepted (the table is kept small and encodable). */
  static final int MAX_ARG = 4096;

  private AclCommands() {}

  /** True for the ACL subcommands that change users and therefore go through the log. */
  public static boolean isWrite(byte[][] argv) {
    return argv.length > 1 && (Args.is(argv[1], "setuser") || Args.is(argv[1], "deluser"));
  }

  /**
   * Validates ACL SETUSER / DELUSER on the receiving peer against its applied table and returns
   * the log form; errors are answered here and never reach the log.
   */
  public static byte[][] normalize(byte[][] argv, AclTable table, boolean requirepass)
      throws CommandError {
    boolean setuser = Args.is(argv[1], "setuser");
    if (argv.length < 3) {
      throw new CommandError("ERR wrong number of arguments for 'acl|"
          + (setuser ? "setuser" : "deluser") + "' command");
    }
    for (int i = 2; i < argv.length; i++) {
      if (argv[i].length > MAX_ARG) {
        throw new CommandError("ERR ACL argument longer than " + MAX_ARG + " bytes");
      }
    }
    if (setuser) {
      String name = Args.str(argv[2]);
      AclRules.checkName(name);
      AclTable.Entry e = table.get(name);
      AclRules.apply(e == null ? AclUser.fresh(name) : e.user(), rules(argv));
      if (requirepass && name.equals("default")) {
        for (byte[] rule : rules(argv)) {
          String r = Args.str(rule).toLowerCase(java.util.Locale.ROOT);
          if (r.equals("nopass") || r.equals("resetpass") || r.equals("reset") || (!r.isEmpty()
              && ">#<!".indexOf(r.charAt(0)) >= 0)) {
            throw new CommandError("ERR the default user's password is raftkv.requirepass on"
                + " this peer: change it there, not with ACL SETUSER");
          }
        }
      }
    } else {
      checkDelete(argv);
    }
    byte[][] log = argv.clone();
    log[0] = Args.bytes(APPLY);
    log[1] = Args.bytes(setuser ? "setuser" : "deluser");
    if (setuser) {
      // passwords enter the log only as their SHA-256: >pw becomes #hash, <pw becomes !hash
      for (int i = 3; i < log.length; i++) {
        if (log[i].length > 0 && (log[i][0] == '>' || log[i][0] == '<')) {
          String h = AclUser.hash(Arrays.copyOfRange(log[i], 1, log[i].length));
          log[i] = Args.bytes((log[i][0] == '>' ? "#" : "!") + h);
        }
      }
    }
    return log;
  }

  private static List<byte[]> rules(byte[][] argv) {
    return new ArrayList<>(Arrays.asList(argv).subList(3, argv.length));
  }

  private static void checkDelete(byte[][] argv) throws CommandError {
    for (int i = 2; i < argv.length; i++) {
      if (Args.str(argv[i]).equals("default")) {
        throw new CommandError("ERR The 'default' user cannot be removed");
      }
    }
  }

  /** Applies a logged ACL change on every peer; deterministic (the table and rules only). */
  static void apply(byte[][] argv, Keyspace ks, RespOut out) throws CommandError {
    AclTable table = AclTable.decode(ks.getSystem(AclTable.SYSTEM_KEY));
    if (Args.is(argv[1], "setuser")) {
      String name = Args.str(argv[2]);
      AclRules.checkName(name);
      AclTable.Entry e = table.get(name);
      AclUser changed = AclRules.apply(e == null ? AclUser.fresh(name) : e.user(), rules(argv));
      ks.putSystem(AclTable.SYSTEM_KEY, table.with(changed).encode());
      out.ok();
    } else {
      checkDelete(argv);
      List<String> gone = new ArrayList<>();
      for (int i = 2; i < argv.length; i++) {
        String name = Args.str(argv[i]);
        if (table.get(name) != null && !gone.contains(name)) {
          gone.add(name);
        }
      }
      if (!gone.isEmpty()) {
        ks.putSystem(AclTable.SYSTEM_KEY, table.without(gone).encode());
      }
      out.integer(gone.size());
    }
  }
}

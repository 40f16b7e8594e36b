package dev.raftkv.acl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.command.CommandError;
import dev.raftkv.command.Commands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ACL SETUSER rules against the real command table; the ACL LIST lines and error texts were
 * checked against redis-server 7.0.15 for these rule lists.
 */
class AclRulesTest {
  static AclUser set(AclUser u, String... rules) throws CommandError {
    List<byte[]> r = new ArrayList<>();
    for (String s : rules) {
      r.add(s.getBytes(StandardCharsets.UTF_8));
    }
    return AclRules.apply(u, r);
  }

  static byte[][] argv(String... a) {
    byte[][] out = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }

  static String check(Acl acl, String user, String... command) {
    byte[][] a = argv(command);
    return acl.check(user, true, Commands.lookup(a[0]), a);
  }

  @Test
  void describesUsersLikeRedis() throws Exception {
    assertEquals("user default on nopass ~* &* +@all", AclUser.defaultUser().describe());
    assertEquals("user alice off resetchannels -@all", set(AclUser.fresh("alice")).describe());
    assertEquals("user bob on #" + AclUser.hash("secret".getBytes(StandardCharsets.UTF_8))
            + " ~* resetchannels -@all +@read",
        set(AclUser.fresh("bob"), "on", ">secret", "+@read", "~*").describe());
    assertEquals("user y off sanitize-payload resetchannels -@all",
        set(AclUser.fresh("y"), "on", "+config", "-config|get", "+@ALL", "reset").describe());
    assertEquals("user b on nopass ~* resetchannels +@all",
        set(AclUser.fresh("b"), "on", ">x", "allcommands", "allkeys", "nopass").describe());
  }

  @Test
  void rejectsBadRulesWithRedisTexts() {
    assertEquals("ERR Error in ACL SETUSER modifier '+@bogus': Unknown command or category name in ACL",
        assertThrows(CommandError.class, () -> set(AclUser.fresh("x"), "+@bogus")).getMessage());
    assertEquals("ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
        assertThrows(CommandError.class, () -> set(AclUser.fresh("x"), "+nosuch")).getMessage());
    assertEquals("ERR Error in ACL SETUSER modifier 'foo': Syntax error",
        assertThrows(CommandError.class, () -> set(AclUser.fresh("x"), "foo")).getMessage());
    assertEquals("ERR Error in ACL SETUSER modifier '<nope': The password you are trying to remove"
        + " from the user does not exist",
        assertThrows(CommandError.class, () -> set(AclUser.fresh("x"), "<nope")).getMessage());
    assertEquals("ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64"
        + " characters and contain only lowercase hexadecimal characters",
        assertThrows(CommandError.class, () -> set(AclUser.fresh("x"), "#abc")).getMessage());
    assertEquals("ERR Usernames can't contain spaces or null characters",
        assertThrows(CommandError.class, () -> AclRules.checkName("a b")).getMessage());
  }

  @Test
  void passwordsAreStoredAsSha256AndChecked() throws Exception {
    AclUser u = set(AclUser.fresh("u"), "on", ">a", ">b", "<a");
    assertEquals(List.of(AclUser.hash("b".getBytes(StandardCharsets.UTF_8))), u.passwords());
    assertTrue(u.accepts("b".getBytes(StandardCharsets.UTF_8)));
    assertFalse(u.accepts("a".getBytes(StandardCharsets.UTF_8)));
    assertFalse(set(u, "off").accepts("b".getBytes(StandardCharsets.UTF_8)));
    assertTrue(set(u, "nopass").accepts("anything".getBytes(StandardCharsets.UTF_8)));
    assertFalse(set(u, "resetpass").accepts("b".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void categoriesCommandsAndKeysDecideWhatAUserMayRun() throws Exception {
    Acl acl = new Acl("");
    AclTable t = AclTable.INITIAL
        .with(set(AclUser.fresh("ro"), "on", "nopass", "+@read", "~*"))
        .with(set(AclUser.fresh("rw"), "on", "nopass", "+@all", "-@dangerous", "-del", "~*"))
        .with(set(AclUser.fresh("app"), "on", "nopass", "+@all", "~app:*"));
    acl.load(t.encode());
    assertNull(check(acl, "ro", "get", "k"));
    assertEquals("NOPERM this user has no permissions to run the 'set' command",
        check(acl, "ro", "set", "k", "v"));
    assertNull(check(acl, "rw", "set", "k", "v"));
    assertEquals("NOPERM this user has no permissions to run the 'del' command", check(acl, "rw", "del", "k"));
    assertEquals("NOPERM this user has no permissions to run the 'flushall' command",
        check(acl, "rw", "flushall"));
    assertEquals("NOPERM this user has no permissions to run the 'config|get' command",
        check(acl, "rw", "config", "get", "x"));
    assertNull(check(acl, "rw", "acl", "whoami"));
    assertNull(check(acl, "app", "mset", "app:1", "v", "app:2", "w"));
    assertEquals(Acl.NOPERM_KEYS, check(acl, "app", "mset", "app:1", "v", "other", "w"));
    // numkeys-style commands: their keys from their own arguments, as Redis 7.0 checks them
    assertNull(check(acl, "app", "lmpop", "1", "app:l", "left"));
    assertEquals(Acl.NOPERM_KEYS, check(acl, "app", "lmpop", "2", "app:l", "other", "left"));
    assertNull(check(acl, "app", "eval", "return 1", "1", "app:k", "other-is-an-argument"));
    assertEquals(Acl.NOPERM_KEYS, check(acl, "app", "zunionstore", "other", "1", "app:z"));
    assertNull(check(acl, "ro", "auth", "x", "y")); // AUTH HELLO QUIT RESET are for everyone
    assertEquals(Acl.NOAUTH, acl.check("default", false, Commands.lookup(argv("get")[0]), argv("get", "k")));
  }

  @Test
  void requirepassIsTheDefaultUsersPasswordAndTheTableRoundTrips() throws Exception {
    Acl acl = new Acl("pw");
    assertFalse(acl.defaultOpen());
    assertTrue(acl.authenticate("default", "pw".getBytes(StandardCharsets.UTF_8)));
    assertFalse(acl.authenticate("default", "x".getBytes(StandardCharsets.UTF_8)));
    AclTable t = AclTable.INITIAL.with(set(AclUser.fresh("u"), "on", ">p", "+get", "~k*", "&c"));
    assertArrayEquals(t.encode(), AclTable.decode(t.encode()).encode());
    acl.load(t.encode());
    assertTrue(acl.authenticate("u", "p".getBytes(StandardCharsets.UTF_8)));
    assertTrue(acl.authenticate("default", "pw".getBytes(StandardCharsets.UTF_8)));
    assertTrue(new Acl("").defaultOpen());
  }
}

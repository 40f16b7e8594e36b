package dev.raftkv.node;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * AUTH and ACL give redis-server 7.0's replies, byte for byte, through a follower (the ACL
 * changes are forwarded to the leader and replicated; the follower answers AUTH right after).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AclCompatIT {
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  @Test
  void authWithoutAPasswordAndAclUsers() throws Exception {
    diff.script("""
        AUTH nopass-configured
        AUTH default anything
        AUTH a b c
        ACL WHOAMI
        ACL SETUSER bob on >secret +@read ~*
        ACL GETUSER bob
        ACL SETUSER bob +@bogus
        ACL SETUSER bob +nosuchcommand
        ACL SETUSER bob foo
        ACL SETUSER bob <nope
        ACL SETUSER bob #abc
        ACL SETUSER alice
        ACL SETUSER carol on nopass allcommands allkeys
        ACL SETUSER dave on >p1 >p2 <p1 +get +set -set ~app:*
        ACL GETUSER alice
        ACL GETUSER carol
        ACL LIST
        ACL USERS
        ACL GETUSER nosuch
        ACL DELUSER default
        ACL
        ACL NOSUCH
        ACL WHOAMI extra
        SET k v
        SET app:1 one
        AUTH bob wrong
        AUTH bob secret
        GET k
        SET k v2
        MSET a 1
        ACL WHOAMI
        CONFIG GET maxmemory
        AUTH dave p2
        GET app:1
        GET k
        SET app:1 x
        AUTH carol anything
        ACL SETUSER erin on nopass +@all ~app:*
        AUTH erin x
        RPUSH app:l a b
        LMPOP 1 app:l LEFT
        LMPOP 2 app:l other LEFT
        EVAL return 1 app:k not-a-key
        EVAL return 1 other
        ZUNIONSTORE other 1 app:z
        ZUNIONSTORE app:d 1 app:z
        SINTERCARD 2 app:s other
        AUTH alice anything
        AUTH carol anything
        ACL WHOAMI
        AUTH default x
        ACL DELUSER nobody alice bob carol dave erin
        ACL USERS
        """);
  }
}

package dev.raftkv.node;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** String and key commands give redis-server's replies, byte for byte. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StringsCompatIT {
  /** Started before the first test, flushed before each, stopped after the last. */
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  @Test
  void stringsAndCounters() throws Exception {
    diff.script("""
        GET k
        SET k v
        GET k
        SET k v2 NX
        SET k v3 XX GET
        SET k v NX XX
        SET k v EX 0
        SET k v EX notanumber
        STRLEN k
        APPEND k xyz
        INCR k
        SET n 10
        INCRBY n 5
        DECRBY n 20
        INCRBY n 9223372036854775807
        DECR nothing
        MSET a 1 b 2
        MGET a b nothing
        MSET a
        DEL a b nothing
        EXISTS a b n n
        TYPE n
        TYPE nothing
        ~TTL n
        PTTL nothing
        GET
        """);
  }

  @Test
  void setOptionsAndTheirConflicts() throws Exception {
    diff.script("""
        SET k v EX 100
        ~TTL k
        SET k v PX 100000
        ~TTL k
        SET k v EXAT 4102444800
        ~TTL k
        EXPIRETIME k
        SET k v PXAT 4102444800000
        PEXPIRETIME k
        SET k v2 KEEPTTL
        PEXPIRETIME k
        GET k
        SET k v3
        ~TTL k
        SET k v EX 10 EX 20
        ~TTL k
        SET k v NX NX
        SET k v XX XX GET GET
        SET k v NX XX
        SET k v XX NX
        SET k v EX 10 PX 100
        SET k v PX 10 EX 100
        SET k v EX 10 EXAT 100
        SET k v PXAT 10 EXAT 100
        SET k v EX 10 KEEPTTL
        SET k v KEEPTTL EX 10
        SET k v KEEPTTL PXAT 10
        SET k v PERSIST
        SET k v EX
        SET k v PX
        SET k v EXAT
        SET k v PXAT
        SET k v EX 0
        SET k v PX -1
        SET k v EXAT 0
        SET k v PXAT -5
        SET k v EX 1.5
        SET k v EX abc NX XX
        SET k v EX 9223372036854775807
        SET k v EX 9223372036854775
        SET k v PX 9223372036854775807
        SET k v EXAT 9223372036854775
        SET k v PXAT 9223372036854775807
        ~TTL k
        SET k v EX 99999999999999999999
        SET k v FOO
        SET k v GET
        SET k v NX GET
        SET k v XX GET
        SET newk v XX GET
        SET newk v NX GET
        GET newk
        set lower v ex 100 nx
        ~TTL lower
        SET k
        SET
        """);
  }

  @Test
  void setnxSetexPsetexGetsetGetdel() throws Exception {
    diff.script("""
        SETNX k v
        SETNX k w
        GET k
        SETNX k
        SETEX k 100 v
        ~TTL k
        SETEX k 0 v
        SETEX k -1 v
        SETEX k abc v
        SETEX k 9223372036854775807 v
        SETEX k 100
        PSETEX k 100000 v
        ~TTL k
        PSETEX k 0 v
        PSETEX k abc v
        PSETEX k 9223372036854775807 v
        GETSET k new
        ~TTL k
        GETSET nothing x
        GET nothing
        GETDEL k
        GETDEL k
        EXISTS k
        GETDEL
        GETSET k
        """);
  }

  @Test
  void getexSetsAndRemovesDeadlines() throws Exception {
    diff.script("""
        GETEX nothing
        GETEX nothing EX abc
        GETEX nothing EX 0
        GETEX nothing FOO
        SET k v
        GETEX k
        ~TTL k
        GETEX k EX 100
        ~TTL k
        GETEX k PX 200000
        ~TTL k
        GETEX k EXAT 4102444800
        EXPIRETIME k
        GETEX k PXAT 4102444800123
        PEXPIRETIME k
        GETEX k PERSIST
        ~TTL k
        GETEX k EX 0
        GETEX k EX -1
        GETEX k PX abc
        GETEX k EX 9223372036854775807
        GETEX k EX 10 PX 10
        GETEX k EX 10 PERSIST
        GETEX k PERSIST EX 10
        GETEX k PERSIST PERSIST
        GETEX k KEEPTTL
        GETEX k NX
        GETEX k GET
        GETEX k EX
        GETEX k EXAT 1
        EXISTS k
        SET k v
        GETEX k PXAT 1000
        EXISTS k
        GETEX
        """);
  }

  @Test
  void msetnxIsAllOrNothing() throws Exception {
    diff.script("""
        MSETNX a 1 b 2
        MGET a b
        MSETNX b 3 c 4
        MGET a b c
        MSETNX c 1 c 2
        GET c
        MSETNX a
        MSETNX a 1 b
        MSET a 1 b
        MSETNX
        EXISTS d
        """);
  }

  @Test
  void incrbyfloatLikeLongDoubles() throws Exception {
    diff.script("""
        INCRBYFLOAT f 10.5
        INCRBYFLOAT f 0.1
        INCRBYFLOAT f -5.0e3
        INCRBYFLOAT f 5.0e3
        INCRBYFLOAT f 3.0e-3
        INCRBYFLOAT f 1e10
        INCRBYFLOAT f 0.1
        INCRBYFLOAT f 1.5e300
        INCRBYFLOAT f -1.5e300
        INCRBYFLOAT g 1e400
        INCRBYFLOAT g 1e4000
        INCRBYFLOAT h 1e-400
        INCRBYFLOAT h 1e5000
        INCRBYFLOAT h inf
        INCRBYFLOAT h -inf
        INCRBYFLOAT h nan
        INCRBYFLOAT h abc
        INCRBYFLOAT h 1.2.3
        INCRBYFLOAT h 1e
        INCRBYFLOAT h .5
        INCRBYFLOAT h 5.
        INCRBYFLOAT h +3
        INCRBYFLOAT h 0000000000000000000000000000000000000000000000000000000000000000000000001
        INCRBYFLOAT h -00.100e-0001
        INCRBYFLOAT h 1e+2
        INCRBYFLOAT h 1E2
        INCRBYFLOAT h Infinity
        INCRBYFLOAT h -0.0000000000000000001
        INCRBYFLOAT i 0.1
        INCRBYFLOAT i 0.2
        INCRBYFLOAT i 3.0000000000000000001
        INCRBYFLOAT i 123456789012345678901234567890
        INCRBYFLOAT j 1.1
        INCRBYFLOAT j 2.2
        INCRBYFLOAT j -3.3
        INCRBYFLOAT j 1
        INCRBYFLOAT j 0.00000000000000001
        INCRBYFLOAT j 0.000000000000000005
        INCRBYFLOAT j 0.000000000000000015
        INCRBYFLOAT j 99999999999999999999.99
        SET s hello
        INCRBYFLOAT s 1
        SET n 5
        INCRBYFLOAT n 1.5
        SET e 1e3
        INCRBYFLOAT e 1
        SET t 10 EX 100
        INCRBYFLOAT t 1.5
        ~TTL t
        INCRBYFLOAT k
        """);
  }

  @Test
  void getrangeAndSetrange() throws Exception {
    diff.script("""
        SET s Hello,World
        GETRANGE s 0 4
        GETRANGE s -5 -1
        GETRANGE s -1 -5
        GETRANGE s 5 3
        GETRANGE s 0 -1
        GETRANGE s 0 100
        GETRANGE s -100 2
        GETRANGE s 100 200
        GETRANGE s -9223372036854775808 9223372036854775807
        GETRANGE s a 1
        GETRANGE s 1 b
        GETRANGE nothing 0 -1
        GETRANGE nothing a 1
        SUBSTR s 0 4
        SUBSTR s -3 -1
        SET empty ""
        SETRANGE s 6 Redis
        GET s
        SETRANGE s 20 !
        GET s
        STRLEN s
        SETRANGE s 0 ""
        SETRANGE fresh 0 ""
        EXISTS fresh
        SETRANGE fresh 3 abc
        GET fresh
        SETRANGE s -1 x
        SETRANGE s abc x
        SETRANGE s 536870911 ""
        SETRANGE s 536870912 x
        SETRANGE s 536870911 xy
        SETRANGE s 9223372036854775807 x
        SETRANGE nothing 536870912 x
        SETRANGE nothing 536870912 ""
        SET t abc EX 100
        SETRANGE t 1 X
        ~TTL t
        GETRANGE s 0
        SETRANGE s 0
        """);
  }

  @Test
  void anEmptyStringAndBinaryValues() throws Exception {
    diff.same("SET", "k", "");
    diff.same("GET", "k");
    diff.same("STRLEN", "k");
    diff.same("GETRANGE", "k", "0", "-1");
    diff.same("APPEND", "k", "\u0000\r\n");
    diff.same("GETRANGE", "k", "1", "2");
    diff.same("SETRANGE", "k", "1", "\u00ff");
    diff.same("GET", "k");
    diff.same("INCRBYFLOAT", "k", "1");
    diff.same("INCRBYFLOAT", "f", " 1");
    diff.same("INCRBYFLOAT", "f", "1 ");
    diff.same("INCRBYFLOAT", "f", "");
    diff.same("INCRBYFLOAT", "f", "1\u00002");
  }
}

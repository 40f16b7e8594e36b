package dev.raftkv.resp;

import dev.raftkv.protocol.CommandMeta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * docs/commands.md is generated from the command table, so it cannot drift: this test fails when
 * the file differs from what the table says, and rewrites it when run with
 * {@code -Draftkv.regen-docs=true}.
 */
class CommandsDocTest {
  static final Path DOC = Path.of("docs", "commands.md");
  static final String REGEN = "nice -n 5 mvn -q -B -o test -Dtest=CommandsDocTest -Draftkv.regen-docs=true";

  private static final List<String> GROUPS = List.of("string", "generic", "hash", "list", "set",
      "sorted-set", "transactions", "connection", "server", "cluster");
  private static final java.util.Map<String, String> TITLES = java.util.Map.of("string", "Strings",
      "generic", "Keys and expiry", "hash", "Hashes", "list", "Lists", "set", "Sets", "sorted-set",
      "Sorted sets", "transactions", "Transactions", "connection", "Connection", "server", "Server",
      "cluster", "Cluster (accepted for cluster-aware clients)");

  private static int groupRank(String group) {
    int i = GROUPS.indexOf(group);
    return i < 0 ? GROUPS.size() : i;
  }

  /** Where raft-kv deliberately answers differently from a stand-alone Redis 7.0. */
  static final String NOTES = """
      ## Differences from a stand-alone Redis 7.0

      - `WAIT numreplicas timeout` answers at once with the number of other peers: a write is
        acknowledged only after a majority has it in its Raft log, so there is nothing to wait for.
      - `READONLY` and `READWRITE` answer `OK` (Redis without cluster mode refuses them): every peer
        serves linearizable reads, so there is nothing to switch.
      - `SELECT`: there is one database; `SELECT 0` is `OK`, any other index gets Redis's
        `ERR DB index is out of range` (Redis started with `--databases 1` answers the same).
      - `AUTH`, `HELLO ... AUTH` and `ACL`: see docs/security.md. Users are replicated through the
        Raft log; `ACL SETUSER` understands a subset of Redis's rules (flags, passwords, command
        categories and commands, key patterns), `ACL SETUSER`/`DELUSER` cannot run inside MULTI,
        and `ACL LOG`, `ACL SAVE`/`LOAD`, `ACL GENPASS`, `ACL DRYRUN` and selectors are not there.
      - `CONFIG GET` knows the parameters clients read (`maxmemory 0`, `save ""`, `appendonly yes`:
        the Raft log is the append-only file, `databases 1`, ...) and raft-kv's own `raftkv.*` keys.
        `CONFIG SET` accepts only the value a parameter already has (configuration is read at
        start-up: `--conf`, `-D`), except Redis's encoding thresholds (`hash-`/`zset-max-listpack-*`,
        `list-max-listpack-size`, `list-compress-depth`, `set-max-intset-entries` and their
        `ziplist` aliases), which it sets on the peer it reaches, with Redis's range checks, and
        `maxmemory`, also per peer: while the JVM's used heap is above it, that peer refuses the
        commands Redis flags `denyoom` (and, inside MULTI, all but `EXEC`/`DISCARD`) with Redis's
        `OOM` error, before they reach the log; nothing is evicted (`noeviction`); and
        `min-replicas-to-write` (alias `min-slaves-to-write`), per peer: above the number of other
        peers (`WAIT`'s answer), writes and an `EXEC` that would write get Redis's `NOREPLICAS`;
        and `notify-keyspace-events`, per peer: the keyspace notifications
        (`__keyspace@0__:<key>`, `__keyevent@0__:<event>`) that peer's subscribers get. Every peer
        derives the same events from each applied command (Redis's event names and order, from
        the command and its keys' values before and after) and delivers them after the commit,
        in log order, like `PUBLISH`; `expired` comes from the expiry sweeper's deletions (or a
        write that finds the key past its deadline); there are no `evicted` (nothing is evicted),
        stream (`t`), key-miss (`m`) or module events, nor events from `FLUSHALL`/`FLUSHDB`
        or the `GEO*` writes.
      - `DEBUG` has `PROTOCOL <type>` (each RESP reply type, as Redis sends it with
        `enable-debug-command yes`), `HELP`, and: `DIGEST` and `DIGEST-VALUE key...`, Redis 7.0's
        digest of the keyspace or of values (the same 40 hex digits as redis-server for the same
        contents, the same on every peer; a linearizable read); `OBJECT key`, whose `encoding` is
        `OBJECT ENCODING`'s and whose `at:` (always `0x0`), `lru` fields (0) and `serializedlength`
        (the size of the stored record) are not Redis's; `RELOAD [MERGE|NOFLUSH|NOSAVE]`, which has
        nothing to save or load (every applied write is already in the store) and answers `OK` after
        a linearizable read, so it is a consistency point; `SET-ACTIVE-EXPIRE 0|1`, which stops or
        starts the expiry sweeper of the peer it reaches (a peer sweeps only while it leads, so on a
        follower it changes nothing; reads never return an expired key either way);
        `QUICKLIST-PACKED-THRESHOLD <size>`, whose size is checked like Redis's and which changes
        nothing (a list is one record, with no quicklist nodes to size). Its other
        subcommands (`LOADAOF`, `SLEEP`, `HTSTATS`, ...) inspect or
        change Redis's own internals, have no raft-kv counterpart, and answer Redis's unknown
        subcommand error.
      - `COMMAND INFO` reports Redis 7.0's name, arity, flags, key positions and ACL categories;
        tips, key specifications and subcommands are empty. `COMMAND DOCS` gives summary, since
        and group only.
      - `CLIENT LIST` / `CLIENT INFO` list the connections of the peer that answers, with Redis's
        fields; buffer and memory fields are 0 and `fd` is -1. `CLIENT SETINFO` (Redis 7.2) is
        accepted. `CLIENT NO-EVICT` and `NO-TOUCH` answer `OK` and change nothing.
      - `INFO keyspace`: `expires` is exact up to 10,000 keys and extrapolated from a sample of
        that many beyond; `avg_ttl` is 0.
      - Blocking commands (`BLPOP`, `BRPOP`, `BLMOVE`, `BRPOPLPUSH`, `BLMPOP`, `BZPOPMIN`,
        `BZPOPMAX`, `BZMPOP`) block on any peer; each pop is a write through the Raft log. A
        push wakes the clients blocked on the peers that apply it; clients blocked on one peer
        are served in the order they blocked, clients of different peers in no defined order.
        A pop is a separate log entry after the push, so a command that follows the push may
        still see the element the blocked client is about to take (in Redis it is already
        gone). See docs/design.md, *Blocking commands*.
      - `SCAN`, `HSCAN`, `SSCAN` and `ZSCAN` cursors are positions in a fixed hash order, the same on
        every peer, so a scan may continue on another peer; the cursor values differ from Redis's,
        the guarantee (every element present for the whole scan is returned) is Redis's.
        Collections of at most 128 elements come back whole, like Redis's compact encodings.
      - Members of a set are listed in byte order (`SMEMBERS`, `SINTER`, `SPOP` with a count, ...);
        a hash keeps its fields in insertion order, also past 128 fields (Redis's order becomes
        arbitrary there). `SPOP` picks from a seed chosen by the receiving peer and carried in the
        log, so every replica pops the same members. `SRANDMEMBER`, `ZRANDMEMBER` and
        `HRANDFIELD` are reads answered by one peer with its own random picks; a negative count
        (repeats allowed) is refused beyond 10,000,000 (Redis has no bound).
      - `WATCH` compares state, not write history: a key rewritten to an identical value and
        deadline between `WATCH` and `EXEC` does not abort the transaction (Redis aborts).
      - Expired keys are removed by the leader through the Raft log (about 10 entries a second of
        up to 500 keys); until then `DBSIZE` counts them, as Redis counts keys not yet evicted.
      - `GEORADIUS` and `GEORADIUSBYMEMBER` are writes (their `STORE` options write), so each one
        goes through the Raft log like any write; `GEOSEARCH`, `GEORADIUS_RO` and
        `GEORADIUSBYMEMBER_RO` are linearizable reads. Results, their order and the distances are
        Redis's (the same 3x3 geohash boxes are searched in the same order).
      - HyperLogLogs (`PFADD`, `PFCOUNT`, `PFMERGE`) hold Redis's own bytes (sparse, promoted to
        dense past 3,000 bytes, as `hll-sparse-max-bytes` by default), but `PFCOUNT` is a read:
        it does not write the estimate into the value's cache bytes as Redis does, so it costs no
        log entry and a `GETRANGE k 8 15` after it differs. `PFSELFTEST` and `PFDEBUG` are not
        there.
      - Pub/Sub: `PUBLISH` and `SPUBLISH` go through the Raft log, so a message published on any
        peer reaches the subscribers of every peer, in one order for all. `PUBLISH` answers the
        number of subscribers on the peer that received it (as a Redis Cluster node does), not
        a cluster-wide count; `PUBSUB CHANNELS`/`NUMSUB`/`NUMPAT` report that peer's
        subscriptions. A message a transaction publishes to the same connection's new
        subscription arrives after `EXEC`'s reply (Redis writes it inside). See docs/design.md.
      - `COPY` accepts only `DB 0`; `RANDOMKEY` answers nil when the first 1,000 keys it looks at
        are all expired and not yet removed.
      - `OBJECT ENCODING` answers the encoding Redis 7.0 would give the same contents with its
        default thresholds (`int`/`embstr`/`raw`, `quicklist`, `listpack`/`hashtable`,
        `intset`/`hashtable`, `listpack`/`skiplist`); raft-kv keeps every value in one compact
        record, and unlike Redis the answer goes back to the compact name when a value shrinks.
        `CONFIG SET` of those thresholds is accepted and reported by `CONFIG GET`, but changes no
        encoding: `OBJECT ENCODING` keeps answering for Redis's defaults.
        `OBJECT IDLETIME` is always 0 (access times are not tracked); `OBJECT FREQ` gives Redis's
        error for a server without an LFU policy. `MEMORY USAGE` is an estimate (the stored key and
        record plus 40 bytes), `SAMPLES` is checked and ignored; `MEMORY STATS` is not there.
        COMMAND INFO reports key position 2 for `OBJECT` and `MEMORY` (Redis: 0 for the container),
        so that ACL key patterns apply to the key their subcommands name.
      - Lua scripts (`EVAL`, `EVALSHA`, `EVAL_RO`, `EVALSHA_RO`, `SCRIPT`) run on LuaJ 3.0.1 (a
        Lua 5.2 interpreter) inside the one Raft log entry of the command, on every peer (see
        docs/design.md, *Scripting*). A script that fails undoes all of its writes (Redis keeps
        the writes made before the error). A script is stopped after 10,000,000 Lua instructions
        or 180 nested calls with an error (docs/limits.md); there is no `lua-time-limit`, `BUSY`
        or `SCRIPT KILL` (it answers `NOTBUSY`), and `SCRIPT DEBUG` accepts only `NO`.
        `math.random` starts from `redisSrand48(0)` in every script, as in Redis 6 (Redis 7.0
        continues one server-wide sequence). `TIME` in a script is the log entry's time.
        COMMAND INFO gives `EVAL` and `EVALSHA` the `write` flag (Redis: none, as they may or
        may not write). `EVAL_RO`/`EVALSHA_RO` are reads and do not add to the script cache; `SCRIPT EXISTS`,
        `LOAD` and `FLUSH` go through the log. Scripts get `string`, `table`, `math`, `bit`,
        `cjson`, `cmsgpack`, `struct` and `redis`, not `coroutine`, `print`, `load`/`loadstring`;
        `redis.setresp(3)`, `FUNCTION` and `FCALL` are not there (`#!lua` shebangs and their
        flags are, `no-writes` included), `redis.log` writes
        nothing, and commands run by a script are not checked against the user's ACL (the
        script itself is). LuaJ words some runtime errors differently from Lua 5.1 (e.g. `attempt
        to index ? (a nil value)` where Lua names the variable), formats non-integer numbers
        in `..` concatenation as Java does (`tostring`, `redis.call` arguments and cjson use
        Lua's `%.14g`), and iterates tables in its own order (cjson objects may list members in
        another order).
      - `DUMP` writes Redis's RDB format (version 10, CRC-64) with the plain RDB types (string,
        list, set, hash, sorted set with binary scores), which redis-server 7.0 restores.
        `RESTORE` reads those and integer-encoded strings; the compact encodings redis-server
        itself dumps (listpack, ziplist, intset, quicklist) and LZF-compressed strings get
        `ERR Bad data format`. A relative TTL is logged as an absolute one (`ABSTTL`);
        `IDLETIME` and `FREQ` are checked and not kept (no LRU/LFU here).
      - `SORT` goes through the log (it may `STORE`), like `GEORADIUS`; `SORT_RO` is a read.
        Ties of `ALPHA BY` keep the elements' order (Redis's quicksort leaves it undefined),
        `ALPHA` compares bytes (as Redis in the C locale), and `BY nosort` on a set gives its
        members in bytewise order (Redis: its hash table's order).
      - Not there (Redis's unknown command error): streams (`XADD`, `XGROUP`, ...),
        `SAVE`/`BGSAVE`/`SHUTDOWN`, `REPLICAOF`/`SYNC`, `MONITOR`, `CLIENT TRACKING` (client-side
        caching; Redis's unknown subcommand error), and the
        replication and script-timeout parameters (`repl-ping-replica-period`,
        `lua-time-limit`, `replica-serve-stale-data`, `aof-*`) for `CONFIG SET`.
      - Redis's own Tcl test suite, run against a follower: docs/verification.md ("Redis's own
        test suite") lists per unit what passes and why each remaining failure fails.

      """;

  static String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("# Supported commands\n\n")
        .append("<!-- Generated from the command table (command/Commands.java, protocol/CommandMeta.java) by\n")
        .append("     CommandsDocTest. Do not edit: regenerate with\n")
        .append("     ").append(REGEN).append(" -->\n\n")
        .append("Every command below behaves like Redis 7.0 (replies and error texts); any other command\n")
        .append("answers Redis's `ERR unknown command` error. RESP2 by default, RESP3 after `HELLO 3`.\n\n")
        .append("- **Arity** as in Redis: `N` means exactly N arguments counting the name, `-N` at least N.\n")
        .append("- **Route**: `local` is answered by the peer that receives it; `read` is a linearizable\n")
        .append("  read (ReadIndex) run against the applied state, on any peer; `write` goes through the\n")
        .append("  Raft log and is applied on every peer, and is acknowledged once a majority has it.\n")
        .append("- **Keys**: first key, last key (negative counts from the end) and step, as COMMAND INFO\n")
        .append("  reports them; 0 0 0 for commands without key arguments.\n\n")
        .append(NOTES);
    List<CommandSpec> specs = new ArrayList<>(Commands.all());
    specs.sort(Comparator.comparing((CommandSpec c) -> groupRank(c.meta().group()))
        .thenComparing(c -> c.meta().group()).thenComparing(CommandSpec::name));
    String group = null;
    for (CommandSpec c : specs) {
      CommandMeta.Info m = c.meta();
      if (!m.group().equals(group)) {
        group = m.group();
        sb.append(c == specs.get(0) ? "" : "\n")
            .append("## ").append(TITLES.getOrDefault(group, group)).append("\n\n")
            .append("| Command | Arity | Route | Keys | Summary |\n")
            .append("|---|---|---|---|---|\n");
      }
      sb.append("| ").append(c.name().toUpperCase(Locale.ROOT))
          .append(" | ").append(c.arity())
          .append(" | ").append(c.route().name().toLowerCase(Locale.ROOT))
          .append(" | ").append(m.firstKey()).append(' ').append(m.lastKey()).append(' ').append(m.step())
          .append(" | ").append(m.summary().replace("|", "\\|"))
          .append(" |\n");
    }
    sb.append("\n").append(specs.size()).append(" commands.\n\n## Subcommands\n\n")
        .append("| Subcommand | Arity |\n|---|---|\n");
    new java.util.TreeMap<>(LocalCommands.SUBCOMMANDS).forEach((name, arity) -> sb.append("| ")
        .append(name.toUpperCase(Locale.ROOT).replace("|", " ")).append(" | ").append(arity).append(" |\n"));
    return sb.toString();
  }

  @Test
  void docsCommandsMdMatchesTheCommandTable() throws IOException {
    String expected = render();
    if (Boolean.getBoolean("raftkv.regen-docs")) {
      Files.createDirectories(DOC.getParent());
      Files.writeString(DOC, expected, StandardCharsets.UTF_8);
      return;
    }
    String actual = Files.exists(DOC) ? Files.readString(DOC, StandardCharsets.UTF_8) : "";
    if (!actual.equals(expected)) {
      fail(DOC + " is out of date with the command table; regenerate it with:\n  " + REGEN);
    }
  }

  @Test
  void everyCommandHasRedisArityAndKeyPositionsWhereRedisHasTheCommand() {
    for (CommandSpec c : Commands.all()) {
      CommandMeta.Info redis = CommandMeta.redis(c.name());
      assertTrue(redis != null, c.name() + " is not a Redis 7.0 command known to CommandMeta");
      assertEquals(redis.redisArity(), c.arity(), "arity of " + c.name() + " differs from Redis 7.0");
      CommandMeta.Info ours = c.meta();
      assertEquals(List.of(redis.firstKey(), redis.lastKey(), redis.step()),
          List.of(ours.firstKey(), ours.lastKey(), ours.step()), "key positions of " + c.name());
      boolean redisWrites = redis.flags().contains("write");
      if (c.route() == CommandSpec.Route.READ) {
        assertTrue(!redisWrites, c.name() + " writes in Redis but is routed as a read");
      }
    }
  }
}

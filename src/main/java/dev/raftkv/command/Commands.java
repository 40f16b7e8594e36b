package dev.raftkv.command;

import dev.raftkv.command.CommandSpec.Executor;
import dev.raftkv.command.CommandSpec.Normalizer;
import dev.raftkv.command.CommandSpec.Route;
import dev.raftkv.script.ScriptCommands;
import dev.raftkv.store.StoreException;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command table: one row per command. The route decides where a command runs; arity is
 * checked once, generically, before anything else; writes are normalized on the receiving peer.
 */
public final class Commands {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Commands.class);
  /** Largest string value, like Redis's proto-max-bulk-len default. */
  public static final long MAX_STRING = 512L * 1024 * 1024;
  /** Default of {@code raftkv.max-value-bytes}: the largest record a write may leave. */
  public static final int DEFAULT_MAX_VALUE = 64 * 1024 * 1024;

  private static final Normalizer AS_IS = (argv, now) -> argv;
  private static final Map<String, CommandSpec> TABLE = new LinkedHashMap<>();
  /** Commands the peers build themselves; never callable by clients, not listed in {@link #all}. */
  private static final Map<String, CommandSpec> INTERNAL = new LinkedHashMap<>();

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
    // DEBUG PROTOCOL, SET-ACTIVE-EXPIRE and HELP are answered by the receiving peer; DIGEST,
    // DIGEST-VALUE, OBJECT and RELOAD become the internal linearizable read below (resp.ClientSession)
    local("debug", -2);
    internal(DebugCommands.READ, -2, Route.READ, DebugCommands::read);
    local("reset", 1);
    local("readonly", 1);
    local("readwrite", 1);
    // Redis Cluster protocol (cluster.ClusterCommands, docs/operations.md "Cluster mode")
    local("cluster", -2);
    local("asking", 1);
    internal(dev.raftkv.cluster.ClusterCommands.COUNT_KEYS, 2, Route.READ, dev.raftkv.cluster.ClusterCommands::countKeys);
    internal(dev.raftkv.cluster.ClusterCommands.GET_KEYS, 3, Route.READ, dev.raftkv.cluster.ClusterCommands::getKeys);
    // ACL: the reading subcommands are answered locally; SETUSER and DELUSER are turned into the
    // internal write below by the receiving peer (resp.ClientSession) and replicated
    local("acl", -2);
    internal(AclCommands.APPLY, -3, Route.WRITE, AclCommands::apply);
    // internal, proposed by a peer rejoining after a lost disk (node.Formation)
    internal(RejoinCommands.APPLY, 3, Route.WRITE, RejoinCommands::apply);
    // strings
    read("get", 2, StringCommands::get);
    read("mget", -2, StringCommands::mget);
    read("strlen", 2, StringCommands::strlen);
    read("getrange", 4, StringCommands::getrange);
    read("substr", 4, StringCommands::getrange);
    write("set", -3, StringCommands::normalizeSet, StringCommands::set);
    write("setnx", 3, AS_IS, StringCommands::setnx);
    write("setex", 4, StringCommands::normalizeSetex, StringCommands::setex);
    write("psetex", 4, StringCommands::normalizePsetex, StringCommands::setex);
    write("getset", 3, AS_IS, StringCommands::getset);
    write("getdel", 2, AS_IS, StringCommands::getdel);
    write("getex", -2, StringCommands::normalizeGetex, StringCommands::getex);
    write("mset", -3, StringCommands::checkMset, StringCommands::mset);
    write("msetnx", -3, StringCommands::checkMset, StringCommands::msetnx);
    write("incr", 2, AS_IS, StringCommands::incr);
    write("decr", 2, AS_IS, StringCommands::decr);
    write("incrby", 3, StringCommands::checkIncrement, StringCommands::incrby);
    write("decrby", 3, StringCommands::checkIncrement, StringCommands::decrby);
    write("incrbyfloat", 3, AS_IS, StringCommands::incrbyfloat);
    write("append", 3, AS_IS, StringCommands::append);
    write("setrange", 4, StringCommands::checkSetrange, StringCommands::setrange);
    // bitmaps and LCS (BitCommands)
    write("setbit", 4, BitCommands::checkSetbit, BitCommands::setbit);
    read("getbit", 3, BitCommands::getbit);
    read("bitcount", -2, BitCommands::bitcount);
    read("bitpos", -3, BitCommands::bitpos);
    write("bitop", -4, BitCommands::checkBitop, BitCommands::bitop);
    write("bitfield", -2, BitCommands::checkBitfield, BitCommands::bitfield);
    read("bitfield_ro", -2, BitCommands::bitfieldRo);
    read("lcs", -3, BitCommands::lcs);
    // geo (GeoCommands): sorted sets scored by 52-bit geohashes. GEORADIUS and GEORADIUSBYMEMBER
    // may STORE, so they go through the log; GEOSEARCH and the _RO forms are reads.
    write("geoadd", -5, GeoCommands::checkGeoadd, GeoCommands::geoadd);
    read("geodist", -4, GeoCommands::geodist);
    read("geohash", -2, GeoCommands::geohash);
    read("geopos", -2, GeoCommands::geopos);
    write("georadius", -6, AS_IS, GeoCommands::georadius);
    write("georadiusbymember", -5, AS_IS, GeoCommands::georadiusbymember);
    read("georadius_ro", -6, GeoCommands::georadiusRo);
    read("georadiusbymember_ro", -5, GeoCommands::georadiusbymemberRo);
    read("geosearch", -7, GeoCommands::geosearch);
    write("geosearchstore", -8, AS_IS, GeoCommands::geosearchstore);
    // HyperLogLog (HllCommands): strings in Redis's own HLL encoding
    write("pfadd", -2, AS_IS, HllCommands::pfadd);
    read("pfcount", -2, HllCommands::pfcount);
    write("pfmerge", -2, AS_IS, HllCommands::pfmerge);
    write("pfdebug", 3, AS_IS, HllCommands::pfdebug);
    // keys
    read("exists", -2, KeyCommands::exists);
    read("keys", 2, KeyCommands::keys);
    read("scan", -2, KeyCommands::scan);
    read("randomkey", 1, KeyCommands::randomkey);
    read("dbsize", 1, KeyCommands::dbsize);
    read("ttl", 2, KeyCommands::ttl);
    read("pttl", 2, KeyCommands::pttl);
    read("expiretime", 2, KeyCommands::expiretime);
    read("pexpiretime", 2, KeyCommands::pexpiretime);
    read("type", 2, KeyCommands::type);
    read("object", -2, ObjectCommands::object);
    read("memory", -2, ObjectCommands::memory);
    write("del", -2, AS_IS, KeyCommands::del);
    write("unlink", -2, AS_IS, KeyCommands::unlink);
    write("rename", 3, AS_IS, KeyCommands::rename);
    write("renamenx", 3, AS_IS, KeyCommands::renamenx);
    write("copy", -3, KeyCommands::checkCopy, KeyCommands::copy);
    // SORT may STORE, so it goes through the log; SORT_RO is a read (SortCommands)
    write("sort", -2, AS_IS, SortCommands::sort);
    read("sort_ro", -2, SortCommands::sortRo);
    // DUMP and RESTORE in Redis's RDB format (DumpCommands); RESTORE's TTL is logged as ABSTTL
    read("dump", 2, DumpCommands::dump);
    write("restore", -4, DumpCommands::normalizeRestore, DumpCommands::restore);
    // every EXPIRE variant is logged as an absolute PEXPIREAT
    write("expire", -3, KeyCommands::normalizeExpire, KeyCommands::expire);
    write("pexpire", -3, KeyCommands::normalizeExpire, KeyCommands::expire);
    write("expireat", -3, KeyCommands::normalizeExpire, KeyCommands::expire);
    write("pexpireat", -3, KeyCommands::normalizeExpire, KeyCommands::expire);
    write("persist", 2, AS_IS, KeyCommands::persist);
    write("flushdb", -1, KeyCommands::checkFlush, KeyCommands::flush);
    write("flushall", -1, KeyCommands::checkFlush, KeyCommands::flush);
    // internal, proposed by the leader's expiry sweeper; clients get the unknown-command error
    internal(KeyCommands.EXPIRED, -1, Route.WRITE, KeyCommands::expired);

    // hashes (HashCommands)
    write("hset", -4, HashCommands::checkPairs, HashCommands::hset);
    write("hmset", -4, HashCommands::checkPairs, HashCommands::hmset);
    write("hsetnx", 4, AS_IS, HashCommands::hsetnx);
    write("hdel", -3, AS_IS, HashCommands::hdel);
    write("hincrby", 4, HashCommands::checkIncrBy, HashCommands::hincrby);
    write("hincrbyfloat", 4, HashCommands::checkIncrByFloat, HashCommands::hincrbyfloat);
    read("hget", 3, HashCommands::hget);
    read("hmget", -3, HashCommands::hmget);
    read("hexists", 3, HashCommands::hexists);
    read("hlen", 2, HashCommands::hlen);
    read("hstrlen", 3, HashCommands::hstrlen);
    read("hkeys", 2, HashCommands::hkeys);
    read("hvals", 2, HashCommands::hvals);
    read("hgetall", 2, HashCommands::hgetall);
    read("hscan", -3, HashCommands::hscan);
    read("hrandfield", -2, HashCommands::hrandfield);

    // lists (ListCommands)
    write("lpush", -3, AS_IS, ListCommands::lpush);
    write("rpush", -3, AS_IS, ListCommands::rpush);
    write("lpushx", -3, AS_IS, ListCommands::lpushx);
    write("rpushx", -3, AS_IS, ListCommands::rpushx);
    write("lpop", -2, ListCommands::checkPop, ListCommands::lpop);
    write("rpop", -2, ListCommands::checkPop, ListCommands::rpop);
    write("lmpop", -4, ListCommands::checkMpop, ListCommands::lmpop);
    write("lset", 4, AS_IS, ListCommands::lset);
    write("lrem", 4, ListCommands::checkRem, ListCommands::lrem);
    write("ltrim", 4, ListCommands::checkTrim, ListCommands::ltrim);
    write("linsert", 5, ListCommands::checkInsert, ListCommands::linsert);
    write("lmove", 5, ListCommands::checkMove, ListCommands::lmove);
    write("rpoplpush", 3, AS_IS, ListCommands::rpoplpush);
    read("llen", 2, ListCommands::llen);
    read("lrange", 4, ListCommands::lrange);
    read("lindex", 3, ListCommands::lindex);
    read("lpos", -3, ListCommands::lpos);
    // blocking pops (BlockingCommands): logged as their non-blocking forms, the timeout kept by
    // the receiving peer, which makes the client wait when there is nothing to pop
    write("blpop", -3, BlockingCommands::normalizeKeysTimeout, BlockingCommands::blpop);
    write("brpop", -3, BlockingCommands::normalizeKeysTimeout, BlockingCommands::brpop);
    write("blmove", 6, BlockingCommands::normalizeBlmove, BlockingCommands::blmove);
    write("brpoplpush", 4, BlockingCommands::normalizeBrpoplpush, BlockingCommands::brpoplpush);
    write("blmpop", -5, BlockingCommands::normalizeBlmpop, BlockingCommands::blmpop);

    // sets (SetCommands)
    write("sadd", -3, SetCommands::asIs, SetCommands::sadd);
    write("srem", -3, SetCommands::asIs, SetCommands::srem);
    read("smembers", 2, SetCommands::smembers);
    read("sismember", 3, SetCommands::sismember);
    read("smismember", -3, SetCommands::smismember);
    read("scard", 2, SetCommands::scard);
    write("spop", -2, SetCommands::normalizeSpop, SetCommands::spop);
    read("srandmember", -2, SetCommands::srandmember);
    read("sinter", -2, SetCommands::sinter);
    read("sintercard", -3, SetCommands::sintercard);
    read("sunion", -2, SetCommands::sunion);
    read("sdiff", -2, SetCommands::sdiff);
    write("sinterstore", -3, SetCommands::asIs, SetCommands::sinterstore);
    write("sunionstore", -3, SetCommands::asIs, SetCommands::sunionstore);
    write("sdiffstore", -3, SetCommands::asIs, SetCommands::sdiffstore);
    write("smove", 4, SetCommands::asIs, SetCommands::smove);
    read("sscan", -3, SetCommands::sscan);

    // sorted sets (ZSetCommands)
    write("zadd", -4, ZSetCommands::normalizeZadd, ZSetCommands::zadd);
    write("zincrby", 4, ZSetCommands::normalizeZincrby, ZSetCommands::zincrby);
    write("zrem", -3, SetCommands::asIs, ZSetCommands::zrem);
    read("zscore", 3, ZSetCommands::zscore);
    read("zmscore", -3, ZSetCommands::zmscore);
    read("zcard", 2, ZSetCommands::zcard);
    read("zcount", 4, ZSetCommands::zcount);
    read("zlexcount", 4, ZSetCommands::zlexcount);
    read("zrank", 3, ZSetCommands::zrank);
    read("zrevrank", 3, ZSetCommands::zrevrank);
    read("zrange", -4, ZSetCommands::zrange);
    read("zrevrange", -4, ZSetCommands::zrevrange);
    read("zrangebyscore", -4, ZSetCommands::zrangebyscore);
    read("zrevrangebyscore", -4, ZSetCommands::zrevrangebyscore);
    read("zrangebylex", -4, ZSetCommands::zrangebylex);
    read("zrevrangebylex", -4, ZSetCommands::zrevrangebylex);
    write("zrangestore", -5, SetCommands::asIs, ZSetCommands::zrangestore);
    write("zpopmin", -2, ZSetCommands::normalizePop, ZSetCommands::zpopmin);
    write("zpopmax", -2, ZSetCommands::normalizePop, ZSetCommands::zpopmax);
    write("zremrangebyrank", 4, ZSetCommands::normalizeRemoveRange, ZSetCommands::zremrangebyrank);
    write("zremrangebyscore", 4, ZSetCommands::normalizeRemoveRange, ZSetCommands::zremrangebyscore);
    write("zremrangebylex", 4, ZSetCommands::normalizeRemoveRange, ZSetCommands::zremrangebylex);
    read("zscan", -3, ZSetCommands::zscan);
    read("zunion", -3, ZSetCommands::zunion);
    read("zinter", -3, ZSetCommands::zinter);
    read("zdiff", -3, ZSetCommands::zdiff);
    read("zintercard", -3, ZSetCommands::zintercard);
    write("zunionstore", -4, ZSetCommands::normalizeStore, ZSetCommands::zunionstore);
    write("zinterstore", -4, ZSetCommands::normalizeStore, ZSetCommands::zinterstore);
    write("zdiffstore", -4, ZSetCommands::normalizeStore, ZSetCommands::zdiffstore);
    write("zmpop", -4, ZSetCommands::normalizeZmpop, ZSetCommands::zmpop);
    write("bzpopmin", -3, BlockingCommands::normalizeKeysTimeout, BlockingCommands::bzpopmin);
    write("bzpopmax", -3, BlockingCommands::normalizeKeysTimeout, BlockingCommands::bzpopmax);
    write("bzmpop", -5, BlockingCommands::normalizeBzmpop, BlockingCommands::bzmpop);
    read("zrandmember", -2, ZSetCommands::zrandmember);

    // transactions and connection-level additions
    local("multi", 1); // MULTI EXEC DISCARD WATCH UNWATCH: connection state, resp.Transaction
    local("exec", 1);
    local("discard", 1);
    local("watch", -2);
    local("unwatch", 1);
    internal(TransactionCommands.EXEC, -2, Route.WRITE, TransactionCommands::exec);
    internal(TransactionCommands.WATCH_READ, -2, Route.READ, TransactionCommands::watchRead);

    // Pub/Sub (docs/design.md "Pub/Sub"): PUBLISH goes through the log, so every peer delivers
    // every message in log order; subscriptions are connection state (resp.PubSubSession), answered
    // by the receiving peer, which delivers to its own subscribers (pubsub.PubSubHub)
    write("publish", 3, AS_IS, PubSubCommands::publish);
    write("spublish", 3, AS_IS, PubSubCommands::spublish);
    local("subscribe", -2);
    local("unsubscribe", -1);
    local("psubscribe", -2);
    local("punsubscribe", -1);
    local("ssubscribe", -2);
    local("sunsubscribe", -1);
    local("pubsub", -2);

    // Lua scripting (dev.raftkv.script): EVAL runs at apply time inside its one log entry; the
    // script cache is replicated state (SCRIPT LOAD and FLUSH are writes); the _RO forms are reads
    write("eval", -3, ScriptCommands::normalizeEval, ScriptCommands::eval);
    write("evalsha", -3, ScriptCommands::normalizeEvalsha, ScriptCommands::evalsha);
    read("eval_ro", -3, ScriptCommands::evalRo);
    read("evalsha_ro", -3, ScriptCommands::evalshaRo);
    write("script", -2, ScriptCommands::normalizeScript, ScriptCommands::script);
  }

  private Commands() {}

  /** The log form of the expiry sweeper's command: deletes those keys that are still expired. */
  public static byte[][] expiredKeysCommand(java.util.List<byte[]> keys) {
    byte[][] argv = new byte[keys.size() + 1][];
    argv[0] = Args.bytes(KeyCommands.EXPIRED);
    for (int i = 0; i < keys.size(); i++) {
      argv[i + 1] = keys.get(i);
    }
    return argv;
  }

  private static void local(String name, int arity) {
    TABLE.put(name, new CommandSpec(name, arity, Route.LOCAL, AS_IS, null));
  }

  private static void read(String name, int arity, Executor executor) {
    TABLE.put(name, new CommandSpec(name, arity, Route.READ, AS_IS, executor));
  }

  private static void write(String name, int arity, Normalizer normalizer, Executor executor) {
    TABLE.put(name, new CommandSpec(name, arity, Route.WRITE, normalizer, executor));
  }

  private static void internal(String name, int arity, Route route, Executor executor) {
    INTERNAL.put(name, new CommandSpec(name, arity, route, AS_IS, executor));
  }

  /** True for the rows a client must not call (it gets the unknown-command error). */
  public static boolean isInternal(CommandSpec spec) {
    return INTERNAL.get(spec.name()) == spec;
  }

  /** The row for a command name in any case (internal rows included: see {@link #isInternal}), or null. */
  public static CommandSpec lookup(byte[] name) {
    if (name.length == 0 || name.length > 32) {
      return null;
    }
    char[] c = new char[name.length];
    for (int i = 0; i < name.length; i++) {
      int b = name[i] & 0xff;
      c[i] = (char) (b >= 'A' && b <= 'Z' ? b + 32 : b);
    }
    String n = new String(c);
    CommandSpec spec = TABLE.get(n);
    return spec != null ? spec : INTERNAL.get(n);
  }

  /** Every client-visible row, in table order. */
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
   * Refuses, before anything is allocated, a string that would grow to {@code length} bytes, past
   * the entry's {@code raftkv.max-value-bytes} (the callers check Redis's own 512 MB limit first,
   * with Redis's error). Without this a single small command (SETRANGE k 536870000 x) made every replica
   * allocate half a gigabyte at once while applying it, and every peer ran out of heap.
   */
  static void checkValueSize(Keyspace ks, long length) throws CommandError {
    if (length > ks.maxValueBytes()) {
      throw new CommandError(ValueTooLargeException.message(length, ks.maxValueBytes()));
    }
  }

  /**
   * Runs a command (already checked for existence and arity) against a keyspace. User errors are
   * written as error replies; nothing half-written remains.
   */
  public static void execute(CommandSpec spec, byte[][] argv, Keyspace ks, dev.raftkv.protocol.RespOut out) {
    int mark = out.length();
    int savepoint = ks.savepoint();
    try {
      byte[][] before = KeyspaceEvents.before(spec, argv, ks);
      spec.executor().execute(argv, ks, out);
      if (before != null && !out.isErrorFrom(mark)) {
        KeyspaceEvents.after(spec, argv, ks, before, out.isNilFrom(mark));
      }
      ks.release(savepoint);
    } catch (CommandError | ValueTooLargeException e) {
      ks.rollback(savepoint);
      out.truncate(mark);
      out.error(e.getMessage());
    } catch (StoreException e) {
      // the store itself failed on this peer: not deterministic, so it must not become a reply
      ks.rollback(savepoint);
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // A bug in a command, the same on every replica (the input is the same): answer an error
      // and undo the command's changes rather than stop every peer of the cluster.
      ks.rollback(savepoint);
      out.truncate(mark);
      out.error("ERR internal error in '" + spec.name() + "': " + e.getClass().getSimpleName());
      LOG.error("internal error executing '{}' ({} arguments)", spec.name(), argv.length - 1, e);
    }
  }
}

package dev.raftkv.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Concurrent clients running the workloads against a set of RESP endpoints, recording every
 * operation in a {@link History}:
 *
 * <ol>
 *   <li>registers: SET of unique values and GET on a rotating set of keys (few hundred operations
 *       per key, so the linearizability search stays small);
 *   <li>unique keys: each written once (SET), read back on every peer at the end;
 *   <li>counters: INCRBY with small positive deltas, and GET;
 *   <li>bank: transfers between accounts with WATCH/MULTI/EXEC, and MGET of every account
 *       ({@link BankChecker});
 *   <li>list append: RPUSH of unique elements to a few lists and LRANGE of a whole list
 *       ({@link ListAppendChecker});
 *   <li>queue: LPUSH of unique jobs, BLMOVE onto a taken list ({@link QueueChecker});
 *   <li>script: a lock with a fencing token, three Lua scripts run with EVALSHA (acquire,
 *       fenced write to a resource, compare-and-delete release) ({@link FencingChecker}).
 * </ol>
 *
 * <p>Client threads are bound round-robin to the endpoints, so writes go through followers too.
 * An error reply starting with {@code CLUSTERDOWN} is a definite failure; any other error reply to
 * a write ({@code TIMEOUT} included), a lost connection or a client-side timeout is an unknown
 * outcome; after an unknown outcome the thread continues as a new process (reconnecting when
 * the connection was lost).
 */
public final class Workloads {

  /** A RESP endpoint: a peer's name and address. */
  public record Endpoint(String name, String host, int port) {}

  /** Which workload an operation belongs to. */
  public enum Kind {
    REGISTER,
    SET,
    COUNTER,
    BANK,
    LIST,
    QUEUE,
    SCRIPT
  }

  /** Settings. */
  public static final class Options {
    public int registerThreads = 5;
    public int setThreads = 2;
    public int counterThreads = 2;
    public int registerKeysPerGeneration = 5;
    public int opsPerRegisterGeneration = 600;
    public int counters = 3;
    public int bankThreads = 2;
    public int accounts = 5;
    public long initialBalance = 100;
    public int listThreads = 2;
    public int listKeysPerGeneration = 3;
    public int opsPerListGeneration = 300;
    /** Queue workload: threads that enqueue (LPUSH) or take (BLMOVE). */
    public int queueThreads = 2;
    /** Script workload: threads that take the fenced lock and write to the resource. */
    public int scriptThreads = 2;
    /** Script workload: the lock's lease ({@code PX}), so a vanished holder blocks others briefly. */
    public int lockLeaseMs = 2000;
    /**
     * Script workload: one critical section in this many (0: none) stalls past the lease before
     * writing, like a holder in a long GC pause, so a newer holder fences its write off.
     */
    public int lockStallOneIn = 40;
    /** Script workload, for the harness's own test: write to the resource without the fence. */
    public boolean lockUnfenced;
    /** Client-side timeout; above the server's request timeout (10 s), so the server's own
     * CLUSTERDOWN / TIMEOUT answer normally arrives first. */
    public int readTimeoutMs = 12_000;
    /** Max pause between two operations of one thread (uniform in [0, max]). */
    public int thinkMaxMs = 4;
    public long maxOps = Long.MAX_VALUE;
    public String prefix = "v";
    public long seed = 1;
    /** Register workload: fraction of reads. */
    public double registerReadRatio = 0.5;
    /**
     * The peers run the Redis Cluster protocol (raftkv.cluster.groups > 1): clients follow MOVED
     * to the leader of a key's group and send READONLY (all but the bank's, whose WATCH and MULTI
     * must reach the leader), so a peer serves reads of groups it follows; the final reads send
     * READONLY and read each peer's own copy, one slot per MGET.
     */
    public boolean cluster;
  }

  private final List<Endpoint> endpoints;
  private final Options options;
  private final Consumer<String> log;
  public final History registers;
  public final History sets;
  public final History counters;
  public final History bank;
  public final History lists;
  public final History queues;
  public final History scripts;
  private final AtomicInteger nextProcess = new AtomicInteger();
  private final AtomicLong opsStarted = new AtomicLong();
  private final AtomicLong registerOps = new AtomicLong();
  private final AtomicLong setKeys = new AtomicLong();
  private final AtomicLong listOps = new AtomicLong();
  private final AtomicLong queueElements = new AtomicLong();
  private final AtomicLong lockSections = new AtomicLong();
  private final AtomicLong resourceWrites = new AtomicLong();
  private final AtomicLong scriptFallbacks = new AtomicLong();
  /** Connections on which SCRIPT LOAD of the three scripts succeeded. */
  private final Set<RespClient> scriptsLoaded =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private final AtomicLong unexpectedErrors = new AtomicLong();
  private final List<String> unexpectedSamples = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  public Workloads(List<Endpoint> endpoints, History clock, Options options,
      Consumer<String> log) {
    this.endpoints = List.copyOf(endpoints);
    this.options = options;
    this.log = log;
    long origin = System.nanoTime() - clock.now();
    this.registers = new History(origin);
    this.sets = new History(origin);
    this.counters = new History(origin);
    this.bank = new History(origin);
    this.lists = new History(origin);
    this.queues = new History(origin);
    this.scripts = new History(origin);
  }

  public long opsStarted() {
    return opsStarted.get();
  }

  public long unexpectedErrors() {
    return unexpectedErrors.get();
  }

  public synchronized List<String> unexpectedSamples() {
    return List.copyOf(unexpectedSamples);
  }

  /** Key prefix of this run. */
  public String prefix() {
    return options.prefix;
  }

  public String counterKey(int i) {
    return options.prefix + ":ctr:" + i;
  }

  /**
   * Workload 2's n-th unique key. Its hash tag (one of 64) puts it in one of 64 slots, spread
   * over the groups in cluster mode, so the final reads can MGET many keys of one slot at a time.
   */
  public String setKey(long n) {
    return options.prefix + ":set:{" + (n % 64) + "}:" + n;
  }

  public int counterCount() {
    return options.counters;
  }

  public String accountKey(int i) {
    return options.prefix + ":{acct}:" + i;
  }

  public int accounts() {
    return options.accounts;
  }

  public long bankTotal() {
    return options.accounts * options.initialBalance;
  }

  /** Every list key used so far. */
  public List<String> listKeys() {
    long gens = listOps.get() / options.opsPerListGeneration + 1;
    List<String> keys = new ArrayList<>();
    for (long g = 0; g < gens; g++) {
      for (int k = 0; k < options.listKeysPerGeneration; k++) {
        keys.add(options.prefix + ":list:" + g + ":" + k);
      }
    }
    return keys;
  }

  /**
   * Opens the bank: every account gets the initial balance (through the first endpoint, retried
   * until the cluster answers). Call before {@link #start()} when bank threads are configured.
   */
  public void setUp() throws IOException, InterruptedException {
    if (options.bankThreads == 0) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of("MSET"));
    for (int i = 0; i < options.accounts; i++) {
      cmd.add(accountKey(i));
      cmd.add(Long.toString(options.initialBalance));
    }
    Endpoint ep = endpoints.get(0);
    IOException last = null;
    for (int attempt = 0; attempt < 60; attempt++) {
      try (RespClient c = new RespClient(ep.host(), ep.port(), 2000, options.readTimeoutMs)) {
        if (options.cluster) {
          c.followMoved(false);
        }
        Object r = c.call(cmd);
        if ("OK".equals(r)) {
          return;
        }
        last = new IOException("MSET of the accounts answered " + r);
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(500);
    }
    throw last;
  }

  /** Every register key used so far. */
  public List<String> registerKeys() {
    long gens = registerOps.get() / options.opsPerRegisterGeneration + 1;
    List<String> keys = new ArrayList<>();
    for (long g = 0; g < gens; g++) {
      for (int k = 0; k < options.registerKeysPerGeneration; k++) {
        keys.add(options.prefix + ":reg:" + g + ":" + k);
      }
    }
    return keys;
  }

  /** Starts the client threads. */
  public void start() {
    running = true;
    int t = 0;
    Random seeds = new Random(options.seed);
    for (Kind kind : Kind.values()) {
      int n = switch (kind) {
        case REGISTER -> options.registerThreads;
        case SET -> options.setThreads;
        case COUNTER -> options.counterThreads;
        case BANK -> options.bankThreads;
        case LIST -> options.listThreads;
        case QUEUE -> options.queueThreads;
        case SCRIPT -> options.scriptThreads;
      };
      for (int i = 0; i < n; i++) {
        Endpoint ep = endpoints.get(t % endpoints.size());
        long seed = seeds.nextLong();
        Thread th = new Thread(() -> clientLoop(kind, ep, new Random(seed)),
            "client-" + kind.name().toLowerCase() + "-" + i + "-" + ep.name());
        th.setDaemon(true);
        threads.add(th);
        t++;
      }
    }
    threads.forEach(Thread::start);
  }

  public boolean isDone() {
    return threads.stream().noneMatch(Thread::isAlive);
  }

  /** Stops the clients and waits for them (each finishes its operation in flight). */
  public void stop() throws InterruptedException {
    running = false;
    for (Thread th : threads) {
      th.join(options.readTimeoutMs + 5000L);
    }
  }

  private void clientLoop(Kind kind, Endpoint ep, Random rnd) {
    int process = nextProcess.getAndIncrement();
    RespClient conn = null;
    try {
      while (running && opsStarted.get() < options.maxOps) {
        if (conn == null) {
          try {
            conn = new RespClient(ep.host(), ep.port(), 1000, options.readTimeoutMs);
            if (options.cluster) {
              try {
                conn.followMoved(kind != Kind.BANK);
              } catch (IOException e) {
                conn.close();
                throw e;
              }
            }
          } catch (IOException e) {
            Thread.sleep(100);
            continue;
          }
        }
        opsStarted.incrementAndGet();
        boolean unknown;
        try {
          unknown = switch (kind) {
            case REGISTER -> registerOp(conn, ep, process, rnd);
            case SET -> setOp(conn, ep, process);
            case COUNTER -> counterOp(conn, ep, process, rnd);
            case BANK -> bankOp(conn, ep, process, rnd);
            case LIST -> listOp(conn, ep, process, rnd);
            case QUEUE -> queueOp(conn, ep, process, rnd);
            case SCRIPT -> scriptOp(conn, ep, process, rnd);
          };
        } catch (IOException e) {
          conn.close();
          conn = null;
          unknown = !(e instanceof RespClient.Redirected);
        }
        if (unknown) {
          process = nextProcess.getAndIncrement();
        }
        if (options.thinkMaxMs > 0) {
          Thread.sleep(rnd.nextInt(options.thinkMaxMs + 1));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (conn != null) {
        conn.close();
      }
    }
  }

  /** Records the outcome of a write-like call; returns true when the outcome is unknown. */
  private boolean complete(History h, Op inv, RespClient conn, String... cmd) throws IOException {
    Object reply;
    try {
      reply = conn.call(cmd);
    } catch (IOException e) {
      lost(h, inv, e);
      throw e;
    }
    if (reply instanceof RespClient.Error err) {
      if (notRun(err)) {
        h.fail(inv, err.message());
        return false;
      }
      if (!err.code().equals("TIMEOUT")) {
        unexpected(inv + " -> " + err);
      }
      h.info(inv, err.message());
      return true;
    }
    if (inv.f() == Op.F.INCR) {
      if (reply instanceof Long v) {
        h.ok(inv, v);
        return false;
      }
    } else if ("OK".equals(reply)) {
      h.ok(inv, inv.value());
      return false;
    }
    unexpected(inv + " -> unexpected reply " + reply);
    h.info(inv, "unexpected reply " + reply);
    return true;
  }

  private boolean read(History h, Op inv, RespClient conn) throws IOException {
    Object reply;
    try {
      reply = conn.call("GET", inv.key());
    } catch (IOException e) {
      lost(h, inv, e);
      throw e;
    }
    if (reply instanceof RespClient.Error err) {
      if (!err.code().equals("CLUSTERDOWN") && !err.code().equals("TIMEOUT")) {
        unexpected(inv + " -> " + err);
      }
      h.fail(inv, err.message());
      return false;
    }
    if (reply == null || reply instanceof String) {
      h.ok(inv, reply);
      return false;
    }
    unexpected(inv + " -> unexpected reply " + reply);
    h.fail(inv, "unexpected reply " + reply);
    return false;
  }

  /**
   * Records an operation whose connection was lost: unknown outcome, except when the client could
   * not follow a MOVED ({@link RespClient.Redirected}): then the command ran nowhere.
   */
  private static void lost(History h, Op inv, IOException e) {
    if (e instanceof RespClient.Redirected) {
      h.fail(inv, e.getMessage());
    } else {
      h.info(inv, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /**
   * An error reply that says the command did not run: CLUSTERDOWN, or (cluster mode) a MOVED the
   * client did not follow (inside a WATCH or MULTI).
   */
  private static boolean notRun(RespClient.Error err) {
    return err.code().equals("CLUSTERDOWN") || err.code().equals("MOVED");
  }

  private synchronized void unexpected(String what) {
    unexpectedErrors.incrementAndGet();
    if (unexpectedSamples.size() < 20) {
      unexpectedSamples.add(what);
      log.accept("unexpected: " + what);
    }
  }

  /**
   * Records a write's reply that is not its result: a definite failure on CLUSTERDOWN (not
   * applied), an unknown outcome otherwise (TIMEOUT, or a reply nobody expected, which is also
   * counted as unexpected). Returns true when the outcome is unknown.
   */
  private boolean notAnswered(History h, Op inv, Object reply) {
    if (reply instanceof RespClient.Error err && notRun(err)) {
      h.fail(inv, err.message());
      return false;
    }
    if (!(reply instanceof RespClient.Error err && err.code().equals("TIMEOUT"))) {
      unexpected(inv + " -> unexpected reply " + reply);
    }
    h.info(inv, String.valueOf(reply));
    return true;
  }

  private boolean registerOp(RespClient conn, Endpoint ep, int process, Random rnd)
      throws IOException {
    long n = registerOps.getAndIncrement();
    long gen = n / options.opsPerRegisterGeneration;
    String key = options.prefix + ":reg:" + gen + ":" + rnd.nextInt(options.registerKeysPerGeneration);
    if (rnd.nextDouble() < options.registerReadRatio) {
      Op inv = registers.invoke(process, Op.F.READ, key, null, ep.name());
      return read(registers, inv, conn);
    }
    String value = "p" + process + "-" + n;
    Op inv = registers.invoke(process, Op.F.WRITE, key, value, ep.name());
    return complete(registers, inv, conn, "SET", key, value);
  }

  private boolean setOp(RespClient conn, Endpoint ep, int process) throws IOException {
    long n = setKeys.getAndIncrement();
    String key = setKey(n);
    String value = "s" + n;
    Op inv = sets.invoke(process, Op.F.WRITE, key, value, ep.name());
    return complete(sets, inv, conn, "SET", key, value);
  }

  private boolean counterOp(RespClient conn, Endpoint ep, int process, Random rnd)
      throws IOException {
    String key = counterKey(rnd.nextInt(options.counters));
    if (rnd.nextInt(10) < 3) {
      Op inv = counters.invoke(process, Op.F.READ, key, null, ep.name());
      return read(counters, inv, conn);
    }
    long delta = 1 + rnd.nextInt(5);
    Op inv = counters.invoke(process, Op.F.INCR, key, delta, ep.name());
    return complete(counters, inv, conn, "INCRBY", key, Long.toString(delta));
  }

  /** MGET of every account, recorded as one read whose value is the list of balances. */
  private boolean readAccounts(RespClient conn, Endpoint ep, int process) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("MGET"));
    for (int i = 0; i < options.accounts; i++) {
      cmd.add(accountKey(i));
    }
    Op inv = bank.invoke(process, Op.F.READ, options.prefix + ":acct", null, ep.name());
    Object reply;
    try {
      reply = conn.call(cmd);
    } catch (IOException e) {
      lost(bank, inv, e);
      throw e;
    }
    if (reply instanceof List<?> values) {
      bank.ok(inv, new ArrayList<>(values));
    } else {
      if (!(reply instanceof RespClient.Error err
          && (err.code().equals("CLUSTERDOWN") || err.code().equals("TIMEOUT")))) {
        unexpected(inv + " -> unexpected reply " + reply);
      }
      bank.fail(inv, String.valueOf(reply));
    }
    return false;
  }

  /**
   * A guarded transfer: WATCH both accounts, read them, and only if the source holds the amount,
   * MULTI / DECRBY / INCRBY / EXEC. EXEC's nil reply (a watched key changed, nothing ran) is
   * recorded as ok with a null value; CLUSTERDOWN is a definite failure; anything else but an
   * array reply is unknown.
   */
  private boolean bankOp(RespClient conn, Endpoint ep, int process, Random rnd)
      throws IOException {
    if (rnd.nextInt(10) < 3) {
      return readAccounts(conn, ep, process);
    }
    int from = rnd.nextInt(options.accounts);
    int to = (from + 1 + rnd.nextInt(options.accounts - 1)) % options.accounts;
    long amount = 1 + rnd.nextInt(20);
    String a = accountKey(from);
    String b = accountKey(to);
    Object w = conn.call("WATCH", a, b);
    if (!"OK".equals(w)) {
      conn.call("UNWATCH");
      return false; // nothing was attempted
    }
    Object balances = conn.call("MGET", a, b);
    if (!(balances instanceof List<?> l) || l.size() != 2 || l.get(0) == null
        || Long.parseLong(l.get(0).toString()) < amount) {
      conn.call("UNWATCH");
      return false;
    }
    Op inv = bank.invoke(process, Op.F.WRITE, options.prefix + ":acct",
        from + ">" + to + ":" + amount, ep.name());
    Object reply;
    try {
      Object m = conn.call("MULTI");
      Object q1 = conn.call("DECRBY", a, Long.toString(amount));
      Object q2 = conn.call("INCRBY", b, Long.toString(amount));
      if (!"OK".equals(m) || !"QUEUED".equals(q1) || !"QUEUED".equals(q2)) {
        conn.call("DISCARD");
        if (!(q1 instanceof RespClient.Error e1 && notRun(e1)
            || q2 instanceof RespClient.Error e2 && notRun(e2))) {
          unexpected(inv + " -> MULTI " + m + ", " + q1 + ", " + q2);
        }
        bank.fail(inv, "not queued");
        return false;
      }
      reply = conn.call("EXEC");
    } catch (IOException e) {
      lost(bank, inv, e);
      throw e;
    }
    if (reply == null) {
      bank.ok(inv, null); // EXEC answered nil: a watched key changed, nothing ran
      return false;
    }
    if (reply instanceof List<?> results && results.size() == 2
        && results.stream().allMatch(x -> x instanceof Long)) {
      bank.ok(inv, results.get(0));
      return false;
    }
    return notAnswered(bank, inv, reply);
  }

  private boolean listOp(RespClient conn, Endpoint ep, int process, Random rnd)
      throws IOException {
    long n = listOps.getAndIncrement();
    long gen = n / options.opsPerListGeneration;
    String key = options.prefix + ":list:" + gen + ":" + rnd.nextInt(options.listKeysPerGeneration);
    if (rnd.nextBoolean()) {
      Op inv = lists.invoke(process, Op.F.READ, key, null, ep.name());
      return readList(inv, conn);
    }
    String elem = "e" + n;
    Op inv = lists.invoke(process, Op.F.WRITE, key, elem, ep.name());
    Object reply;
    try {
      reply = conn.call("RPUSH", key, elem);
    } catch (IOException e) {
      lost(lists, inv, e);
      throw e;
    }
    if (reply instanceof Long len) {
      lists.ok(inv, len);
      return false;
    }
    return notAnswered(lists, inv, reply);
  }

  /** The queue workload's queue, and the list its consumers move what they take onto. */
  public String queueKey() {
    return options.prefix + ":{queue}";
  }

  public String takenKey() {
    return options.prefix + ":{queue}:taken";
  }

  /**
   * Three operations in five enqueue a unique element (LPUSH), the others take the oldest one
   * (BLMOVE onto the taken list, waiting up to 0.5 s), as job queues built on Redis do.
   */
  private boolean queueOp(RespClient conn, Endpoint ep, int process, Random rnd)
      throws IOException {
    boolean enqueue = rnd.nextInt(5) < 3;
    String elem = enqueue ? "j" + queueElements.getAndIncrement() : null;
    Op inv = queues.invoke(process, enqueue ? Op.F.WRITE : Op.F.READ, queueKey(), elem, ep.name());
    Object reply;
    try {
      reply = enqueue ? conn.call("LPUSH", queueKey(), elem)
          : conn.call("BLMOVE", queueKey(), takenKey(), "RIGHT", "LEFT", "0.5");
    } catch (IOException e) {
      lost(queues, inv, e);
      throw e;
    }
    if (enqueue ? reply instanceof Long : reply == null || reply instanceof String) {
      queues.ok(inv, enqueue ? elem : reply);
      return false;
    }
    return notAnswered(queues, inv, reply);
  }

  /** The queue and the taken list as every endpoint holds them (after the cluster healed). */
  public Map<String, QueueChecker.FinalState> finalQueues() throws IOException {
    Map<String, QueueChecker.FinalState> out = new LinkedHashMap<>();
    for (Endpoint ep : endpoints) {
      try (RespClient c = finalClient(ep)) {
        out.put(ep.name(), new QueueChecker.FinalState(range(c, ep, queueKey()), range(c, ep, takenKey())));
      }
    }
    return out;
  }

  private static List<String> range(RespClient c, Endpoint ep, String key) throws IOException {
    Object r = c.call("LRANGE", key, "0", "-1");
    if (!(r instanceof List<?> l)) {
      throw new IOException("final LRANGE " + key + " on " + ep.name() + " answered " + r);
    }
    List<String> out = new ArrayList<>();
    l.forEach(x -> out.add(String.valueOf(x)));
    return out;
  }

  // ------------------------------------------------------------------ script: fenced lock

  /** A Lua script and its SHA1, the name EVALSHA and SCRIPT LOAD use. */
  record Script(String name, String body, String sha) {
    static Script of(String name, String body) {
      try {
        byte[] d = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
        return new Script(name, body, HexFormat.of().formatHex(d));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * KEYS: lock, fencing counter; ARGV: owner, lease in ms. Takes the lock if it is free or its
   * lease expired and returns a new fencing token; nil when someone else holds it.
   */
  static final Script ACQUIRE = Script.of("acquire",
      "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then\n"
      + "  return redis.call('incr', KEYS[2])\n"
      + "end\n"
      + "return false\n");

  /**
   * KEYS: the resource's highest token, the resource's list; ARGV: token, value. Accepts the
   * write (1) only if the token is at least the highest the resource has seen, else rejects (0).
   */
  static final Script FENCED_WRITE = Script.of("fenced-write",
      "local max = tonumber(redis.call('get', KEYS[1]) or '0')\n"
      + "if tonumber(ARGV[1]) < max then\n"
      + "  return 0\n"
      + "end\n"
      + "redis.call('set', KEYS[1], ARGV[1])\n"
      + "redis.call('rpush', KEYS[2], ARGV[1] .. ':' .. ARGV[2])\n"
      + "return 1\n");

  /** The broken resource of the harness's own test: accepts every write, stale or not. */
  static final Script UNFENCED_WRITE = Script.of("unfenced-write",
      "redis.call('set', KEYS[1], ARGV[1])\n"
      + "redis.call('rpush', KEYS[2], ARGV[1] .. ':' .. ARGV[2])\n"
      + "return 1\n");

  /** KEYS: lock; ARGV: owner. Deletes the lock only if the caller still holds it. */
  static final Script RELEASE = Script.of("release",
      "if redis.call('get', KEYS[1]) == ARGV[1] then\n"
      + "  return redis.call('del', KEYS[1])\n"
      + "end\n"
      + "return 0\n");

  /** The script workload's keys: the lock, its fencing counter, the resource and its highest token. */
  public String lockKey() {
    return options.prefix + ":{lock}";
  }

  public String fenceKey() {
    return options.prefix + ":{lock}:fence";
  }

  public String resourceKey() {
    return options.prefix + ":{resource}";
  }

  public String resourceMaxKey() {
    return options.prefix + ":{resource}:max";
  }

  /** How often a peer answered NOSCRIPT to EVALSHA and the script was sent with EVAL. */
  public long scriptFallbacks() {
    return scriptFallbacks.get();
  }

  /** SCRIPT LOAD of the three scripts, once per connection (until it succeeds). */
  private void loadScripts(RespClient conn) throws IOException {
    if (scriptsLoaded.contains(conn)) {
      return;
    }
    boolean all = true;
    for (Script s : List.of(ACQUIRE, options.lockUnfenced ? UNFENCED_WRITE : FENCED_WRITE, RELEASE)) {
      Object r = conn.call("SCRIPT", "LOAD", s.body());
      if (!s.sha().equals(r)) {
        all = false;
        if (!(r instanceof RespClient.Error err
            && (err.code().equals("CLUSTERDOWN") || err.code().equals("TIMEOUT")))) {
          unexpected("SCRIPT LOAD " + s.name() + " -> " + r + ", expected " + s.sha());
        }
      }
    }
    if (all) {
      scriptsLoaded.add(conn);
    }
  }

  /** EVALSHA, or EVAL when the peer does not know the script; a lost connection is unknown. */
  private Object runScript(Op inv, RespClient conn, Script s, List<String> keys, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("EVALSHA", s.sha(), Integer.toString(keys.size())));
    cmd.addAll(keys);
    cmd.addAll(List.of(args));
    try {
      Object reply = conn.call(cmd);
      if (reply instanceof RespClient.Error err && err.code().equals("NOSCRIPT")) {
        scriptFallbacks.incrementAndGet();
        cmd.set(0, "EVAL");
        cmd.set(1, s.body());
        reply = conn.call(cmd);
      }
      return reply;
    } catch (IOException e) {
      lost(scripts, inv, e);
      throw e;
    }
  }


  /**
   * One critical section: acquire the lock (a new fencing token, or nil when it is held), one or
   * two fenced writes to the resource with that token (stopping at a rejection), release. Now and
   * then the holder stalls past its lease before writing (see {@link Options#lockStallOneIn}).
   * After an unknown outcome the section is abandoned: the lease frees the lock.
   */
  private boolean scriptOp(RespClient conn, Endpoint ep, int process, Random rnd)
      throws IOException {
    loadScripts(conn);
    String owner = "o" + lockSections.getAndIncrement();
    Op acq = scripts.invoke(process, Op.F.INCR, lockKey(), owner, ep.name());
    Object reply = runScript(acq, conn, ACQUIRE, List.of(lockKey(), fenceKey()), owner,
        Integer.toString(options.lockLeaseMs));
    if (reply == null) {
      scripts.ok(acq, null);
      return false;
    }
    if (!(reply instanceof Long token)) {
      return notAnswered(scripts, acq, reply);
    }
    scripts.ok(acq, token);
    if (options.lockStallOneIn > 0 && rnd.nextInt(options.lockStallOneIn) == 0) {
      try {
        Thread.sleep(options.lockLeaseMs + 100 + rnd.nextInt(200));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int n = 1 + rnd.nextInt(2);
    for (int i = 0; i < n; i++) {
      String value = "w" + resourceWrites.getAndIncrement();
      Op w = scripts.invoke(process, Op.F.WRITE, resourceKey(), token + ":" + value, ep.name());
      reply = runScript(w, conn, options.lockUnfenced ? UNFENCED_WRITE : FENCED_WRITE,
          List.of(resourceMaxKey(), resourceKey()),
          Long.toString(token), value);
      if (reply instanceof Long r && (r == 0 || r == 1)) {
        scripts.ok(w, r == 1 ? FencingChecker.ACCEPTED : FencingChecker.REJECTED);
        if (r == 0) {
          break;
        }
      } else if (notAnswered(scripts, w, reply)) {
        return true;
      }
    }
    Op rel = scripts.invoke(process, Op.F.WRITE, lockKey(), owner, ep.name());
    reply = runScript(rel, conn, RELEASE, List.of(lockKey()), owner);
    if (reply instanceof Long r && (r == 0 || r == 1)) {
      scripts.ok(rel, r);
      return false;
    }
    return notAnswered(scripts, rel, reply);
  }

  /** The fencing counter, the resource's highest token and its list as every endpoint holds them. */
  public Map<String, FencingChecker.FinalState> finalFencing() throws IOException {
    Map<String, FencingChecker.FinalState> out = new LinkedHashMap<>();
    for (Endpoint ep : endpoints) {
      try (RespClient c = finalClient(ep)) {
        out.put(ep.name(), new FencingChecker.FinalState(number(c, ep, fenceKey()),
            number(c, ep, resourceMaxKey()), range(c, ep, resourceKey())));
      }
    }
    return out;
  }

  private static Long number(RespClient c, Endpoint ep, String key) throws IOException {
    Object r = c.call("GET", key);
    if (r == null) {
      return null;
    }
    try {
      return Long.parseLong((String) r);
    } catch (ClassCastException | NumberFormatException e) {
      throw new IOException("final GET " + key + " on " + ep.name() + " answered " + r);
    }
  }

  private boolean readList(Op inv, RespClient conn) throws IOException {
    Object reply;
    try {
      reply = conn.call("LRANGE", inv.key(), "0", "-1");
    } catch (IOException e) {
      lost(lists, inv, e);
      throw e;
    }
    if (reply instanceof List<?> values) {
      lists.ok(inv, new ArrayList<>(values));
    } else {
      if (!(reply instanceof RespClient.Error err
          && (err.code().equals("CLUSTERDOWN") || err.code().equals("TIMEOUT")))) {
        unexpected(inv + " -> unexpected reply " + reply);
      }
      lists.fail(inv, String.valueOf(reply));
    }
    return false;
  }

  // ------------------------------------------------------------------ final reads

  /**
   * A connection for reading one peer's own state at the end; in cluster mode with READONLY, so
   * the peer answers reads of groups it follows itself rather than redirecting them.
   */
  private RespClient finalClient(Endpoint ep) throws IOException {
    RespClient c = new RespClient(ep.host(), ep.port(), 2000, 30_000);
    if (options.cluster) {
      Object r = c.call("READONLY");
      if (!"OK".equals(r)) {
        c.close();
        throw new IOException("READONLY on " + ep.name() + " answered " + r);
      }
    }
    return c;
  }

  /**
   * Reads the final state from every endpoint, after the clients stopped and the cluster healed:
   * each register and counter key (recorded as reads in their histories, so the checkers see
   * them), and every unique key of workload 2 plus any key of its prefix the peer has.
   *
   * @return per endpoint name, the unique keys and values found there
   */
  public Map<String, Map<String, String>> finalReads() throws IOException {
    int process = nextProcess.getAndIncrement() + 1_000_000;
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    long written = setKeys.get();
    for (Endpoint ep : endpoints) {
      try (RespClient c = finalClient(ep)) {
        for (String key : registerKeys()) {
          Op inv = registers.invoke(process, Op.F.READ, key, null, ep.name());
          read(registers, inv, c);
        }
        for (int i = 0; i < options.counters; i++) {
          Op inv = counters.invoke(process, Op.F.READ, counterKey(i), null, ep.name());
          read(counters, inv, c);
        }
        if (options.bankThreads > 0) {
          readAccounts(c, ep, process);
        }
        if (options.listThreads > 0) {
          for (String key : listKeys()) {
            readList(lists.invoke(process, Op.F.READ, key, null, ep.name()), c);
          }
        }
        Map<String, String> found = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        java.util.Set<String> known = new java.util.HashSet<>();
        for (long n = 0; n < written; n++) {
          keys.add(setKey(n));
          known.add(setKey(n));
        }
        Object listed = c.call("KEYS", options.prefix + ":set:*");
        if (listed instanceof List<?> l) {
          for (Object k : l) {
            if (k instanceof String s && known.add(s)) {
              keys.add(s);
            }
          }
        } else {
          log.accept("KEYS on " + ep.name() + " answered " + listed
              + ": invented keys are not looked for");
        }
        // one slot per MGET in cluster mode (keys of several slots would get CROSSSLOT)
        Map<Integer, List<String>> bySlot = new java.util.TreeMap<>();
        for (String k : keys) {
          bySlot.computeIfAbsent(options.cluster
              ? dev.raftkv.cluster.Slots.slot(k.getBytes(StandardCharsets.UTF_8)) : 0, x -> new ArrayList<>()).add(k);
        }
        List<List<String>> chunks = new ArrayList<>();
        for (List<String> same : bySlot.values()) {
          for (int from = 0; from < same.size(); from += 200) {
            chunks.add(same.subList(from, Math.min(same.size(), from + 200)));
          }
        }
        for (List<String> chunk : chunks) {
          List<String> cmd = new ArrayList<>();
          cmd.add("MGET");
          cmd.addAll(chunk);
          Object r = c.call(cmd);
          if (!(r instanceof List<?> values) || values.size() != chunk.size()) {
            throw new IOException("final MGET on " + ep.name() + " answered " + r);
          }
          for (int i = 0; i < chunk.size(); i++) {
            Object v = values.get(i);
            if (v != null) {
              found.put(chunk.get(i), v.toString());
            }
          }
        }
        out.put(ep.name(), found);
      }
      process++;
    }
    return out;
  }
}

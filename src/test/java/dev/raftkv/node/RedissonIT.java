package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.Redisson;
import org.redisson.api.RBucket;
import org.redisson.api.RCountDownLatch;
import org.redisson.api.RLock;
import org.redisson.api.RMapCache;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RSemaphore;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Redisson, unchanged, against a real 3-peer cluster with one Redisson client per peer: its
 * locks (RLock, RFairLock), RSemaphore, RCountDownLatch, RRateLimiter and RMapCache run on
 * raft-kv's Lua scripting and Pub/Sub as they do on Redis, across peers; and a counter
 * incremented under an RLock by threads on two peers while the leader is stopped loses no
 * update (the lock's scripts and the counter's writes are linearizable and durable).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class RedissonIT {
  @TempDir static Path dir;
  static TestCluster cluster;
  /** One Redisson client per peer, in peer order. */
  static final List<RedissonClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "rocksdb"));
    for (int i = 0; i < 3; i++) {
      clients.add(redisson(cluster.redisPorts[i]));
    }
  }

  /**
   * Every test starts on a healed cluster: one test stops and restarts the leader, and a test
   * after it must not spend its lock leases waiting for an election (a 3 s lease once expired
   * before a read through another peer could confirm it was held).
   */
  @org.junit.jupiter.api.BeforeEach
  void everyPeerServes() throws Exception {
    for (int i = 0; i < 3; i++) {
      int peer = i;
      TestCluster.eventually(java.time.Duration.ofSeconds(60), () -> {
        try (redis.clients.jedis.Jedis j = cluster.client(peer)) {
          return "OK".equals(j.set("health:" + peer, "ok")) && "ok".equals(j.get("health:" + peer));
        } catch (RuntimeException e) {
          return false;
        }
      }, "peer " + i + " serves writes and reads");
    }
  }

  @AfterAll
  static void stop() {
    clients.forEach(RedissonClient::shutdown);
    if (cluster != null) {
      cluster.close();
    }
  }

  static RedissonClient redisson(int port) {
    Config config = new Config();
    config.setLockWatchdogTimeout(10_000);
    config.useSingleServer().setAddress("redis://127.0.0.1:" + port)
        .setTimeout(15_000)
        .setRetryAttempts(0)
        .setConnectionMinimumIdleSize(1)
        .setConnectionPoolSize(8)
        .setSubscriptionConnectionMinimumIdleSize(1)
        .setSubscriptionConnectionPoolSize(4);
    return Redisson.create(config);
  }

  /** Runs {@code body} on a thread of its own (Redisson locks belong to the thread that took them). */
  static <T> T onThread(java.util.concurrent.Callable<T> body) throws Exception {
    ExecutorService t = Executors.newSingleThreadExecutor();
    try {
      return t.submit(body).get(60, TimeUnit.SECONDS);
    } finally {
      t.shutdownNow();
    }
  }

  @Test
  void aLockIsReentrantExclusiveAcrossPeersAndAWaiterIsWokenByTheUnlock() throws Exception {
    RLock onFirst = clients.get(0).getLock("lock:reentrant");
    onFirst.lock();
    try {
      onFirst.lock();
      assertEquals(2, onFirst.getHoldCount());
      assertTrue(onFirst.isHeldByCurrentThread());
      // the same lock seen through the other peers: held, and not by them
      assertTrue(clients.get(1).getLock("lock:reentrant").isLocked());
      assertFalse(onThread(() -> clients.get(2).getLock("lock:reentrant").tryLock()));
      onFirst.unlock();
      assertTrue(onFirst.isLocked());
    } finally {
      onFirst.unlock();
    }
    assertFalse(onFirst.isLocked());

    // a holder on one peer, a waiter on another: the unlock's Pub/Sub message wakes the waiter
    RLock held = clients.get(1).getLock("lock:handover");
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService holder = Executors.newSingleThreadExecutor();
    try {
      Future<?> h = holder.submit(() -> {
        held.lock();
        locked.countDown();
        release.await();
        held.unlock();
        return null;
      });
      assertTrue(locked.await(30, TimeUnit.SECONDS));
      CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(release::countDown);
      long t0 = System.nanoTime();
      boolean got = onThread(() -> {
        RLock waiter = clients.get(2).getLock("lock:handover");
        boolean ok = waiter.tryLock(20, TimeUnit.SECONDS);
        if (ok) {
          waiter.unlock();
        }
        return ok;
      });
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(got, "the waiter on another peer got the lock once it was released");
      assertTrue(waitedMs >= 400, "the waiter waited for the holder: " + waitedMs + " ms");
      assertTrue(waitedMs < 10_000, "woken by the unlock, not by the 10 s lease: " + waitedMs + " ms");
      h.get(30, TimeUnit.SECONDS);
    } finally {
      holder.shutdownNow();
    }
  }

  @Test
  void aLockWithALeaseExpiresAndAnotherPeerTakesIt() throws Exception {
    onThread(() -> {
      clients.get(0).getLock("lock:lease").lock(3, TimeUnit.SECONDS);
      return null;
    }); // that thread ends without unlocking: only the lease frees the lock
    assertTrue(clients.get(1).getLock("lock:lease").isLocked());
    long t0 = System.nanoTime();
    assertTrue(onThread(() -> {
      RLock l = clients.get(2).getLock("lock:lease");
      boolean ok = l.tryLock(20, 5, TimeUnit.SECONDS);
      if (ok) {
        l.unlock();
      }
      return ok;
    }));
    long waitedMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(waitedMs < 15_000, "taken after the 3 s lease expired: " + waitedMs + " ms");
  }

  @Test
  void aFairLockServesWaitersOnDifferentPeersInTheOrderTheyAsked() throws Exception {
    RLock first = clients.get(0).getFairLock("lock:fair");
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(3);
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      Future<?> h = pool.submit(() -> {
        first.lock();
        holding.countDown();
        release.await();
        first.unlock();
        return null;
      });
      assertTrue(holding.await(30, TimeUnit.SECONDS));
      List<Future<?>> waiters = new ArrayList<>();
      for (int w = 1; w <= 2; w++) {
        int who = w;
        waiters.add(pool.submit(() -> {
          RLock l = clients.get(who).getFairLock("lock:fair");
          assertTrue(l.tryLock(30, TimeUnit.SECONDS));
          order.add(who);
          l.unlock();
          return null;
        }));
        // the second waiter asks only once the first one is queued
        TestCluster.eventually(Duration.ofSeconds(20), () -> queued(who), "waiter " + who + " queued");
      }
      release.countDown();
      h.get(30, TimeUnit.SECONDS);
      for (Future<?> f : waiters) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertEquals(List.of(1, 2), order);
    } finally {
      pool.shutdownNow();
    }
  }

  /** How many threads wait in the fair lock's queue (Redisson's list redisson_lock_queue:{name}). */
  private static boolean queued(int n) {
    return clients.get(0).getList("redisson_lock_queue:{lock:fair}", StringCodec.INSTANCE).size() >= n;
  }

  @Test
  void semaphoreLatchRateLimiterAndMapCacheWorkAcrossPeers() throws Exception {
    RSemaphore s0 = clients.get(0).getSemaphore("semaphore");
    assertTrue(s0.trySetPermits(2));
    assertTrue(clients.get(1).getSemaphore("semaphore").tryAcquire());
    assertTrue(clients.get(2).getSemaphore("semaphore").tryAcquire());
    assertFalse(s0.tryAcquire());
    clients.get(1).getSemaphore("semaphore").release();
    assertTrue(s0.tryAcquire(5, TimeUnit.SECONDS));
    assertEquals(0, clients.get(2).getSemaphore("semaphore").availablePermits());

    RCountDownLatch latch = clients.get(0).getCountDownLatch("latch");
    assertTrue(latch.trySetCount(3));
    CompletableFuture<Boolean> awaited = CompletableFuture.supplyAsync(() -> {
      try {
        return clients.get(2).getCountDownLatch("latch").await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    clients.get(0).getCountDownLatch("latch").countDown();
    clients.get(1).getCountDownLatch("latch").countDown();
    assertFalse(awaited.isDone());
    clients.get(1).getCountDownLatch("latch").countDown();
    assertTrue(awaited.get(30, TimeUnit.SECONDS), "the waiter on another peer saw the count reach 0");
    assertEquals(0, latch.getCount());

    RRateLimiter limiter = clients.get(0).getRateLimiter("limiter");
    assertTrue(limiter.trySetRate(RateType.OVERALL, 5, Duration.ofMinutes(1)));
    int granted = 0;
    for (int i = 0; i < 12; i++) {
      if (clients.get(i % 3).getRateLimiter("limiter").tryAcquire()) {
        granted++;
      }
    }
    assertEquals(5, granted, "5 permits per minute, shared by the clients of every peer");

    RMapCache<String, String> cache = clients.get(0).getMapCache("mapcache", StringCodec.INSTANCE);
    cache.put("forever", "a");
    cache.put("brief", "b", 1, TimeUnit.SECONDS);
    RMapCache<String, String> other = clients.get(1).getMapCache("mapcache", StringCodec.INSTANCE);
    assertEquals("a", other.get("forever"));
    assertEquals("b", other.get("brief"));
    TestCluster.eventually(Duration.ofSeconds(10), () -> other.get("brief") == null, "the entry's TTL passed");
    assertEquals("a", clients.get(2).<String, String>getMapCache("mapcache", StringCodec.INSTANCE).get("forever"));
  }

  /**
   * Threads on the two followers increment a plain counter (GET, then SET of the value + 1) under
   * one RLock while the leader is stopped: a lost update would mean two holders at once. Every
   * section whose SET was acknowledged must be in the counter; only a SET whose outcome is
   * unknown (a TIMEOUT reply) may add one more.
   */
  @Test
  void aCounterUnderALockLosesNoUpdateWhileTheLeaderIsStopped() throws Exception {
    int leader = cluster.awaitLeader();
    List<Integer> followers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      if (i != leader) {
        followers.add(i);
      }
    }
    AtomicLong acknowledged = new AtomicLong();
    AtomicLong unknown = new AtomicLong();
    AtomicInteger failures = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      RedissonClient c = clients.get(followers.get(t % 2));
      workers.add(pool.submit(() -> {
        RLock lock = c.getLock("lock:counter");
        RBucket<String> counter = c.getBucket("counter", StringCodec.INSTANCE);
        while (running.get()) {
          boolean locked = false;
          try {
            locked = lock.tryLock(5, TimeUnit.SECONDS);
            if (!locked) {
              continue;
            }
            String v = counter.get();
            long next = (v == null ? 0 : Long.parseLong(v)) + 1;
            try {
              counter.set(Long.toString(next));
              acknowledged.incrementAndGet();
            } catch (RuntimeException e) {
              if (String.valueOf(e.getMessage()).contains("TIMEOUT")) {
                unknown.incrementAndGet();
              }
              throw e;
            }
          } catch (RuntimeException e) {
            failures.incrementAndGet(); // CLUSTERDOWN during the election: try again
          } finally {
            if (locked) {
              try {
                lock.unlock();
              } catch (RuntimeException e) {
                failures.incrementAndGet(); // the lease (watchdog) frees it if the unlock was lost
              }
            }
          }
        }
        return null;
      }));
    }
    TestCluster.eventually(Duration.ofSeconds(60), () -> acknowledged.get() >= 30, "30 sections before the stop");
    cluster.stop(leader);
    long atStop = acknowledged.get();
    TestCluster.eventually(Duration.ofSeconds(90), () -> acknowledged.get() >= atStop + 30,
        "30 more sections after the leader stopped");
    running.set(false);
    for (Future<?> w : workers) {
      w.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    long counter = Long.parseLong(clients.get(followers.get(0)).<String>getBucket("counter", StringCodec.INSTANCE).get());
    assertTrue(counter >= acknowledged.get(), "no acknowledged section lost: counter " + counter
        + ", acknowledged " + acknowledged.get() + " (a lost update means two holders at once)");
    assertTrue(counter <= acknowledged.get() + unknown.get(), "counter " + counter + ", acknowledged "
        + acknowledged.get() + ", unknown outcome " + unknown.get());
    cluster.start(leader);
    cluster.awaitLeader();
  }

  @Test
  void redissonSeesNoValueItDidNotWrite() throws Exception {
    RBucket<String> b = clients.get(0).getBucket("plain", StringCodec.INSTANCE);
    assertNull(b.get());
    b.set("v");
    assertEquals("v", clients.get(2).<String>getBucket("plain", StringCodec.INSTANCE).get());
    assertTrue(clients.get(1).getBucket("plain", StringCodec.INSTANCE).delete());
  }
}

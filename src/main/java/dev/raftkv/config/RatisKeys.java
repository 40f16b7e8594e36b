package dev.raftkv.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every configuration key Apache Ratis reads, collected from its {@code *ConfigKeys} interfaces
 * (each key is a {@code String} constant named {@code *_KEY}). Ratis ignores a key it does not
 * know, so a misspelt {@code -D raft.server.log-metadata.enabled=false} used to change nothing
 * without a word; {@link NodeConfig} refuses it, naming the closest known key.
 */
final class RatisKeys {
  private static final String[] CLASSES = {
    "org.apache.ratis.RaftConfigKeys",
    "org.apache.ratis.server.RaftServerConfigKeys",
    "org.apache.ratis.client.RaftClientConfigKeys",
    "org.apache.ratis.grpc.GrpcConfigKeys",
    "org.apache.ratis.netty.NettyConfigKeys",
    "org.apache.ratis.trace.TraceConfigKeys",
  };
  private static final Set<String> KNOWN = collect();

  private RatisKeys() {}

  private static Set<String> collect() {
    Set<String> keys = new TreeSet<>();
    for (String name : CLASSES) {
      try {
        collect(Class.forName(name), keys);
      } catch (ClassNotFoundException e) {
        // that Ratis module is not on the class path: its keys cannot matter
      }
    }
    return keys;
  }

  private static void collect(Class<?> c, Set<String> keys) {
    for (Field f : c.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && f.getName().endsWith("_KEY")) {
        try {
          f.setAccessible(true);
          Object v = f.get(null);
          if (v instanceof String s && s.startsWith("raft.")) {
            keys.add(s);
          }
        } catch (IllegalAccessException | RuntimeException e) {
          // not readable: skip it
        }
      }
    }
    for (Class<?> nested : c.getDeclaredClasses()) {
      collect(nested, keys);
    }
  }

  static boolean known(String key) {
    return KNOWN.contains(key);
  }

  static Set<String> all() {
    return KNOWN;
  }

  /** The known key nearest to {@code key} (edit distance), if any is reasonably near. */
  static Optional<String> closest(String key) {
    return KNOWN.stream().min(Comparator.comparingInt(k -> distance(k, key)))
        .filter(k -> distance(k, key) <= Math.max(3, key.length() / 4));
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}

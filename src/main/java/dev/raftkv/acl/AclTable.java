package dev.raftkv.acl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every ACL user of the cluster, sorted by name, as replicated through the Raft log: the state
 * machine stores it encoded under the store's reserved system name {@link #SYSTEM_KEY}, outside
 * the user keyspace (KEYS, SCAN, DBSIZE and FLUSHALL do not see it), so it is part of every
 * snapshot. There is always a {@code default} user. Immutable.
 */
public final class AclTable {
  /** The store's system name the table is kept under. */
  public static final String SYSTEM_KEY = "acl.users";
  private static final int VERSION = 1;

  /**
   * A user with the commands its rules allow, derived once per table.
   *
   * @param unrestricted every command on every key and channel ({@code +@all ~* &*}): nothing to check
   */
  public record Entry(AclUser user, Set<String> allowed, boolean unrestricted) {
    Entry(AclUser user, Set<String> allowed) {
      this(user, allowed, user.allKeys() && user.channelPatterns().contains("*")
          && user.commandRules().equals(java.util.List.of("+@all")));
    }
  }

  public static final AclTable INITIAL = new AclTable(Map.of("default", AclUser.defaultUser()));

  private final Map<String, Entry> users;

  private AclTable(Map<String, AclUser> users) {
    Map<String, Entry> m = new TreeMap<>();
    users.forEach((n, u) -> m.put(n, new Entry(u, u.allowed())));
    if (!m.containsKey("default")) {
      AclUser d = AclUser.defaultUser();
      m.put("default", new Entry(d, d.allowed()));
    }
    this.users = Collections.unmodifiableMap(m);
  }

  public Entry get(String name) {
    return users.get(name);
  }

  public Collection<Entry> entries() {
    return users.values();
  }

  /** A copy with the user added or replaced. */
  public AclTable with(AclUser user) {
    Map<String, AclUser> m = plain();
    m.put(user.name(), user);
    return new AclTable(m);
  }

  /** A copy without the named users. */
  public AclTable without(Collection<String> names) {
    Map<String, AclUser> m = plain();
    m.keySet().removeAll(names);
    return new AclTable(m);
  }

  private Map<String, AclUser> plain() {
    Map<String, AclUser> m = new TreeMap<>();
    users.forEach((n, e) -> m.put(n, e.user()));
    return m;
  }

  /** The stored form; the same table always gives the same bytes. */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(users.size());
      for (Entry e : users.values()) {
        AclUser u = e.user();
        out.writeUTF(u.name());
        out.writeByte((u.enabled() ? 1 : 0) | (u.nopass() ? 2 : 0) | (u.sanitizePayload() ? 4 : 0));
        writeList(out, u.passwords());
        writeList(out, u.commandRules());
        writeList(out, u.keyPatterns());
        writeList(out, u.channelPatterns());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The table stored as {@code bytes}; {@link #INITIAL} for null (nothing stored yet). */
  public static AclTable decode(byte[] bytes) {
    if (bytes == null) {
      return INITIAL;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalStateException("ACL table of unknown version " + version);
      }
      int n = in.readInt();
      Map<String, AclUser> m = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        int flags = in.readUnsignedByte();
        m.put(name, new AclUser(name, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0,
            readList(in), readList(in), readList(in), readList(in)));
      }
      return new AclTable(m);
    } catch (IOException e) {
      throw new IllegalStateException("corrupt ACL table", e);
    }
  }

  private static void writeList(DataOutputStream out, List<String> list) throws IOException {
    out.writeInt(list.size());
    for (String s : list) {
      out.writeUTF(s);
    }
  }

  private static List<String> readList(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<String> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(in.readUTF());
    }
    return list;
  }
}

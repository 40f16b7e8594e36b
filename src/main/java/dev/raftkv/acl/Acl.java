package dev.raftkv.acl;

import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Glob;
import dev.raftkv.protocol.CommandMeta;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One peer's view of the ACL: the replicated user table as this peer has applied it, with this
 * peer's {@code requirepass} as the default user's password. Connections ask it on every command
 * ({@link #check}); the state machine replaces the table when an ACL change is applied
 * ({@link #load}). Thread-safe: the table is an immutable value behind a volatile field.
 */
public final class Acl {
  public static final String NOAUTH = "NOAUTH Authentication required.";
  public static final String WRONGPASS =
      "WRONGPASS invalid username-password pair or user is disabled.";
  public static final String NO_PASSWORD_CONFIGURED = "ERR AUTH <password> called without any"
      + " password configured for the default user. Are you sure your configuration is correct?";
  public static final String NOPERM_KEYS =
      "NOPERM this user has no permissions to access one of the keys used as arguments";

  /** An ACL with only the open default user and no password: what a peer without ACLs has. */
  public static final Acl OPEN = new Acl("");

  private final String requirepassHash;
  private volatile AclTable stored = AclTable.INITIAL;
  private volatile AclTable effective;
  /** What the check needs to know about a command, from COMMAND INFO's metadata. */
  private record Meta(boolean noAuth, boolean movableKeys, int firstKey, int lastKey, int step) {}

  private final Map<String, Meta> meta = new ConcurrentHashMap<>();

  /** @param requirepass the default user's password on this peer; empty for none */
  public Acl(String requirepass) {
    this.requirepassHash = requirepass.isEmpty() ? null
        : AclUser.hash(requirepass.getBytes(StandardCharsets.UTF_8));
    this.effective = withRequirepass(stored);
  }

  /** Replaces the table with the one stored by the state machine (null: none stored yet). */
  public void load(byte[] encoded) {
    AclTable t = AclTable.decode(encoded);
    stored = t;
    effective = withRequirepass(t);
  }

  private AclTable withRequirepass(AclTable t) {
    if (requirepassHash == null) {
      return t;
    }
    AclUser d = t.get("default").user();
    return t.with(new AclUser("default", d.enabled(), false, d.sanitizePayload(),
        List.of(requirepassHash), d.commandRules(), d.keyPatterns(), d.channelPatterns()));
  }

  /** The replicated table, as applied here (without requirepass). */
  public AclTable stored() {
    return stored;
  }

  /** The table connections are checked against (the default user's password is requirepass). */
  public AclTable table() {
    return effective;
  }

  public boolean hasRequirepass() {
    return requirepassHash != null;
  }

  /**
   * True when a new connection is logged in as {@code default} without AUTH: the default user is
   * on and needs no password, like Redis.
   */
  public boolean defaultOpen() {
    AclUser d = effective.get("default").user();
    return d.enabled() && d.nopass();
  }

  /** AUTH user password: true when it opens an enabled user. */
  public boolean authenticate(String user, byte[] password) {
    AclTable.Entry e = effective.get(user);
    return e != null && e.user().accepts(password);
  }

  /**
   * Null when the connection (logged in as {@code user}, or not logged in when {@code
   * authenticated} is false) may run the command; otherwise the error to answer: Redis's NOAUTH
   * or NOPERM text.
   */
  public String check(String user, boolean authenticated, CommandSpec spec, byte[][] argv) {
    Meta info = meta.computeIfAbsent(spec.name(), n -> {
      CommandMeta.Info i = spec.meta();
      return new Meta(i.flags().contains("no_auth"), i.flags().contains("movablekeys"), i.firstKey(),
          i.lastKey(), i.step());
    });
    if (info.noAuth()) {
      return null; // AUTH HELLO QUIT RESET: for everyone, logged in or not, like Redis
    }
    if (!authenticated) {
      return NOAUTH;
    }
    AclTable.Entry e = effective.get(user);
    if (e == null) {
      return "NOPERM the user '" + user + "' was deleted: authenticate again";
    }
    if (e.unrestricted()) {
      return null; // the common case: everything allowed
    }
    String name = AclRules.aclName(spec, argv);
    if (!e.allowed().contains(name) && AclRules.universe().containsKey(name)) {
      return "NOPERM this user has no permissions to run the '" + name + "' command";
    }
    String channels = channelCheck(e.user(), spec.name(), argv);
    if (channels != CHANNELS_NOT_CHECKED) {
      return channels;
    }
    if (e.user().allKeys()) {
      return null;
    }
    // the row's own keys ("The routing seam"): fixed positions, or numkeys-style (LMPOP, EVAL, ...)
    for (byte[] key : spec.keys(argv)) {
      if (!keyAllowed(e.user(), key)) {
        return NOPERM_KEYS;
      }
    }
    return null;
  }

  private static final String CHANNELS_NOT_CHECKED = new String("not a channel command");
  static final String NOPERM_CHANNELS =
      "NOPERM this user has no permissions to access one of the channels used as arguments";

  /**
   * Redis 7.0's channel permissions ({@code &pattern}, {@code allchannels}): PUBLISH, SPUBLISH,
   * SUBSCRIBE and SSUBSCRIBE name channels that must match one of the user's patterns; PSUBSCRIBE's
   * patterns must be one of them literally. Their shard channels are not keys (Redis's not_key).
   * {@link #CHANNELS_NOT_CHECKED} for every other command.
   */
  private static String channelCheck(AclUser u, String command, byte[][] argv) {
    int from;
    int to;
    switch (command) {
      case "publish", "spublish" -> {
        from = 1;
        to = 2;
      }
      case "subscribe", "ssubscribe", "psubscribe" -> {
        from = 1;
        to = argv.length;
      }
      case "unsubscribe", "sunsubscribe", "punsubscribe", "pubsub" -> {
        return null;
      }
      default -> {
        return CHANNELS_NOT_CHECKED;
      }
    }
    if (u.channelPatterns().contains("*")) {
      return null;
    }
    for (int i = from; i < to; i++) {
      boolean ok = false;
      for (String p : u.channelPatterns()) {
        byte[] pattern = p.getBytes(StandardCharsets.UTF_8);
        if (command.equals("psubscribe") ? java.util.Arrays.equals(pattern, argv[i]) : Glob.matches(pattern, argv[i])) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        return NOPERM_CHANNELS;
      }
    }
    return null;
  }

  private static boolean keyAllowed(AclUser u, byte[] key) {
    for (String p : u.keyPatterns()) {
      if (Glob.matches(p.getBytes(StandardCharsets.UTF_8), key)) {
        return true;
      }
    }
    return false;
  }
}

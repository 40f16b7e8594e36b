package dev.raftkv.acl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * One ACL user as it is replicated: flags, SHA-256 password hashes (like Redis, never the
 * passwords), the command rules in the order they were given, key and channel patterns.
 * Immutable; {@link AclRules#apply} makes changed copies. The set of commands the user may run is
 * derived from the rules on each peer ({@link #allowed}).
 *
 * @param commandRules normalized rules, the first is always {@code +@all} or {@code -@all}
 * @param keyPatterns glob patterns without the {@code ~}; {@code *} for allkeys
 * @param channelPatterns glob patterns without the {@code &}, checked for the Pub/Sub commands
 */
public record AclUser(String name, boolean enabled, boolean nopass, boolean sanitizePayload,
    List<String> passwords, List<String> commandRules, List<String> keyPatterns,
    List<String> channelPatterns) {

  public AclUser {
    passwords = List.copyOf(passwords);
    commandRules = List.copyOf(commandRules);
    keyPatterns = List.copyOf(keyPatterns);
    channelPatterns = List.copyOf(channelPatterns);
  }

  /** A user created by ACL SETUSER without rules: off, no password, no commands, no keys. */
  public static AclUser fresh(String name) {
    return new AclUser(name, false, false, false, List.of(), List.of("-@all"), List.of(), List.of());
  }

  /** Redis's built-in default user: on, nopass, every key, channel and command. */
  public static AclUser defaultUser() {
    return new AclUser("default", true, true, false, List.of(), List.of("+@all"), List.of("*"),
        List.of("*"));
  }

  /** SHA-256 of a password as 64 lower-case hex digits, the form Redis stores and shows. */
  public static String hash(byte[] password) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(password));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** True when this password opens this user (enabled, and nopass or a matching hash). */
  public boolean accepts(byte[] password) {
    if (!enabled) {
      return false;
    }
    if (nopass) {
      return true;
    }
    String h = hash(password);
    boolean match = false;
    for (String p : passwords) {
      // compare every hash in full, so timing does not tell which prefix matched
      match |= MessageDigest.isEqual(p.getBytes(StandardCharsets.US_ASCII),
          h.getBytes(StandardCharsets.US_ASCII));
    }
    return match;
  }

  /** The commands this user may run (full names, {@code config|get} for subcommands). */
  public Set<String> allowed() {
    return AclRules.allowedCommands(commandRules);
  }

  public boolean allKeys() {
    return keyPatterns.contains("*");
  }

  /** The flags ACL GETUSER shows. */
  public List<String> flags() {
    List<String> f = new ArrayList<>();
    f.add(enabled ? "on" : "off");
    if (nopass) {
      f.add("nopass");
    }
    if (sanitizePayload) {
      f.add("sanitize-payload");
    }
    return Collections.unmodifiableList(f);
  }

  /** Keys as ACL GETUSER shows them: {@code ~a* ~b}. */
  public String keysDescription() {
    return String.join(" ", keyPatterns.stream().map(p -> "~" + p).toList());
  }

  public String channelsDescription() {
    return String.join(" ", channelPatterns.stream().map(p -> "&" + p).toList());
  }

  public String commandsDescription() {
    return String.join(" ", commandRules);
  }

  /** The ACL LIST line: {@code user NAME on #hash ~* &* +@all}. */
  public String describe() {
    StringBuilder sb = new StringBuilder("user ").append(name);
    for (String f : flags()) {
      sb.append(' ').append(f);
    }
    for (String p : passwords) {
      sb.append(" #").append(p);
    }
    if (!keyPatterns.isEmpty()) {
      sb.append(' ').append(keysDescription());
    }
    sb.append(' ').append(channelPatterns.isEmpty() ? "resetchannels" : channelsDescription());
    sb.append(' ').append(commandsDescription());
    return sb.toString();
  }
}

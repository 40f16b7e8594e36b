package dev.raftkv.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The peers file: one peer a line, {@code ID RAFT_HOST:PORT REDIS_HOST:PORT}. {@code #} starts a
 * comment, blank lines are ignored. Every problem is reported with the file name and line number.
 */
public final class PeersFile {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private final Path path;
  private final List<Peer> peers;

  private PeersFile(Path path, List<Peer> peers) {
    this.path = path;
    this.peers = List.copyOf(peers);
  }

  public static PeersFile load(Path path) throws ConfigException {
    List<String> lines;
    try {
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(path + ": cannot read peers file: " + e.getMessage());
    }
    return parse(path, lines);
  }

  public static PeersFile parse(Path path, List<String> lines) throws ConfigException {
    List<Peer> peers = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String where = path + ":" + (i + 1) + ": ";
      String line = lines.get(i);
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split("\\s+");
      if (fields.length != 3) {
        throw new ConfigException(where + "expected 'ID RAFT_HOST:PORT REDIS_HOST:PORT' but found "
            + fields.length + " field(s): '" + line + "'");
      }
      if (!ID.matcher(fields[0]).matches()) {
        throw new ConfigException(where + "invalid peer id '" + fields[0]
            + "' (letters, digits, '_', '.', '-'; at most 64)");
      }
      HostPort raft;
      HostPort redis;
      try {
        raft = HostPort.parse(fields[1]);
        redis = HostPort.parse(fields[2]);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + e.getMessage());
      }
      if (!ids.add(fields[0])) {
        throw new ConfigException(where + "duplicate peer id '" + fields[0] + "'");
      }
      for (HostPort hp : List.of(raft, redis)) {
        if (!addresses.add(hp.toString())) {
          throw new ConfigException(where + "address " + hp + " is used twice");
        }
      }
      peers.add(new Peer(fields[0], raft, redis));
    }
    if (peers.isEmpty()) {
      throw new ConfigException(path + ": no peers defined");
    }
    return new PeersFile(path, peers);
  }

  public Path path() {
    return path;
  }

  public List<Peer> peers() {
    return peers;
  }

  public Optional<Peer> find(String id) {
    return peers.stream().filter(p -> p.id().equals(id)).findFirst();
  }
}

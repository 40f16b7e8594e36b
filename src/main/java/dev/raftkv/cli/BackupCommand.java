package dev.raftkv.cli;

import dev.raftkv.config.Peer;
import dev.raftkv.config.PeersFile;
import dev.raftkv.node.RaftKvNode;
import dev.raftkv.raft.BackupManifest;
import dev.raftkv.raft.BackupRequest;
import dev.raftkv.raft.Restore;
import dev.raftkv.util.Dirs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Backups: {@code raftkv admin backup} takes an online backup tied to one Raft index (it talks to
 * the cluster); {@code raftkv verify-backup} checks its checksums and {@code raftkv restore} seeds a
 * new cluster's peer from it (both offline, on files only). See docs/operations.md.
 */
final class BackupCommand {
  private static final int CHUNK = 1 << 20;

  private BackupCommand() {}

  @Command(name = "backup", mixinStandardHelpOptions = true,
      description = {"Take a consistent online backup into a new directory: a copy of one peer's store"
          + " (a follower unless --id says otherwise) at one Raft index, with a manifest of the files'"
          + " sizes and SHA-256 sums. It holds every write acknowledged before the command started."})
  static final class Backup implements Callable<Integer> {
    @ParentCommand
    AdminCommand admin;

    @Option(names = "--to", required = true, description = "The backup directory (must not exist, or be empty).")
    Path to;

    @Option(names = "--id", description = "The peer to copy (default: a follower, else the leader).")
    String id;

    @Override
    public Integer call() throws Exception {
      PeersFile pf = admin.peersFile();
      if (Files.exists(to)) {
        try (Stream<Path> s = Files.list(to)) {
          if (s.findAny().isPresent()) {
            throw new IOException(to + " is not empty: give backup a new directory");
          }
        }
      }
      long t0 = System.nanoTime();
      try (RaftClient c = admin.client(admin.probe())) {
        String source = id != null ? checkedId(pf, id) : pickFollower(c, pf);
        RaftPeerId peer = RaftPeerId.valueOf(source);
        // the peer first applies everything its leader confirms as committed after this request
        // (its own fence, not Ratis' ReadIndex, which an isolated leader answers from old state)
        String created = send(c, peer, "create").toString(StandardCharsets.UTF_8);
        int nl = created.indexOf('\n');
        String remote = created.substring(0, Math.max(0, nl));
        BackupManifest m = BackupManifest.parse(created.substring(nl + 1));
        Files.createDirectories(to);
        try {
          for (BackupManifest.FileEntry f : m.files()) {
            download(c, peer, remote, f, to.resolve(f.name()));
          }
          m.write(to); // last: a directory without the manifest is an incomplete backup
        } finally {
          try {
            send(c, peer, "release " + remote);
          } catch (IOException e) {
            System.err.println("raftkv: could not release the copy on " + source + " (" + e.getMessage()
                + "); the peer deletes it within an hour");
          }
        }
        System.out.printf("backup of %s at index %d (term %d, %s store): %d files, %d bytes in %s (%d ms)%n",
            source, m.index(), m.term(), m.store(), m.files().size(), m.totalBytes(), to,
            (System.nanoTime() - t0) / 1_000_000);
      }
      return 0;
    }

    private String pickFollower(RaftClient c, PeersFile pf) throws IOException {
      String leader = null;
      for (Peer p : pf.peers()) {
        GroupInfoReply r;
        try {
          r = c.getGroupManagementApi(RaftPeerId.valueOf(p.id())).info(RaftKvNode.GROUP_ID);
        } catch (IOException e) {
          continue;
        }
        if (!r.isSuccess()) {
          continue;
        }
        RaftPeerRole role = r.getRoleInfoProto().getRole();
        if (role == RaftPeerRole.FOLLOWER) {
          return p.id();
        }
        if (role == RaftPeerRole.LEADER) {
          leader = p.id();
        }
      }
      if (leader != null) {
        return leader;
      }
      throw new IOException("no peer of " + pf.path() + " is reachable as a follower or leader");
    }
  }

  @Command(name = "verify-backup", mixinStandardHelpOptions = true,
      description = "Check a backup's files against the sizes and SHA-256 sums of its manifest; exit 1 if any differs.")
  static final class VerifyBackup implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "The backup directory.")
    Path from;

    @Override
    public Integer call() throws Exception {
      BackupManifest m = BackupManifest.read(from);
      List<String> problems = m.verify(from);
      for (String p : problems) {
        System.out.println("BAD " + p);
      }
      if (!problems.isEmpty()) {
        System.out.println(from + ": damaged (" + problems.size() + " of " + m.files().size() + " files)");
        return 1;
      }
      System.out.printf("%s: OK, %d files, %d bytes, index %d (term %d), %s store, taken on %s at %s%n", from,
          m.files().size(), m.totalBytes(), m.index(), m.term(), m.store(), m.source(), m.created());
      return 0;
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = {"Seed a NEW peer's data directory from a backup (checked first). Do it for every peer"
          + " of the new cluster, then start them: each starts from the backup's state, with an empty"
          + " Raft log that continues after the backup's index."})
  static final class RestoreBackup implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "The backup directory.")
    Path from;

    @Option(names = "--data-dir", required = true, description = "The new peer's data directory (absent or empty).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      BackupManifest m = Restore.prepare(from, dataDir);
      System.out.printf("%s is ready: start the peer with --data-dir %s --store %s; it starts at index %d%n",
          dataDir, dataDir, m.store(), m.index());
      return 0;
    }
  }

  private static String checkedId(PeersFile pf, String id) throws IOException {
    if (pf.find(id).isEmpty()) {
      throw new IOException("peer " + id + " is not in " + pf.path());
    }
    return id;
  }

  private static ByteString send(RaftClient c, RaftPeerId peer, String request) throws IOException {
    Message m = Message.valueOf(ByteString.copyFrom(BackupRequest.encode(request)));
    RaftClientReply r = c.io().sendStaleRead(m, 0, peer);
    if (!r.isSuccess()) {
      Throwable e = r.getException();
      throw new IOException("backup request '" + request.split(" ")[0] + "' on " + peer + " failed: "
          + (e == null ? "unknown error" : e.getMessage()));
    }
    return r.getMessage().getContent();
  }

  private static void download(RaftClient c, RaftPeerId peer, String remote, BackupManifest.FileEntry f,
      Path target) throws IOException {
    MessageDigest md = BackupManifest.newSha256();
    long offset = 0;
    try (OutputStream out = Files.newOutputStream(target)) {
      while (offset < f.size()) {
        ByteString chunk = send(c, peer, "read " + remote + " " + f.name() + " " + offset + " " + CHUNK);
        if (chunk.isEmpty()) {
          throw new IOException(f.name() + ": the peer sent nothing at offset " + offset + " of " + f.size());
        }
        byte[] b = chunk.toByteArray();
        out.write(b);
        md.update(b);
        offset += b.length;
      }
    }
    Dirs.fsync(target);
    String sum = HexFormat.of().formatHex(md.digest());
    if (offset != f.size() || !sum.equals(f.sha256())) {
      throw new IOException(f.name() + ": received " + offset + " bytes with SHA-256 " + sum + ", the peer's"
          + " manifest says " + f.size() + " bytes and " + f.sha256());
    }
  }
}

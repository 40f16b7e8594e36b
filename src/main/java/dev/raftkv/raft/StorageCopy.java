package dev.raftkv.raft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Serves a copy of this peer's Raft group directory (log segments, configuration, snapshots) to
 * an empty peer that seeds itself from it (node.Formation), over Ratis stale reads (first byte
 * {@link #COPY}), with no leader needed: that is the case it exists for, when too few peers with
 * a log are left to elect one.
 *
 * <p>{@code list} answers the last log entry and every file with its size; {@code read PATH
 * OFFSET LENGTH} a piece of one. The copier checks at the end that the last entry has not moved
 * (nothing was appended while it copied), else it throws the copy away. The term and vote file
 * ({@code raft-meta}) and the lock are never copied: the copier writes its own.
 */
public final class StorageCopy {
  static final byte COPY = (byte) 0xB4;
  public static final int CHUNK = 1 << 20;

  private StorageCopy() {}

  public record FileEntry(String path, long size) {}

  public record Listing(TermIndex last, List<FileEntry> files) {}

  public static Message listRequest() {
    return message("list");
  }

  public static Message readRequest(String path, long offset, int length) {
    return message("read " + path + " " + offset + " " + length);
  }

  private static Message message(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] m = new byte[b.length + 1];
    m[0] = COPY;
    System.arraycopy(b, 0, m, 1, b.length);
    return Message.valueOf(ByteString.copyFrom(m));
  }

  /** Whether a file of the group directory belongs in a copy. */
  static boolean copied(Path rel) {
    String name = rel.getFileName().toString();
    return !name.equals("in_use.lock") && !name.equals("raft-meta") && !name.endsWith(".tmp");
  }

  static byte[] answer(byte[] request, Path groupDir, RaftServer.Division division) throws IOException {
    String[] w = new String(request, StandardCharsets.UTF_8).split(" ");
    if (w[0].equals("list")) {
      TermIndex last = division.getRaftLog().getLastEntryTermIndex();
      StringBuilder sb = new StringBuilder();
      sb.append(last == null ? 0 : last.getTerm()).append(' ').append(last == null ? -1 : last.getIndex())
          .append('\n');
      try (Stream<Path> walk = Files.walk(groupDir)) {
        for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
          Path rel = groupDir.relativize(p);
          if (copied(rel)) {
            sb.append(Files.size(p)).append(' ').append(rel.toString().replace('\\', '/')).append('\n');
          }
        }
      }
      return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
    if (w[0].equals("read") && w.length == 4) {
      Path p = groupDir.resolve(w[1]).normalize();
      if (!p.startsWith(groupDir) || !copied(groupDir.relativize(p))) {
        throw new IOException("not a file of the Raft storage: " + w[1]);
      }
      long offset = Long.parseLong(w[2]);
      int length = Math.min(CHUNK, Integer.parseInt(w[3]));
      ByteBuffer buf = ByteBuffer.allocate(length);
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
        while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
          // read until full or end of file
        }
      }
      buf.flip();
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    }
    throw new IOException("unknown storage copy request");
  }

  public static Listing parseListing(byte[] bytes) {
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
    String[] head = lines[0].split(" ");
    TermIndex last = TermIndex.valueOf(Long.parseLong(head[0]), Long.parseLong(head[1]));
    List<FileEntry> files = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        continue;
      }
      int sp = lines[i].indexOf(' ');
      files.add(new FileEntry(lines[i].substring(sp + 1), Long.parseLong(lines[i].substring(0, sp))));
    }
    return new Listing(last, files);
  }
}

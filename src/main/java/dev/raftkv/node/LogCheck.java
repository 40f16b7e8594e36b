package dev.raftkv.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.segmented.LogSegment;
import org.apache.ratis.server.raftlog.segmented.LogSegmentPath;
import org.apache.ratis.util.SizeInBytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this peer's Raft log segments before Ratis opens them, after a crash or a power loss.
 *
 * <p>raft-kv runs Ratis with {@code raft.server.log.corruption.policy=WARN_AND_RETURN}, which
 * makes Ratis keep the entries before the first unreadable one of a segment and drop the rest.
 * That is right for the <em>open</em> segment: its tail past the last fsync may be torn or
 * zero-filled by a power loss, and those entries were never acknowledged by this peer (Ratis
 * replies to an append only after its fsync). It is wrong anywhere else: a closed segment was
 * fsync'd whole before it was closed, so an unreadable entry there is corruption of entries this
 * peer acknowledged, and dropping them would make it forget them. So this check reads every
 * closed segment with Ratis' own reader and refuses to start, naming the file, when one is
 * unreadable or short; for the open segment it logs one WARN line with the file and the last
 * good index.
 */
final class LogCheck {
  private static final Logger LOG = LoggerFactory.getLogger(LogCheck.class);

  /** Ratis' segment file names: {@code log_inprogress_START} (open), {@code log_START-END} (closed). */
  private static final java.util.regex.Pattern SEGMENT =
      java.util.regex.Pattern.compile("log_(?:inprogress_(\\d+)|(\\d+)-(\\d+))");

  private LogCheck() {}

  static void check(String id, Path currentDir, RaftProperties props) throws IOException {
    if (!Files.isDirectory(currentDir)) {
      return;
    }
    SizeInBytes maxOpSize = RaftServerConfigKeys.Log.Appender.bufferByteLimit(props);
    List<Path> files;
    try (Stream<Path> s = Files.list(currentDir)) {
      files = s.sorted().toList();
    }
    for (Path f : files) {
      LogSegmentPath seg = LogSegmentPath.matchLogSegment(f);
      if (seg == null) {
        continue;
      }
      var startEnd = seg.getStartEnd();
      java.util.regex.Matcher m = SEGMENT.matcher(f.getFileName().toString());
      if (!m.matches()) {
        continue;
      }
      boolean open = m.group(1) != null;
      long startIndex = Long.parseLong(open ? m.group(1) : m.group(2));
      long[] last = {startIndex - 1};
      if (open) {
        try {
          LogSegment.readSegmentFile(f.toFile(), startEnd, maxOpSize,
              RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION, null, e -> last[0] = e.getIndex());
        } catch (IOException | RuntimeException e) {
          LOG.warn("{}: the open Raft log segment {} is torn after index {} ({}): the entries after it were"
              + " written but never fsync'd, so this peer never acknowledged them; dropping them", id, f,
              last[0], e.getMessage());
        }
        continue;
      }
      int n;
      try {
        n = LogSegment.readSegmentFile(f.toFile(), startEnd, maxOpSize,
            RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION, null, e -> last[0] = e.getIndex());
      } catch (IOException | RuntimeException e) {
        throw new IOException("the closed Raft log segment " + f + " is corrupted after index " + last[0]
            + " (" + e.getMessage() + "): it holds entries this peer acknowledged, so it will not start with"
            + " it; move this peer's data dir away and start it again empty, and it rejoins from the others", e);
      }
      long expected = Long.parseLong(m.group(3)) - startIndex + 1;
      if (n != expected) {
        throw new IOException("the closed Raft log segment " + f + " has " + n + " entries, not " + expected
            + ": it holds entries this peer acknowledged, so it will not start with it; move this peer's data"
            + " dir away and start it again empty, and it rejoins from the others");
      }
    }
  }
}

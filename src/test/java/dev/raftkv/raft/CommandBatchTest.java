package dev.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandBatchTest {
  private static byte[][] argv(String... a) {
    byte[][] r = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i].getBytes(StandardCharsets.UTF_8);
    }
    return r;
  }

  /** The log format is forever: these bytes must decode the same in every later version. */
  @Test
  void goldenBytes() throws IOException {
    byte[] encoded = CommandBatch.encode(0x0102030405060708L, 64 * 1024 * 1024,
        List.of(argv("SET", "k", "v"), argv("INCR", "c")));
    String golden = "02" + "0102030405060708" + "80808020" + "02"
        + "03" + "03534554" + "016b" + "0176"
        + "02" + "04494e4352" + "0163";
    assertEquals(golden, HexFormat.of().formatHex(encoded));
    CommandBatch b = CommandBatch.decode(ByteBuffer.wrap(HexFormat.of().parseHex(golden)));
    assertEquals(0x0102030405060708L, b.timestamp);
    assertEquals(64 * 1024 * 1024, b.maxValueBytes);
    assertEquals(2, b.commands.length);
    assertArrayEquals(argv("SET", "k", "v"), b.commands[0]);
    assertArrayEquals(argv("INCR", "c"), b.commands[1]);
  }

  /** Entries written before the value limit existed (version 1) apply with Redis's 512 MB. */
  @Test
  void goldenBytesOfVersionOne() throws IOException {
    String golden = "01" + "0102030405060708" + "02"
        + "03" + "03534554" + "016b" + "0176"
        + "02" + "04494e4352" + "0163";
    CommandBatch b = CommandBatch.decode(ByteBuffer.wrap(HexFormat.of().parseHex(golden)));
    assertEquals(0x0102030405060708L, b.timestamp);
    assertEquals(512 * 1024 * 1024, b.maxValueBytes);
    assertArrayEquals(argv("SET", "k", "v"), b.commands[0]);
    assertArrayEquals(argv("INCR", "c"), b.commands[1]);
  }

  @Test
  void largeArgumentsUseMultiByteLengths() throws IOException {
    byte[] big = new byte[300];
    byte[][] one = {big};
    byte[] encoded = CommandBatch.encode(1, 100, List.<byte[][]>of(one));
    // 300 = 0b10_0101100 -> varint ac 02 (after version, time, the limit 100 = 64 and the count)
    assertEquals("01ac02", HexFormat.of().formatHex(encoded, 1 + 8 + 1 + 1, 1 + 8 + 1 + 1 + 3));
    assertEquals(300, CommandBatch.decode(ByteBuffer.wrap(encoded)).commands[0][0].length);
  }

  @Test
  void repliesRoundTrip() throws IOException {
    byte[][] r = CommandBatch.decodeReplies(ByteBuffer.wrap(CommandBatch.encodeReplies(
        List.<byte[]>of("+OK\r\n".getBytes(StandardCharsets.US_ASCII), new byte[0]))));
    assertEquals("+OK\r\n", new String(r[0], StandardCharsets.US_ASCII));
    assertEquals(0, r[1].length);
  }

  @Test
  void truncatedOrForeignBytesAreRejected() {
    byte[] encoded = CommandBatch.encode(1, 100, List.<byte[][]>of(argv("SET", "k", "v")));
    byte[] cut = java.util.Arrays.copyOf(encoded, encoded.length - 1);
    assertThrows(IOException.class, () -> CommandBatch.decode(ByteBuffer.wrap(cut)));
    byte[] foreign = encoded.clone();
    foreign[0] = 9;
    assertThrows(IOException.class, () -> CommandBatch.decode(ByteBuffer.wrap(foreign)));
    byte[] trailing = java.util.Arrays.copyOf(encoded, encoded.length + 1);
    assertThrows(IOException.class, () -> CommandBatch.decode(ByteBuffer.wrap(trailing)));
  }
}

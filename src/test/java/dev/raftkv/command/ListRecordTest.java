package dev.raftkv.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** ListRecord's byte splicing gives exactly the record Packed would: the storage format is one. */
class ListRecordTest {
  private static final long DEADLINE = 1_700_000_000_000L;

  private static byte[] packed(List<byte[]> list) {
    return Record.encode(Record.LIST, DEADLINE, Packed.pack(list));
  }

  private static List<byte[]> randomElements(Random rnd, int n) {
    List<byte[]> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // lengths across varint size boundaries (1, 2 and 3 bytes)
      int len = switch (rnd.nextInt(4)) {
        case 0 -> 0;
        case 1 -> rnd.nextInt(127);
        case 2 -> 120 + rnd.nextInt(20);
        default -> 16_380 + rnd.nextInt(10);
      };
      byte[] e = new byte[len];
      rnd.nextBytes(e);
      l.add(e);
    }
    return l;
  }

  @Test
  void pushesAndPopsProduceThePackedBytes() {
    Random rnd = new Random(42);
    for (int round = 0; round < 200; round++) {
      List<byte[]> list = randomElements(rnd, rnd.nextInt(200));
      byte[] r = list.isEmpty() ? null : packed(list);
      List<byte[]> added = randomElements(rnd, 1 + rnd.nextInt(5));
      byte[][] args = new byte[2 + added.size()][];
      args[0] = Args.bytes("LPUSH");
      args[1] = Args.bytes("k");
      for (int i = 0; i < added.size(); i++) {
        args[2 + i] = added.get(i);
      }
      boolean left = rnd.nextBoolean();
      List<byte[]> expected = new ArrayList<>(list);
      if (left) {
        List<byte[]> reversed = new ArrayList<>(added);
        Collections.reverse(reversed);
        expected.addAll(0, reversed);
      } else {
        expected.addAll(added);
      }
      byte[] pushed = ListRecord.push(r, DEADLINE, args, 2, left);
      assertArrayEquals(packed(expected), pushed);
      assertEquals(expected.size(), ListRecord.count(pushed));

      int n = 1 + rnd.nextInt(expected.size() + 2);
      boolean popLeft = rnd.nextBoolean();
      byte[][] rest = new byte[1][];
      List<byte[]> popped = ListRecord.pop(pushed, popLeft, n, rest);
      int k = Math.min(n, expected.size());
      List<byte[]> expectPopped = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        expectPopped.add(popLeft ? expected.get(i) : expected.get(expected.size() - 1 - i));
      }
      assertEquals(k, popped.size());
      for (int i = 0; i < k; i++) {
        assertArrayEquals(expectPopped.get(i), popped.get(i));
      }
      List<byte[]> remaining = popLeft ? expected.subList(k, expected.size())
          : expected.subList(0, expected.size() - k);
      if (remaining.isEmpty()) {
        assertNull(rest[0]);
      } else {
        assertArrayEquals(packed(remaining), rest[0]);
        int from = rnd.nextInt(remaining.size());
        int to = from + rnd.nextInt(remaining.size() - from);
        List<byte[]> range = ListRecord.range(rest[0], from, to);
        for (int i = from; i <= to; i++) {
          assertArrayEquals(remaining.get(i), range.get(i - from));
        }
      }
    }
  }
}

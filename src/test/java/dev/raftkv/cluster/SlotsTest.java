package dev.raftkv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Key slots as Redis computes them (values checked against redis-server 7.0's CLUSTER KEYSLOT). */
class SlotsTest {
  private static int slot(String key) {
    return Slots.slot(key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void crc16IsXmodemAsInRedisCrc16c() {
    // the check value of CRC-16/XMODEM, as in the test of Redis's crc16.c
    byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertEquals(0x31c3, Slots.crc16(b, 0, b.length));
  }

  @Test
  void knownSlotsOfRedis() {
    assertEquals(12182, slot("foo"));
    assertEquals(5061, slot("bar"));
    assertEquals(0, slot(""));
    assertEquals(15495, slot("a"));
    assertEquals(slot("user1000"), slot("{user1000}.following"));
    assertEquals(slot("{user1000}.following"), slot("{user1000}.followers"));
  }

  @Test
  void hashTags() {
    assertEquals(slot("bar"), slot("foo{bar}"));
    assertEquals(slot("bar"), slot("{bar}{zap}"));
    // an empty tag hashes the whole key; only the first { counts
    assertEquals(Slots.crc16("foo{}{bar}".getBytes(), 0, 10) & 16383, slot("foo{}{bar}"));
    assertEquals(slot("{bar"), slot("foo{{bar}}zap"));
    assertEquals(Slots.crc16("foo{bar".getBytes(), 0, 7) & 16383, slot("foo{bar"));
  }

  @Test
  void slotTables() {
    SlotTable one = SlotTable.single();
    assertEquals(List.of(new SlotTable.Range(0, 16383, 0)), one.ranges());
    assertEquals(1, one.groups());
    SlotTable three = SlotTable.evenly(3);
    assertEquals(List.of(new SlotTable.Range(0, 5460, 0), new SlotTable.Range(5461, 10921, 1),
        new SlotTable.Range(10922, 16383, 2)), three.ranges());
    assertEquals(2, three.group(16383));
    assertEquals(List.of(new SlotTable.Range(5461, 10921, 1)), three.ranges(1));
  }
}

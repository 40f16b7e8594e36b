package dev.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.raftkv.cli.ClusterView.Member;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of the INFO raft fields the admin verbs build configurations from. */
class ClusterViewTest {

  @Test
  void membersAreParsedFromIdAtAddressLists() {
    assertEquals(List.of(new Member("n1", "127.0.0.1:9091"), new Member("n-2.b", "[::1]:9092"),
        new Member("n3", "host.example:9093")),
        ClusterView.members("n1@127.0.0.1:9091,n-2.b@[::1]:9092,n3@host.example:9093"));
    assertEquals(List.of(), ClusterView.members(""));
    assertEquals(List.of(), ClusterView.members(null));
  }

  @Test
  void idListsIgnoreBlanks() {
    assertEquals(List.of("n2", "n5"), ClusterView.ids("n2,,n5"));
    assertEquals(List.of(), ClusterView.ids(""));
  }

  @Test
  void describeSortsIdsAndShowsDashForNone() {
    assertEquals("voters n1,n2,n3; listeners -", ClusterView.describe(
        List.of(new Member("n3", "a:1"), new Member("n1", "a:2"), new Member("n2", "a:3")), List.of()));
  }

  @Test
  void uptimeIsCompact() {
    assertEquals("45s", AdminStatus.uptime(45));
    assertEquals("12m30s", AdminStatus.uptime(750));
    assertEquals("3h04m", AdminStatus.uptime(3 * 3600 + 4 * 60 + 5));
    assertEquals("2d05h", AdminStatus.uptime(2 * 86400 + 5 * 3600));
    assertEquals("?", AdminStatus.uptime(-1));
  }
}

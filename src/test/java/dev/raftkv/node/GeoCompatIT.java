package dev.raftkv.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The geo commands give redis-server 7.0's replies byte for byte: scores, positions, hashes,
 * distances in every unit, every search form and option (sorted and unsorted, COUNT, ANY, the
 * STORE forms), the errors in Redis's order, and random points and searches.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GeoCompatIT {
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  private static final String SICILY = """
      GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
      GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2
      """;

  @Test
  void addPositionsHashesAndDistances() throws Exception {
    diff.script("""
        GEOADD points 13.361389 38.115556 Palermo
        GEOADD points 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        ZSCORE points Palermo
        ZRANGE points 0 -1 WITHSCORES
        GEOADD points NX 10 10 Palermo 11 11 NewOne
        GEOADD points XX 12 12 Palermo 13 13 Missing
        GEOADD points XX CH 14 14 Palermo
        GEOADD points CH NX 14 14 Palermo 15 15 Other
        GEOADD points NX XX 1 1 a
        GEOADD points 1 1
        GEOADD points 1 1 a 2
        GEOADD points 200 10 bad
        GEOADD points 10 86 bad
        GEOADD points -180 -85.05112878 corner 180 85.05112878 other
        GEOADD points abc 10 bad
        GEOADD points 10 1e400 bad
        GEOPOS points Palermo Catania nosuch corner other
        GEOPOS nokey a b
        GEOPOS points
        GEOHASH points Palermo Catania nosuch corner
        GEOHASH nokey a
        GEODIST points Palermo Catania
        GEODIST points Palermo Catania km
        GEODIST points Palermo Catania KM
        GEODIST points Palermo Catania mi
        GEODIST points Palermo Catania ft
        GEODIST points Palermo Catania m
        GEODIST points Palermo Palermo
        GEODIST points Palermo nosuch
        GEODIST nokey a b
        GEODIST points Palermo Catania parsecs
        GEODIST points Palermo Catania km extra
        SET str x
        GEOADD str 1 1 a
        GEOPOS str a
        GEODIST str a b
        GEOHASH str a
        """);
  }

  @Test
  void radiusAndSearchForms() throws Exception {
    diff.script(SICILY + """
        GEORADIUS Sicily 15 37 200 km
        GEORADIUS Sicily 15 37 200 km ASC
        GEORADIUS Sicily 15 37 200 km DESC
        GEORADIUS Sicily 15 37 200 km WITHDIST
        GEORADIUS Sicily 15 37 200 km WITHCOORD WITHDIST WITHHASH
        GEORADIUS Sicily 15 37 200 km WITHDIST COUNT 1
        GEORADIUS Sicily 15 37 200 km WITHDIST COUNT 1 ANY
        GEORADIUS Sicily 15 37 200 km COUNT 3 DESC
        GEORADIUS Sicily 15 37 1000 km ASC
        GEORADIUS Sicily 15 37 0 km
        GEORADIUS Sicily 15 37 200 mi WITHDIST
        GEORADIUS Sicily 15 37 200000 m WITHDIST ASC
        GEORADIUS Sicily 15 37 600000 ft WITHDIST ASC
        GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST ASC
        GEORADIUSBYMEMBER Sicily nosuch 200 km
        GEORADIUSBYMEMBER nokey Palermo 200 km
        GEORADIUS nokey 15 37 200 km
        GEORADIUS_RO Sicily 15 37 200 km WITHDIST ASC
        GEORADIUSBYMEMBER_RO Sicily Catania 100 km ASC
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 200 200 km ASC WITHDIST
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 300 km DESC COUNT 2 WITHHASH
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 4000 4000 km COUNT 2 ANY
        GEOSEARCH nokey FROMLONLAT 15 37 BYRADIUS 200 km
        GEOSEARCH nokey FROMMEMBER x BYRADIUS 200 km
        GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC
        ZRANGE dst 0 -1 WITHSCORES
        GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC STOREDIST
        ZRANGE dst 0 -1 WITHSCORES
        GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 1 m
        EXISTS dst
        GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYRADIUS 200 km
        GEORADIUS Sicily 15 37 200 km STORE st
        ZRANGE st 0 -1 WITHSCORES
        GEORADIUS Sicily 15 37 200 km STOREDIST st COUNT 2 DESC
        ZRANGE st 0 -1 WITHSCORES
        GEORADIUSBYMEMBER Sicily Palermo 200 km STORE st2
        ZRANGE st2 0 -1
        """);
  }

  @Test
  void errorsInRedissOrder() throws Exception {
    diff.script(SICILY + """
        GEORADIUS Sicily 15 37 200 parsecs
        GEORADIUS Sicily 15 37 -1 km
        GEORADIUS Sicily 15 37 abc km
        GEORADIUS Sicily 200 37 200 km
        GEORADIUS Sicily 15 37 200 km COUNT 0
        GEORADIUS Sicily 15 37 200 km COUNT -3
        GEORADIUS Sicily 15 37 200 km COUNT abc
        GEORADIUS Sicily 15 37 200 km COUNT
        GEORADIUS Sicily 15 37 200 km ANY
        GEORADIUS Sicily 15 37 200 km STORE x WITHDIST
        GEORADIUS Sicily 15 37 200 km BOGUS
        GEORADIUS_RO Sicily 15 37 200 km STORE x
        GEOSEARCH Sicily BYRADIUS 200 km
        GEOSEARCH Sicily FROMLONLAT 15 37
        GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km
        GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 -1 km
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX abc 1 km
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 abc km
        GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS 1 km
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE x
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST
        GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 1 km WITHDIST
        SET str x
        GEORADIUS str 15 37 200 km
        GEOSEARCH str FROMLONLAT 15 37 BYRADIUS 200 km
        GEOSEARCHSTORE dst str FROMLONLAT 15 37 BYRADIUS 200 km
        """);
  }

  /** Random points over the globe and random searches of every shape and size, both servers. */
  @Test
  void randomPointsAndSearches() throws Exception {
    Random random = new Random(20261203);
    List<String> add = new ArrayList<>(List.of("GEOADD", "world"));
    for (int i = 0; i < 600; i++) {
      double lon = -180 + 360 * random.nextDouble();
      double lat = -85 + 170 * random.nextDouble();
      // a cluster around a few centres too, so small searches find something
      if (i % 3 == 0) {
        lon = 13 + random.nextDouble();
        lat = 38 + random.nextDouble();
      }
      add.addAll(List.of(String.format(Locale.ROOT, "%.6f", lon), String.format(Locale.ROOT, "%.6f", lat),
          "p" + i));
    }
    diff.same(add.toArray(new String[0]));
    String[] units = {"m", "km", "mi", "ft"};
    for (int i = 0; i < 150; i++) {
      String unit = units[random.nextInt(units.length)];
      double scale = switch (unit) {
        case "m" -> 1000;
        case "ft" -> 3000;
        default -> 1;
      };
      double size = Math.pow(10, random.nextInt(4)) * (1 + random.nextInt(9)) * scale;
      String lon = i % 2 == 0 ? "13.5" : String.format(Locale.ROOT, "%.4f", -180 + 360 * random.nextDouble());
      String lat = i % 2 == 0 ? "38.5" : String.format(Locale.ROOT, "%.4f", -80 + 160 * random.nextDouble());
      String s = String.format(Locale.ROOT, "%.1f", size);
      diff.same("GEOSEARCH", "world", "FROMLONLAT", lon, lat, "BYRADIUS", s, unit, "WITHDIST", "ASC");
      diff.same("GEOSEARCH", "world", "FROMLONLAT", lon, lat, "BYBOX", s, s, unit, "WITHCOORD");
      diff.same("GEORADIUS_RO", "world", lon, lat, s, unit, "COUNT", "5", "WITHHASH");
      diff.same("GEOSEARCH", "world", "FROMMEMBER", "p" + random.nextInt(600), "BYRADIUS", s, unit,
          "COUNT", "3", "ANY");
    }
  }

  /** RESP3: coordinates are doubles, distances and hashes as in RESP2, nulls as RESP3 nulls. */
  @Test
  void resp3Replies() throws Exception {
    TestCluster c = diff.cluster();
    try (ConnectionCompatIT.RawClient r = new ConnectionCompatIT.RawClient(diff.redisPort());
        ConnectionCompatIT.RawClient k = new ConnectionCompatIT.RawClient(c.redisPorts[c.aFollower()])) {
      for (String proto : new String[] {"2", "3"}) {
        r.call("HELLO", proto);
        k.call("HELLO", proto);
        for (String line : (SICILY + """
            GEOPOS Sicily Palermo nosuch Catania
            GEOPOS nokey a
            GEODIST Sicily Palermo Catania
            GEODIST Sicily Palermo nosuch
            GEOHASH Sicily Palermo nosuch
            GEORADIUS Sicily 15 37 200 km WITHCOORD WITHDIST WITHHASH ASC
            GEORADIUS_RO Sicily 15 37 200 km WITHCOORD ASC
            GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD ASC
            GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST ASC
            GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 m WITHCOORD
            """).split("\n")) {
          if (line.isBlank()) {
            continue;
          }
          String[] cmd = line.strip().split(" +");
          org.junit.jupiter.api.Assertions.assertEquals(r.call(cmd), k.call(cmd), line + " in RESP" + proto);
        }
      }
    }
  }
}

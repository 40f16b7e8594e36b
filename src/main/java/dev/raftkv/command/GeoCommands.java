package dev.raftkv.command;

import dev.raftkv.protocol.RespOut;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The geo commands of Redis 7.0 (geo.c, geohash.c, geohash_helper.c): points are members of a
 * sorted set whose score is the 52-bit interleaved geohash of (longitude, latitude), so every
 * sorted-set command works on them. Searches look at the 3x3 geohash boxes around the centre at
 * the step Redis picks for the radius, in Redis's order, then filter by distance (haversine on
 * Redis's Earth radius) or by box, so the members, their order and the formatted distances are
 * Redis's.
 */
final class GeoCommands {
  private static final double LONG_MIN = -180;
  private static final double LONG_MAX = 180;
  private static final double LAT_MIN = -85.05112878;
  private static final double LAT_MAX = 85.05112878;
  private static final int STEP_MAX = 26;
  private static final double D_R = Math.PI / 180.0;
  private static final double EARTH_RADIUS_IN_METERS = 6372797.560856;
  private static final double MERCATOR_MAX = 20037726.37;

  private GeoCommands() {}

  // ---- geohash ---------------------------------------------------------------------------------

  private static long interleave64(long xlo, long ylo) {
    long[] b = {0x5555555555555555L, 0x3333333333333333L, 0x0F0F0F0F0F0F0F0FL,
        0x00FF00FF00FF00FFL, 0x0000FFFF0000FFFFL};
    int[] s = {1, 2, 4, 8, 16};
    long x = xlo & 0xffffffffL;
    long y = ylo & 0xffffffffL;
    for (int i = 4; i >= 0; i--) {
      x = (x | (x << s[i])) & b[i];
      y = (y | (y << s[i])) & b[i];
    }
    return x | (y << 1);
  }

  private static long deinterleave64(long interleaved) {
    long[] b = {0x5555555555555555L, 0x3333333333333333L, 0x0F0F0F0F0F0F0F0FL,
        0x00FF00FF00FF00FFL, 0x0000FFFF0000FFFFL, 0x00000000FFFFFFFFL};
    int[] s = {0, 1, 2, 4, 8, 16};
    long x = interleaved;
    long y = interleaved >>> 1;
    for (int i = 0; i < 6; i++) {
      x = (x | (x >>> s[i])) & b[i];
      y = (y | (y >>> s[i])) & b[i];
    }
    return x | (y << 32);
  }

  /** A geohash: {@code bits} of {@code step} bits per coordinate; bits 0 and step 0 = none. */
  private record Hash(long bits, int step) {
    boolean isZero() {
      return bits == 0 && step == 0;
    }
  }

  /** A decoded box: longitude and latitude ranges. */
  private record Area(double lonMin, double lonMax, double latMin, double latMax) {}

  /** geohashEncode with the given ranges; null when the point is outside them. */
  private static Hash encode(double lonMin, double lonMax, double latMin, double latMax,
      double longitude, double latitude, int step) {
    if (longitude > LONG_MAX || longitude < LONG_MIN || latitude > LAT_MAX || latitude < LAT_MIN) {
      return null;
    }
    if (latitude < latMin || latitude > latMax || longitude < lonMin || longitude > lonMax) {
      return null;
    }
    double latOffset = (latitude - latMin) / (latMax - latMin);
    double longOffset = (longitude - lonMin) / (lonMax - lonMin);
    latOffset *= (double) (1L << step);
    longOffset *= (double) (1L << step);
    // C converts the doubles to uint32_t: truncation
    return new Hash(interleave64((long) latOffset, (long) longOffset), step);
  }

  private static Hash encodeWgs84(double longitude, double latitude, int step) {
    return encode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, longitude, latitude, step);
  }

  private static Area decode(Hash hash) {
    long sep = deinterleave64(hash.bits());
    double latScale = LAT_MAX - LAT_MIN;
    double longScale = LONG_MAX - LONG_MIN;
    long ilato = sep & 0xffffffffL;
    long ilono = sep >>> 32;
    double div = (double) (1L << hash.step());
    return new Area(LONG_MIN + (ilono * 1.0 / div) * longScale,
        LONG_MIN + ((ilono + 1) * 1.0 / div) * longScale,
        LAT_MIN + (ilato * 1.0 / div) * latScale,
        LAT_MIN + ((ilato + 1) * 1.0 / div) * latScale);
  }

  /** The point a 52-bit score stands for (the centre of its box, clamped), as decodeGeohash. */
  private static double[] decodeScore(double score) {
    Hash hash = new Hash((long) score, STEP_MAX);
    if (hash.isZero()) {
      return null;
    }
    Area a = decode(hash);
    double x = Math.max(LONG_MIN, Math.min(LONG_MAX, (a.lonMin() + a.lonMax()) / 2));
    double y = Math.max(LAT_MIN, Math.min(LAT_MAX, (a.latMin() + a.latMax()) / 2));
    return new double[] {x, y};
  }

  private static long align52(Hash hash) {
    return hash.bits() << (52 - hash.step() * 2);
  }

  private static Hash moveX(Hash h, int d) {
    if (d == 0) {
      return h;
    }
    long x = h.bits() & 0xaaaaaaaaaaaaaaaaL;
    long y = h.bits() & 0x5555555555555555L;
    long zz = 0x5555555555555555L >>> (64 - h.step() * 2);
    if (d > 0) {
      x = x + (zz + 1);
    } else {
      x = x | zz;
      x = x - (zz + 1);
    }
    x &= (0xaaaaaaaaaaaaaaaaL >>> (64 - h.step() * 2));
    return new Hash(x | y, h.step());
  }

  private static Hash moveY(Hash h, int d) {
    if (d == 0) {
      return h;
    }
    long x = h.bits() & 0xaaaaaaaaaaaaaaaaL;
    long y = h.bits() & 0x5555555555555555L;
    long zz = 0xaaaaaaaaaaaaaaaaL >>> (64 - h.step() * 2);
    if (d > 0) {
      y = y + (zz + 1);
    } else {
      y = y | zz;
      y = y - (zz + 1);
    }
    y &= (0x5555555555555555L >>> (64 - h.step() * 2));
    return new Hash(x | y, h.step());
  }

  private static double degRad(double ang) {
    return ang * D_R;
  }

  private static double radDeg(double ang) {
    return ang / D_R;
  }

  private static double latDistance(double lat1d, double lat2d) {
    return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
  }

  /** geohashGetDistance: haversine on Redis's Earth radius, in meters. */
  static double distance(double lon1d, double lat1d, double lon2d, double lat2d) {
    double lon1r = degRad(lon1d);
    double lon2r = degRad(lon2d);
    double v = Math.sin((lon2r - lon1r) / 2);
    if (v == 0.0) {
      return latDistance(lat1d, lat2d);
    }
    double lat1r = degRad(lat1d);
    double lat2r = degRad(lat2d);
    double u = Math.sin((lat2r - lat1r) / 2);
    double a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
    return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
  }

  private static int stepsByRadius(double rangeMeters, double lat) {
    if (rangeMeters == 0) {
      return 26;
    }
    int step = 1;
    while (rangeMeters < MERCATOR_MAX) {
      rangeMeters *= 2;
      step++;
    }
    step -= 2;
    if (lat > 66 || lat < -66) {
      step--;
      if (lat > 80 || lat < -80) {
        step--;
      }
    }
    return Math.max(1, Math.min(26, step));
  }

  // ---- shapes and search -----------------------------------------------------------------------

  /** A search: centre, circle (radius) or box (width, height), in the unit's meters. */
  private static final class Shape {
    double x;
    double y;
    boolean box;
    double radius;
    double width;
    double height;
    double conversion = 1;

    /** geohashBoundingBox: min lon, min lat, max lon, max lat. */
    double[] bounds() {
      double h = conversion * (box ? height / 2 : radius);
      double w = conversion * (box ? width / 2 : radius);
      double latDelta = radDeg(h / EARTH_RADIUS_IN_METERS);
      double longDeltaTop = radDeg(w / EARTH_RADIUS_IN_METERS / Math.cos(degRad(y + latDelta)));
      double longDeltaBottom = radDeg(w / EARTH_RADIUS_IN_METERS / Math.cos(degRad(y - latDelta)));
      boolean south = y < 0;
      return new double[] {south ? x - longDeltaBottom : x - longDeltaTop, y - latDelta,
          south ? x + longDeltaBottom : x + longDeltaTop, y + latDelta};
    }

    /** The distance to the point when it is inside the shape, else null (geoWithinShape). */
    Double within(double[] xy) {
      double d = distance(x, y, xy[0], xy[1]);
      if (!box) {
        return d > radius * conversion ? null : d;
      }
      if (latDistance(xy[1], y) > height * conversion / 2) {
        return null;
      }
      // the east-west distance at the point's latitude, as geohashGetDistanceIfInRectangle
      if (distance(xy[0], xy[1], x, xy[1]) > width * conversion / 2) {
        return null;
      }
      return d;
    }
  }

  /** The centre box and its 8 neighbours, in Redis's order, the useless ones as null. */
  private static Hash[] areas(Shape shape) {
    double[] b = shape.bounds();
    double radiusMeters = shape.box
        ? Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))
        : shape.radius;
    radiusMeters *= shape.conversion;
    int steps = stepsByRadius(radiusMeters, shape.y);
    Hash hash = encodeWgs84(shape.x, shape.y, steps);
    Hash[] n = neighbours(hash);
    Area area = decode(hash);
    boolean decrease = decode(n[1]).latMax() < b[3] || decode(n[2]).latMin() > b[1]
        || decode(n[3]).lonMax() < b[2] || decode(n[4]).lonMin() > b[0];
    if (steps > 1 && decrease) {
      steps--;
      hash = encodeWgs84(shape.x, shape.y, steps);
      n = neighbours(hash);
      area = decode(hash);
    }
    if (steps >= 2) {
      if (area.latMin() < b[1]) {
        n[2] = n[8] = n[7] = null; // south, south west, south east
      }
      if (area.latMax() > b[3]) {
        n[1] = n[5] = n[6] = null; // north, north east, north west
      }
      if (area.lonMin() < b[0]) {
        n[4] = n[8] = n[6] = null; // west, south west, north west
      }
      if (area.lonMax() > b[2]) {
        n[3] = n[7] = n[5] = null; // east, south east, north east
      }
    }
    return n;
  }

  /** centre, north, south, east, west, north east, north west, south east, south west. */
  private static Hash[] neighbours(Hash h) {
    return new Hash[] {h, moveY(h, 1), moveY(h, -1), moveX(h, 1), moveX(h, -1),
        moveY(moveX(h, 1), 1), moveY(moveX(h, -1), 1), moveY(moveX(h, 1), -1),
        moveY(moveX(h, -1), -1)};
  }

  private record Point(byte[] member, double score, double[] xy, double dist) {}

  /** membersOfAllNeighbors: the points in the shape, box by box, at most {@code limit} (0: all). */
  private static List<Point> search(ZSetData z, Shape shape, long limit) {
    Hash[] boxes = areas(shape);
    List<Point> found = new ArrayList<>();
    int lastProcessed = 0;
    for (int i = 0; i < boxes.length; i++) {
      if (boxes[i] == null) {
        continue;
      }
      if (lastProcessed != 0 && boxes[i].equals(boxes[lastProcessed])) {
        continue;
      }
      if (!found.isEmpty() && limit != 0 && found.size() >= limit) {
        break;
      }
      Hash h = boxes[i];
      double min = align52(h);
      double max = align52(new Hash(h.bits() + 1, h.step()));
      ZSetData.ScoreRange range = new ZSetData.ScoreRange(min, false, max, true);
      for (int at = z.firstIn(range); at >= 0 && at < z.size(); at++) {
        ZSetData.Entry e = z.get(at);
        if (!range.belowMax(e)) {
          break;
        }
        double[] xy = decodeScore(e.score());
        Double d = xy == null ? null : shape.within(xy);
        if (d != null) {
          found.add(new Point(e.member(), e.score(), xy, d));
        }
        if (!found.isEmpty() && limit != 0 && found.size() >= limit) {
          break;
        }
      }
      lastProcessed = i;
    }
    return found;
  }

  // ---- argument parsing ------------------------------------------------------------------------

  private static double doubleArg(byte[] b, String message) throws CommandError {
    Double d = ZSetDoubles.parseScore(b);
    if (d == null) {
      throw new CommandError(message == null ? "ERR value is not a valid float" : "ERR " + message);
    }
    return d;
  }

  private static String sixDecimals(double d) {
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf"; // C's %.6f; BigDecimal has no infinity
    }
    return new BigDecimal(d).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
  }

  /** extractLongLatOrReply. */
  private static double[] lonLat(byte[] lon, byte[] lat) throws CommandError {
    double x = doubleArg(lon, null);
    double y = doubleArg(lat, null);
    if (x < LONG_MIN || x > LONG_MAX || y < LAT_MIN || y > LAT_MAX) {
      throw new CommandError("ERR invalid longitude,latitude pair " + sixDecimals(x) + ","
          + sixDecimals(y));
    }
    return new double[] {x, y};
  }

  private static double unit(byte[] u) throws CommandError {
    if (Args.is(u, "m")) {
      return 1;
    } else if (Args.is(u, "km")) {
      return 1000;
    } else if (Args.is(u, "ft")) {
      return 0.3048;
    } else if (Args.is(u, "mi")) {
      return 1609.34;
    }
    throw new CommandError("ERR unsupported unit provided. please use M, KM, FT, MI");
  }

  /** fixedpoint_d2string with 4 digits: llrint(d * 10^4), then the digits. */
  static String distance4(double d) {
    if (d == 0) {
      return "0.0000";
    }
    long v = (long) Math.rint(d * 10000.0);
    boolean negative = v < 0;
    String digits = Long.toString(Math.abs(v));
    while (digits.length() < 5) {
      digits = "0" + digits;
    }
    return (negative ? "-" : "") + digits.substring(0, digits.length() - 4) + "."
        + digits.substring(digits.length() - 4);
  }

  private static String human(double d) {
    return RedisLongDouble.format(new BigDecimal(d));
  }

  // ---- commands --------------------------------------------------------------------------------

  /** GEOADD key [NX|XX] [CH] longitude latitude member ...: checked on the receiving peer. */
  static byte[][] checkGeoadd(byte[][] a, long now) throws CommandError {
    toZadd(a);
    return a;
  }

  /** The ZADD that GEOADD is (geoaddCommand): options as given, each point as its 52-bit score. */
  private static byte[][] toZadd(byte[][] a) throws CommandError {
    boolean xx = false;
    boolean nx = false;
    int longidx = 2;
    while (longidx < a.length) {
      if (Args.is(a[longidx], "nx")) {
        nx = true;
      } else if (Args.is(a[longidx], "xx")) {
        xx = true;
      } else if (!Args.is(a[longidx], "ch")) {
        break;
      }
      longidx++;
    }
    if ((a.length - longidx) % 3 != 0 || (xx && nx)) {
      throw new CommandError(CommandError.SYNTAX);
    }
    int elements = (a.length - longidx) / 3;
    byte[][] z = new byte[longidx + elements * 2][];
    z[0] = Args.bytes("zadd");
    System.arraycopy(a, 1, z, 1, longidx - 1);
    for (int i = 0; i < elements; i++) {
      int at = longidx + i * 3;
      double[] xy = lonLat(a[at], a[at + 1]);
      long bits = align52(encodeWgs84(xy[0], xy[1], STEP_MAX));
      z[longidx + i * 2] = Args.bytes(Long.toString(bits));
      z[longidx + 1 + i * 2] = a[at + 2];
    }
    return z;
  }

  static void geoadd(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    ZSetCommands.zadd(toZadd(a), ks, out);
  }

  static void geopos(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    ZSetData z = ZSetData.read(ks, a[1]);
    out.array(a.length - 2);
    for (int j = 2; j < a.length; j++) {
      Double score = z == null ? null : z.score(a[j]);
      double[] xy = score == null ? null : decodeScore(score);
      if (xy == null) {
        out.nilArray();
      } else {
        out.array(2).bulk(human(xy[0])).bulk(human(xy[1]));
      }
    }
  }

  static void geodist(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    double toMeter = 1;
    if (a.length == 5) {
      toMeter = unit(a[4]);
    } else if (a.length > 5) {
      throw new CommandError(CommandError.SYNTAX);
    }
    ZSetData z = ZSetData.read(ks, a[1]);
    Double s1 = z == null ? null : z.score(a[2]);
    Double s2 = z == null ? null : z.score(a[3]);
    double[] p1 = s1 == null ? null : decodeScore(s1);
    double[] p2 = s2 == null ? null : decodeScore(s2);
    if (p1 == null || p2 == null) {
      out.nil();
      return;
    }
    out.bulk(distance4(distance(p1[0], p1[1], p2[0], p2[1]) / toMeter));
  }

  static void geohash(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    String alphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
    ZSetData z = ZSetData.read(ks, a[1]);
    out.array(a.length - 2);
    for (int j = 2; j < a.length; j++) {
      Double score = z == null ? null : z.score(a[j]);
      double[] xy = score == null ? null : decodeScore(score);
      if (xy == null) {
        out.nil();
        continue;
      }
      Hash h = encode(-180, 180, -90, 90, xy[0], xy[1], 26);
      long bits = h == null ? 0 : h.bits();
      char[] buf = new char[11];
      for (int i = 0; i < 11; i++) {
        int idx = i == 10 ? 0 : (int) ((bits >>> (52 - ((i + 1) * 5))) & 0x1f);
        buf[i] = alphabet.charAt(idx);
      }
      out.bulk(new String(buf));
    }
  }

  private static final int RADIUS_COORDS = 1;
  private static final int RADIUS_MEMBER = 2;
  private static final int NOSTORE = 4;
  private static final int GEOSEARCH = 8;
  private static final int GEOSEARCHSTORE = 16;

  static void georadius(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    generic(a, 1, RADIUS_COORDS, ks, out);
  }

  static void georadiusbymember(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    generic(a, 1, RADIUS_MEMBER, ks, out);
  }

  static void georadiusRo(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    generic(a, 1, RADIUS_COORDS | NOSTORE, ks, out);
  }

  static void georadiusbymemberRo(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    generic(a, 1, RADIUS_MEMBER | NOSTORE, ks, out);
  }

  static void geosearch(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    generic(a, 1, GEOSEARCH, ks, out);
  }

  static void geosearchstore(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    generic(a, 2, GEOSEARCH | GEOSEARCHSTORE, ks, out);
  }

  private static double[] fromMember(ZSetData z, byte[] member) throws CommandError {
    Double score = z.score(member);
    double[] xy = score == null ? null : decodeScore(score);
    if (xy == null) {
      throw new CommandError("ERR could not decode requested zset member");
    }
    return xy;
  }

  private static void distanceArgs(Shape shape, byte[] dist, byte[] unit) throws CommandError {
    double d = doubleArg(dist, "need numeric radius");
    if (d < 0) {
      throw new CommandError("ERR radius cannot be negative");
    }
    shape.radius = d;
    shape.conversion = unit(unit);
    shape.box = false;
  }

  /** georadiusGeneric: every GEORADIUS and GEOSEARCH form, its checks in Redis's order. */
  private static void generic(byte[][] a, int srcKeyIndex, int flags, Keyspace ks, RespOut out)
      throws CommandError {
    byte[] storekey = null;
    boolean storedist = false;
    ZSetData z = ZSetData.read(ks, a[srcKeyIndex]);
    Shape shape = new Shape();
    int baseArgs;
    String name = Args.str(a[0]);
    if ((flags & RADIUS_COORDS) != 0) {
      baseArgs = 6;
      double[] xy = lonLat(a[2], a[3]);
      shape.x = xy[0];
      shape.y = xy[1];
      distanceArgs(shape, a[baseArgs - 2], a[baseArgs - 1]);
    } else if ((flags & RADIUS_MEMBER) != 0 && z == null) {
      baseArgs = 5;
    } else if ((flags & RADIUS_MEMBER) != 0) {
      baseArgs = 5;
      double[] xy = fromMember(z, a[2]);
      shape.x = xy[0];
      shape.y = xy[1];
      distanceArgs(shape, a[baseArgs - 2], a[baseArgs - 1]);
    } else {
      baseArgs = 2;
      if ((flags & GEOSEARCHSTORE) != 0) {
        baseArgs = 3;
        storekey = a[1];
      }
    }
    boolean withdist = false;
    boolean withhash = false;
    boolean withcoords = false;
    boolean frommember = false;
    boolean fromloc = false;
    boolean byradius = false;
    boolean bybox = false;
    int sort = 0; // 0 none, 1 asc, 2 desc
    boolean any = false;
    long count = 0;
    boolean search = (flags & GEOSEARCH) != 0;
    boolean noStore = (flags & NOSTORE) != 0;
    int remaining = a.length - baseArgs;
    for (int i = 0; i < remaining; i++) {
      byte[] arg = a[baseArgs + i];
      if (Args.is(arg, "withdist")) {
        withdist = true;
      } else if (Args.is(arg, "withhash")) {
        withhash = true;
      } else if (Args.is(arg, "withcoord")) {
        withcoords = true;
      } else if (Args.is(arg, "any")) {
        any = true;
      } else if (Args.is(arg, "asc")) {
        sort = 1;
      } else if (Args.is(arg, "desc")) {
        sort = 2;
      } else if (Args.is(arg, "count") && i + 1 < remaining) {
        count = Args.longArg(a[baseArgs + i + 1]);
        if (count <= 0) {
          throw new CommandError("ERR COUNT must be > 0");
        }
        i++;
      } else if (Args.is(arg, "store") && i + 1 < remaining && !noStore && !search) {
        storekey = a[baseArgs + i + 1];
        storedist = false;
        i++;
      } else if (Args.is(arg, "storedist") && i + 1 < remaining && !noStore && !search) {
        storekey = a[baseArgs + i + 1];
        storedist = true;
        i++;
      } else if (Args.is(arg, "storedist") && search && (flags & GEOSEARCHSTORE) != 0) {
        storedist = true;
      } else if (Args.is(arg, "frommember") && i + 1 < remaining && search && !fromloc) {
        if (z != null) {
          double[] xy = fromMember(z, a[baseArgs + i + 1]);
          shape.x = xy[0];
          shape.y = xy[1];
        }
        frommember = true;
        i++;
      } else if (Args.is(arg, "fromlonlat") && i + 2 < remaining && search && !frommember) {
        double[] xy = lonLat(a[baseArgs + i + 1], a[baseArgs + i + 2]);
        shape.x = xy[0];
        shape.y = xy[1];
        fromloc = true;
        i += 2;
      } else if (Args.is(arg, "byradius") && i + 2 < remaining && search && !bybox) {
        distanceArgs(shape, a[baseArgs + i + 1], a[baseArgs + i + 2]);
        byradius = true;
        i += 2;
      } else if (Args.is(arg, "bybox") && i + 3 < remaining && search && !byradius) {
        double w = doubleArg(a[baseArgs + i + 1], "need numeric width");
        double h = doubleArg(a[baseArgs + i + 2], "need numeric height");
        if (h < 0 || w < 0) {
          throw new CommandError("ERR height or width cannot be negative");
        }
        shape.width = w;
        shape.height = h;
        shape.conversion = unit(a[baseArgs + i + 3]);
        shape.box = true;
        bybox = true;
        i += 3;
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    if (storekey != null && (withdist || withhash || withcoords)) {
      throw new CommandError("ERR " + ((flags & GEOSEARCHSTORE) != 0 ? "GEOSEARCHSTORE"
          : "STORE option in GEORADIUS") + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    }
    if (search && !(frommember || fromloc)) {
      throw new CommandError("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + name);
    }
    if (search && !(byradius || bybox)) {
      throw new CommandError("ERR exactly one of BYRADIUS and BYBOX can be specified for " + name);
    }
    if (any && count == 0) {
      throw new CommandError("ERR the ANY argument requires COUNT argument");
    }
    if (z == null) {
      if (storekey != null) {
        ks.delete(storekey);
        out.integer(0);
      } else {
        out.array(0);
      }
      return;
    }
    if (count != 0 && sort == 0 && !any) {
      sort = 1;
    }
    List<Point> found = search(z, shape, any ? count : 0);
    if (found.isEmpty() && storekey == null) {
      out.array(0);
      return;
    }
    int returned = count == 0 || found.size() < count ? found.size() : (int) count;
    if (sort != 0) {
      Comparator<Point> byDist = Comparator.comparingDouble(Point::dist);
      found.sort(sort == 1 ? byDist : byDist.reversed());
    }
    if (storekey == null) {
      int options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
      out.array(returned);
      for (int i = 0; i < returned; i++) {
        Point p = found.get(i);
        if (options > 0) {
          out.array(options + 1);
        }
        out.bulk(p.member());
        if (withdist) {
          out.bulk(distance4(p.dist() / shape.conversion));
        }
        if (withhash) {
          out.integer((long) p.score());
        }
        if (withcoords) {
          out.array(2).bulk(human(p.xy()[0])).bulk(human(p.xy()[1]));
        }
      }
      return;
    }
    if (returned == 0) {
      ks.delete(storekey);
      out.integer(0);
      return;
    }
    List<ZSetData.Entry> entries = new ArrayList<>(returned);
    for (int i = 0; i < returned; i++) {
      Point p = found.get(i);
      entries.add(new ZSetData.Entry(p.member(), storedist ? p.dist() / shape.conversion : p.score()));
    }
    entries.sort((e1, e2) -> ZSetData.compare(e1.score(), e1.member(), e2.score(), e2.member()));
    ZSetData.ofSorted(entries).write(ks, storekey, 0);
    out.integer(returned);
  }
}

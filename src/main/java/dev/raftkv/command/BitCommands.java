package dev.raftkv.command;

import static dev.raftkv.command.Args.is;

import dev.raftkv.protocol.RespOut;
import java.util.ArrayList;
import java.util.List;

/**
 * Bitmap commands on string values: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, and
 * LCS. Translated from Redis 7.0.15's bitops.c and t_string.c (lcsCommand): same argument order of
 * checks, same error texts, same replies. Bits are numbered from the most significant bit of the
 * first byte, like Redis.
 *
 * <p>The readers work on the stored record in place (the payload starts at {@link Record#HEADER});
 * the writers build the new record in one allocation.
 */
final class BitCommands {
  private BitCommands() {}

  private static final int H = Record.HEADER;
  static final String BIT_OFFSET_ERROR = "ERR bit offset is not an integer or out of range";
  static final String BIT_VALUE_ERROR = "ERR bit is not an integer or out of range";
  static final String BITFIELD_TYPE_ERROR =
      "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
  static final String LCS_TOO_BIG =
      "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";

  /** A live string record, null when absent; WRONGTYPE for another type. */
  private static byte[] stringRecord(Keyspace ks, byte[] key) throws CommandError {
    byte[] r = ks.get(key);
    if (r != null && Record.type(r) != Record.STRING) {
      throw new CommandError(CommandError.WRONGTYPE);
    }
    return r;
  }

  /**
   * Redis's getBitOffsetFromArgument: a bit offset, with BITFIELD's {@code #N} form (N times the
   * field width) when {@code bits} is positive; refused when negative or when its byte would be
   * past the 512 MB string limit.
   */
  static long bitOffset(byte[] p, int bits) throws CommandError {
    boolean hash = bits > 0 && p.length > 0 && p[0] == '#';
    Long v = Args.parseLong(hash ? java.util.Arrays.copyOfRange(p, 1, p.length) : p);
    if (v == null) {
      throw new CommandError(BIT_OFFSET_ERROR);
    }
    long offset = hash ? v * bits : v; // wraps around like Redis's long long product
    if (offset < 0 || (offset >>> 3) >= Commands.MAX_STRING) {
      throw new CommandError(BIT_OFFSET_ERROR);
    }
    return offset;
  }

  private static int bitValue(byte[] b) throws CommandError {
    Long v = Args.parseLong(b);
    if (v == null || (v & ~1L) != 0) {
      throw new CommandError(BIT_VALUE_ERROR);
    }
    return v.intValue();
  }

  /**
   * A copy of string record {@code r} (null: a new string without expiry) whose payload is grown
   * with zero bytes to at least {@code minLength}; the expiry is kept.
   */
  private static byte[] grownCopy(Keyspace ks, byte[] r, long minLength) throws CommandError {
    int old = r == null ? 0 : Record.payloadLength(r);
    if (minLength > old) {
      Commands.checkValueSize(ks, minLength);
    }
    int length = (int) Math.max(old, minLength);
    byte[] n = new byte[H + length];
    if (r != null) {
      System.arraycopy(r, 0, n, 0, H + old);
    } else {
      n[0] = Record.STRING;
    }
    return n;
  }

  // SETBIT key offset value

  static byte[][] checkSetbit(byte[][] a, long now) throws CommandError {
    bitOffset(a[2], 0);
    bitValue(a[3]);
    return a;
  }

  static void setbit(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long offset = bitOffset(a[2], 0);
    int on = bitValue(a[3]);
    byte[] r = stringRecord(ks, a[1]);
    int index = (int) (offset >>> 3);
    int shift = 7 - (int) (offset & 7);
    int old = r == null ? 0 : Record.payloadLength(r);
    boolean grows = r == null || index >= old;
    int bit = index < old ? (r[H + index] >> shift) & 1 : 0;
    if (grows || bit != on) {
      byte[] n = grownCopy(ks, r, index + 1L);
      n[H + index] = (byte) ((n[H + index] & ~(1 << shift)) | (on << shift));
      ks.put(a[1], n);
    }
    out.integer(bit);
  }

  // GETBIT key offset

  static void getbit(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long offset = bitOffset(a[2], 0);
    byte[] r = stringRecord(ks, a[1]);
    long index = offset >>> 3;
    int bit = r != null && index < Record.payloadLength(r)
        ? (r[H + (int) index] >> (7 - (int) (offset & 7))) & 1 : 0;
    out.integer(bit);
  }

  // BITCOUNT key [start end [BYTE|BIT]]

  private static int bitOrByte(byte[] arg) throws CommandError {
    if (is(arg, "bit")) {
      return 1;
    } else if (is(arg, "byte")) {
      return 0;
    }
    throw new CommandError(CommandError.SYNTAX);
  }

  /**
   * BITCOUNT's and BITPOS's range, as bitops.c computes it for both: negative ends count from the
   * end, both are clamped to the string, and a BIT range becomes the bytes it touches plus masks
   * of the bits of the first and last byte that lie outside it.
   */
  private record ByteRange(long start, long end, int firstMask, int lastMask) {
    static ByteRange of(long start, long end, long strlen, boolean isbit) {
      long totlen = isbit ? strlen << 3 : strlen;
      int firstMask = 0;
      int lastMask = 0;
      if (start < 0) {
        start = totlen + start;
      }
      if (end < 0) {
        end = totlen + end;
      }
      if (start < 0) {
        start = 0;
      }
      if (end < 0) {
        end = 0;
      }
      if (end >= totlen) {
        end = totlen - 1;
      }
      if (isbit && start <= end) {
        firstMask = ~((1 << (8 - (int) (start & 7))) - 1) & 0xff;
        lastMask = (1 << (7 - (int) (end & 7))) - 1;
        start >>= 3;
        end >>= 3;
      }
      return new ByteRange(start, end, firstMask, lastMask);
    }
  }

  static void bitcount(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] r = stringRecord(ks, a[1]);
    if (r == null) {
      out.integer(0);
      return;
    }
    long strlen = Record.payloadLength(r);
    long start;
    long end;
    int firstMask = 0;
    int lastMask = 0;
    if (a.length == 4 || a.length == 5) {
      start = Args.longArg(a[2]);
      end = Args.longArg(a[3]);
      if (start < 0 && end < 0 && start > end) {
        out.integer(0);
        return;
      }
      boolean isbit = a.length == 5 && bitOrByte(a[4]) == 1;
      ByteRange range = ByteRange.of(start, end, strlen, isbit);
      start = range.start();
      end = range.end();
      firstMask = range.firstMask();
      lastMask = range.lastMask();
    } else if (a.length == 2) {
      start = 0;
      end = strlen - 1;
    } else {
      throw new CommandError(CommandError.SYNTAX);
    }
    if (start > end) {
      out.integer(0);
      return;
    }
    long count = popcount(r, H + (int) start, (int) (end - start + 1));
    if (firstMask != 0) {
      count -= Integer.bitCount(r[H + (int) start] & firstMask);
    }
    if (lastMask != 0) {
      count -= Integer.bitCount(r[H + (int) end] & lastMask);
    }
    out.integer(count);
  }

  private static long popcount(byte[] b, int from, int length) {
    long count = 0;
    int i = from;
    int to = from + length;
    for (; i + 8 <= to; i += 8) {
      count += Long.bitCount((long) LONGS.get(b, i));
    }
    for (; i < to; i++) {
      count += Integer.bitCount(b[i] & 0xff);
    }
    return count;
  }

  private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles
      .byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

  // BITPOS key bit [start [end [BYTE|BIT]]]

  /**
   * Redis's redisBitpos: the position of the first bit equal to {@code bit} among {@code count}
   * bytes from {@code from}; not found: -1 for a 1, the first position after the bytes for a 0.
   */
  private static long firstBit(byte[] b, int from, long count, int bit) {
    int skip = bit == 1 ? 0 : 0xff;
    for (long i = 0; i < count; i++) {
      int v = b[from + (int) i] & 0xff;
      if (v != skip) {
        for (int k = 0; k < 8; k++) {
          if (((v >> (7 - k)) & 1) == bit) {
            return i * 8 + k;
          }
        }
      }
    }
    return bit == 1 ? -1 : count * 8;
  }

  static void bitpos(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    long bitArg = Args.longArg(a[2]);
    if (bitArg != 0 && bitArg != 1) {
      throw new CommandError("ERR The bit argument must be 1 or 0.");
    }
    int bit = (int) bitArg;
    byte[] r = stringRecord(ks, a[1]);
    if (r == null) {
      out.integer(bit == 1 ? -1 : 0);
      return;
    }
    long strlen = Record.payloadLength(r);
    long start;
    long end;
    boolean endGiven = false;
    int firstMask = 0;
    int lastMask = 0;
    if (a.length >= 4 && a.length <= 6) {
      start = Args.longArg(a[3]);
      boolean isbit = a.length == 6 && bitOrByte(a[5]) == 1;
      if (a.length >= 5) {
        end = Args.longArg(a[4]);
        endGiven = true;
      } else {
        end = isbit ? (strlen << 3) + 7 : strlen - 1;
      }
      ByteRange range = ByteRange.of(start, end, strlen, isbit);
      start = range.start();
      end = range.end();
      firstMask = range.firstMask();
      lastMask = range.lastMask();
    } else if (a.length == 3) {
      start = 0;
      end = strlen - 1;
    } else {
      throw new CommandError(CommandError.SYNTAX);
    }
    if (start > end) {
      out.integer(-1);
      return;
    }
    long bytes = end - start + 1;
    long pos;
    result: {
      byte[] one = new byte[1];
      if (firstMask != 0) {
        int b = r[H + (int) start] & 0xff;
        int t = bit == 1 ? b & ~firstMask : b | firstMask;
        if (lastMask != 0 && bytes == 1) {
          t = bit == 1 ? t & ~lastMask : t | lastMask;
        }
        one[0] = (byte) t;
        pos = firstBit(one, 0, 1, bit);
        if (bytes == 1 || (pos != -1 && pos != 8)) {
          break result;
        }
        start++;
        bytes--;
      }
      long curbytes = bytes - (lastMask != 0 ? 1 : 0);
      if (curbytes > 0) {
        pos = firstBit(r, H + (int) start, curbytes, bit);
        if (bytes == curbytes || (pos != -1 && pos != curbytes << 3)) {
          break result;
        }
        start += curbytes;
        bytes -= curbytes;
      }
      int b = r[H + (int) end] & 0xff;
      one[0] = (byte) (bit == 1 ? b & ~lastMask : b | lastMask);
      pos = firstBit(one, 0, 1, bit);
    }
    if (endGiven && bit == 0 && pos == bytes << 3) {
      out.integer(-1);
      return;
    }
    if (pos != -1) {
      pos += start << 3;
    }
    out.integer(pos);
  }

  // BITOP AND|OR|XOR|NOT destkey key [key ...]

  private static final int AND = 0;
  private static final int OR = 1;
  private static final int XOR = 2;
  private static final int NOT = 3;

  private static int bitop(byte[][] a) throws CommandError {
    int op;
    if (is(a[1], "and")) {
      op = AND;
    } else if (is(a[1], "or")) {
      op = OR;
    } else if (is(a[1], "xor")) {
      op = XOR;
    } else if (is(a[1], "not")) {
      op = NOT;
    } else {
      throw new CommandError(CommandError.SYNTAX);
    }
    if (op == NOT && a.length != 4) {
      throw new CommandError("ERR BITOP NOT must be called with a single source key.");
    }
    return op;
  }

  static byte[][] checkBitop(byte[][] a, long now) throws CommandError {
    bitop(a);
    return a;
  }

  static void bitop(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    int op = bitop(a);
    int n = a.length - 3;
    byte[][] src = new byte[n][];
    int maxlen = 0;
    for (int j = 0; j < n; j++) {
      src[j] = stringRecord(ks, a[j + 3]); // a missing key is a string of zero bytes
      if (src[j] != null) {
        maxlen = Math.max(maxlen, Record.payloadLength(src[j]));
      }
    }
    if (maxlen == 0) {
      if (ks.get(a[2]) != null) {
        ks.delete(a[2]);
      }
      out.integer(0);
      return;
    }
    byte[] res = new byte[H + maxlen]; // type STRING, no expiry (Redis's setKey drops the TTL)
    res[0] = Record.STRING;
    int len0 = src[0] == null ? 0 : Record.payloadLength(src[0]);
    if (len0 > 0) {
      System.arraycopy(src[0], H, res, H, len0);
    }
    if (op == NOT) {
      for (int i = H; i < H + maxlen; i++) {
        res[i] = (byte) ~res[i];
      }
    }
    for (int j = 1; j < n; j++) {
      byte[] s = src[j];
      int len = s == null ? 0 : Record.payloadLength(s);
      switch (op) {
        case AND -> {
          for (int i = 0; i < len; i++) {
            res[H + i] &= s[H + i];
          }
          java.util.Arrays.fill(res, H + len, H + maxlen, (byte) 0);
        }
        case OR -> {
          for (int i = 0; i < len; i++) {
            res[H + i] |= s[H + i];
          }
        }
        default -> {
          for (int i = 0; i < len; i++) {
            res[H + i] ^= s[H + i];
          }
        }
      }
    }
    ks.put(a[2], res);
    out.integer(maxlen);
  }

  // BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
  //   [OVERFLOW WRAP|SAT|FAIL] ...

  private static final int GET = 0;
  private static final int SET = 1;
  private static final int INCRBY = 2;
  private static final int WRAP = 0;
  private static final int SAT = 1;
  private static final int FAIL = 2;

  private record FieldOp(int opcode, long offset, long value, int overflow, int bits, boolean signed) {}

  /** BITFIELD's operations, in order; {@code highest} is the last bit a SET or INCRBY touches, -1 for none. */
  private record Fields(List<FieldOp> ops, long highest) {
    boolean readOnly() {
      return highest < 0;
    }
  }

  private static Fields parseFields(byte[][] a) throws CommandError {
    List<FieldOp> ops = new ArrayList<>();
    int overflow = WRAP;
    long highest = -1;
    for (int j = 2; j < a.length; j++) {
      int remaining = a.length - j - 1;
      byte[] sub = a[j];
      int opcode;
      if (is(sub, "get") && remaining >= 2) {
        opcode = GET;
      } else if (is(sub, "set") && remaining >= 3) {
        opcode = SET;
      } else if (is(sub, "incrby") && remaining >= 3) {
        opcode = INCRBY;
      } else if (is(sub, "overflow") && remaining >= 1) {
        byte[] type = a[++j];
        if (is(type, "wrap")) {
          overflow = WRAP;
        } else if (is(type, "sat")) {
          overflow = SAT;
        } else if (is(type, "fail")) {
          overflow = FAIL;
        } else {
          throw new CommandError("ERR Invalid OVERFLOW type specified");
        }
        continue;
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
      byte[] t = a[j + 1];
      boolean signed;
      if (t.length > 0 && t[0] == 'i') {
        signed = true;
      } else if (t.length > 0 && t[0] == 'u') {
        signed = false;
      } else {
        throw new CommandError(BITFIELD_TYPE_ERROR);
      }
      int end = 1;
      while (end < t.length && t[end] != 0) {
        end++; // strlen: the C string ends at a NUL
      }
      Long bits = Args.parseLong(java.util.Arrays.copyOfRange(t, 1, end));
      if (bits == null || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) {
        throw new CommandError(BITFIELD_TYPE_ERROR);
      }
      long offset = bitOffset(a[j + 2], bits.intValue());
      long value = 0;
      if (opcode != GET) {
        highest = Math.max(highest, offset + bits - 1);
        value = Args.longArg(a[j + 3]);
      }
      ops.add(new FieldOp(opcode, offset, value, overflow, bits.intValue(), signed));
      j += opcode == GET ? 2 : 3;
    }
    return new Fields(ops, highest);
  }

  static byte[][] checkBitfield(byte[][] a, long now) throws CommandError {
    parseFields(a);
    return a;
  }

  static void bitfield(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    bitfield(a, ks, out, false);
  }

  static void bitfieldRo(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    bitfield(a, ks, out, true);
  }

  private static void bitfield(byte[][] a, Keyspace ks, RespOut out, boolean roCommand)
      throws CommandError {
    Fields f = parseFields(a);
    if (!f.readOnly() && roCommand) {
      throw new CommandError("ERR BITFIELD_RO only supports the GET subcommand");
    }
    byte[] r = stringRecord(ks, a[1]);
    byte[] s = r; // the record the operations work on, payload from H
    boolean changed = false;
    if (!f.readOnly()) {
      s = grownCopy(ks, r, (f.highest() >>> 3) + 1);
      changed = r == null || s.length != r.length; // created or grown: stored whatever happens
    }
    int length = s == null ? 0 : s.length - H;
    out.array(f.ops().size());
    for (FieldOp op : f.ops()) {
      if (op.opcode() == GET) {
        long v = getField(s, length, op.offset(), op.bits());
        out.integer(op.signed() ? signExtend(v, op.bits()) : v);
        continue;
      }
      long oldval = getField(s, length, op.offset(), op.bits());
      long newval;
      long reply;
      boolean overflow;
      if (op.signed()) {
        oldval = signExtend(oldval, op.bits());
        long[] limit = new long[1];
        if (op.opcode() == INCRBY) {
          overflow = signedOverflow(oldval, op.value(), op.bits(), op.overflow(), limit) != 0;
          newval = overflow ? limit[0] : oldval + op.value();
          reply = newval;
        } else {
          newval = op.value();
          overflow = signedOverflow(newval, 0, op.bits(), op.overflow(), limit) != 0;
          if (overflow) {
            newval = limit[0];
          }
          reply = oldval;
        }
      } else {
        long[] limit = new long[1];
        if (op.opcode() == INCRBY) {
          newval = oldval + op.value();
          overflow = unsignedOverflow(oldval, op.value(), op.bits(), op.overflow(), limit) != 0;
          if (overflow) {
            newval = limit[0];
          }
          reply = newval;
        } else {
          newval = op.value();
          overflow = unsignedOverflow(newval, 0, op.bits(), op.overflow(), limit) != 0;
          if (overflow) {
            newval = limit[0];
          }
          reply = oldval;
        }
      }
      if (overflow && op.overflow() == FAIL) {
        out.nil();
        continue;
      }
      out.integer(reply);
      setField(s, op.offset(), op.bits(), newval);
      changed |= oldval != newval;
    }
    if (changed) {
      ks.put(a[1], s);
    }
  }

  /** Redis's getUnsignedBitfield over a record's payload, bits past its end reading as 0. */
  private static long getField(byte[] s, int length, long offset, int bits) {
    long v = 0;
    for (int j = 0; j < bits; j++, offset++) {
      long index = offset >>> 3;
      int bit = s != null && index < length ? (s[H + (int) index] >> (7 - (int) (offset & 7))) & 1 : 0;
      v = (v << 1) | bit;
    }
    return v;
  }

  private static long signExtend(long v, int bits) {
    return bits < 64 && (v & (1L << (bits - 1))) != 0 ? v | (-1L << bits) : v;
  }

  /** Redis's setUnsignedBitfield: the low {@code bits} of value, most significant first. */
  private static void setField(byte[] s, long offset, int bits, long value) {
    for (int j = 0; j < bits; j++, offset++) {
      int bit = (int) ((value >>> (bits - 1 - j)) & 1);
      int index = H + (int) (offset >>> 3);
      int shift = 7 - (int) (offset & 7);
      s[index] = (byte) ((s[index] & ~(1 << shift)) | (bit << shift));
    }
  }

  /**
   * Redis's checkUnsignedBitfieldOverflow (value is a uint64 in a long): 1 on overflow, -1 on
   * underflow, 0 when it fits; limit[0] is the value to store for WRAP and SAT.
   */
  private static int unsignedOverflow(long value, long incr, int bits, int owtype, long[] limit) {
    long max = (1L << bits) - 1; // bits <= 63
    long maxincr = max - value;
    long minincr = -value;
    if (Long.compareUnsigned(value, max) > 0 || (incr > 0 && incr > maxincr)) {
      if (owtype == WRAP) {
        limit[0] = (value + incr) & ~(-1L << bits);
      } else if (owtype == SAT) {
        limit[0] = max;
      }
      return 1;
    } else if (incr < 0 && incr < minincr) {
      if (owtype == WRAP) {
        limit[0] = (value + incr) & ~(-1L << bits);
        return 1;
      } else if (owtype == SAT) {
        limit[0] = 0;
      }
      return -1;
    }
    return 0;
  }

  /** Redis's checkSignedBitfieldOverflow. */
  private static int signedOverflow(long value, long incr, int bits, int owtype, long[] limit) {
    long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
    long min = -max - 1;
    long maxincr = max - value; // may wrap: only used once value is known to be in range
    long minincr = min - value;
    if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
      if (owtype == WRAP) {
        limit[0] = signedWrap(value, incr, bits);
      } else if (owtype == SAT) {
        limit[0] = max;
      }
      return 1;
    } else if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr)) {
      if (owtype == WRAP) {
        limit[0] = signedWrap(value, incr, bits);
        return 1;
      } else if (owtype == SAT) {
        limit[0] = min;
      }
      return -1;
    }
    return 0;
  }

  private static long signedWrap(long value, long incr, int bits) {
    long c = value + incr;
    if (bits < 64) {
      long mask = -1L << bits;
      c = (c & (1L << (bits - 1))) != 0 ? c | mask : c & ~mask;
    }
    return c;
  }

  // LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]

  /**
   * Redis's lcsCommand, with the same table-size limit ({@code (len1+1)*(len2+1)} 4-byte cells
   * at most 512 MB, else an error) but a smaller table: Redis keeps every LCS length, this keeps
   * two bits per cell (whether the length grew from the cell to the left and from the cell above),
   * which is all the backtracking needs. So the transient memory is at most 32 MB, and none beyond
   * two rows for LEN. The backtracking is Redis's, so the same subsequence and ranges come out.
   */
  static void lcs(byte[][] a, Keyspace ks, RespOut out) throws CommandError {
    byte[] ra = ks.get(a[1]);
    byte[] rb = ks.get(a[2]);
    if ((ra != null && Record.type(ra) != Record.STRING)
        || (rb != null && Record.type(rb) != Record.STRING)) {
      throw new CommandError("ERR The specified keys must contain string values");
    }
    boolean getlen = false;
    boolean getidx = false;
    boolean withmatchlen = false;
    long minmatchlen = 0;
    for (int j = 3; j < a.length; j++) {
      byte[] opt = a[j];
      boolean more = a.length - 1 - j > 0;
      if (is(opt, "idx")) {
        getidx = true;
      } else if (is(opt, "len")) {
        getlen = true;
      } else if (is(opt, "withmatchlen")) {
        withmatchlen = true;
      } else if (is(opt, "minmatchlen") && more) {
        minmatchlen = Math.max(0, Args.longArg(a[j + 1]));
        j++;
      } else {
        throw new CommandError(CommandError.SYNTAX);
      }
    }
    if (getlen && getidx) {
      throw new CommandError("ERR If you want both the length and indexes, please just use IDX.");
    }
    byte[] sa = ra == null ? new byte[H] : ra;
    byte[] sb = rb == null ? new byte[H] : rb;
    int alen = sa.length - H;
    int blen = sb.length - H;
    if ((alen + 1L) * (blen + 1L) * 4 > Commands.MAX_STRING) {
      throw new CommandError(LCS_TOO_BIG);
    }
    boolean computelcs = getidx || !getlen;
    // cell (i, j), 1-based: bit 2c is LCS(i,j) - LCS(i,j-1), bit 2c+1 is LCS(i,j) - LCS(i-1,j)
    long[] steps = computelcs ? new long[(int) ((2L * alen * blen + 63) >>> 6)] : null;
    int[] prev = new int[blen + 1];
    int[] cur = new int[blen + 1];
    for (int i = 1; i <= alen; i++) {
      byte ai = sa[H + i - 1];
      long c = (long) (i - 1) * blen * 2;
      for (int j = 1; j <= blen; j++, c += 2) {
        int v = ai == sb[H + j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
        cur[j] = v;
        if (steps != null) {
          long bits = (long) (v - cur[j - 1]) | (long) (v - prev[j]) << 1;
          steps[(int) (c >>> 6)] |= bits << (c & 63);
        }
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    int total = prev[blen];
    if (!computelcs) {
      out.integer(total);
      return;
    }
    byte[] result = new byte[total];
    int idx = total;
    List<long[]> matches = new ArrayList<>();
    long arangeStart = alen; // alen: no range yet
    long arangeEnd = 0;
    long brangeStart = 0;
    long brangeEnd = 0;
    int i = alen;
    int j = blen;
    while (i > 0 && j > 0) {
      boolean emit = false;
      if (sa[H + i - 1] == sb[H + j - 1]) {
        result[idx - 1] = sa[H + i - 1];
        if (arangeStart == alen) {
          arangeStart = i - 1;
          arangeEnd = i - 1;
          brangeStart = j - 1;
          brangeEnd = j - 1;
        } else if (arangeStart == i && brangeStart == j) {
          arangeStart--;
          brangeStart--;
        } else {
          emit = true;
        }
        if (arangeStart == 0 || brangeStart == 0) {
          emit = true;
        }
        idx--;
        i--;
        j--;
      } else {
        long c = ((long) (i - 1) * blen + (j - 1)) * 2;
        long bits = steps[(int) (c >>> 6)] >>> (c & 63);
        boolean fromLeft = (bits & 1) != 0; // LCS(i,j-1) < LCS(i,j)
        boolean fromAbove = (bits & 2) != 0; // LCS(i-1,j) < LCS(i,j)
        if (fromLeft && !fromAbove) { // Redis: LCS(i-1,j) > LCS(i,j-1)
          i--;
        } else {
          j--;
        }
        if (arangeStart != alen) {
          emit = true;
        }
      }
      long matchLen = arangeEnd - arangeStart + 1;
      if (emit) {
        if (minmatchlen == 0 || matchLen >= minmatchlen) {
          matches.add(new long[] {arangeStart, arangeEnd, brangeStart, brangeEnd, matchLen});
        }
        arangeStart = alen;
      }
    }
    if (!getidx) {
      out.bulk(result);
      return;
    }
    out.array(4).bulk("matches").array(matches.size());
    for (long[] m : matches) {
      out.array(withmatchlen ? 3 : 2);
      out.array(2).integer(m[0]).integer(m[1]);
      out.array(2).integer(m[2]).integer(m[3]);
      if (withmatchlen) {
        out.integer(m[4]);
      }
    }
    out.bulk("len").integer(total);
  }
}

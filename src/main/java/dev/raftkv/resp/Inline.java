package dev.raftkv.resp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Splits an inline command line like Redis's sdssplitargs: spaces, "double" and 'single' quotes. */
final class Inline {
  private Inline() {}

  /** The arguments, or null when the quotes are unbalanced. */
  static byte[][] split(String line) {
    byte[] s = line.getBytes(StandardCharsets.ISO_8859_1);
    List<byte[]> args = new ArrayList<>();
    int i = 0;
    while (true) {
      while (i < s.length && Character.isWhitespace(s[i])) {
        i++;
      }
      if (i >= s.length) {
        return args.toArray(new byte[0][]);
      }
      ByteArrayOutputStream cur = new ByteArrayOutputStream();
      boolean inDq = false;
      boolean inSq = false;
      while (true) {
        if (inDq) {
          if (i >= s.length) {
            return null;
          }
          if (s[i] == '\\' && i + 3 < s.length && s[i + 1] == 'x' && isHex(s[i + 2]) && isHex(s[i + 3])) {
            cur.write(Integer.parseInt(new String(s, i + 2, 2, StandardCharsets.ISO_8859_1), 16));
            i += 3;
          } else if (s[i] == '\\' && i + 1 < s.length) {
            i++;
            cur.write(switch (s[i]) {
              case 'n' -> '\n';
              case 'r' -> '\r';
              case 't' -> '\t';
              case 'b' -> '\b';
              case 'a' -> 7;
              default -> s[i];
            });
          } else if (s[i] == '"') {
            if (i + 1 < s.length && !Character.isWhitespace(s[i + 1])) {
              return null;
            }
            inDq = false;
            i++;
            break;
          } else {
            cur.write(s[i]);
          }
        } else if (inSq) {
          if (i >= s.length) {
            return null;
          }
          if (s[i] == '\\' && i + 1 < s.length && s[i + 1] == '\'') {
            i++;
            cur.write('\'');
          } else if (s[i] == '\'') {
            if (i + 1 < s.length && !Character.isWhitespace(s[i + 1])) {
              return null;
            }
            inSq = false;
            i++;
            break;
          } else {
            cur.write(s[i]);
          }
        } else {
          if (i >= s.length || Character.isWhitespace(s[i])) {
            break;
          } else if (s[i] == '"') {
            inDq = true;
          } else if (s[i] == '\'') {
            inSq = true;
          } else {
            cur.write(s[i]);
          }
        }
        i++;
      }
      args.add(cur.toByteArray());
    }
  }

  private static boolean isHex(byte b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
  }
}

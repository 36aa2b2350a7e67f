package dev.ecomlake.stream;

/** Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
final class Utf8 {
  private Utf8() {}

  static boolean isValid(byte[] in) {
    int i = 0;
    int n = in.length;
    while (i < n) {
      int b = in[i];
      if (b >= 0) {
        i++;
        continue;
      }
      b &= 0xff;
      int need;
      int min;
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        min = 0x80;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        min = 0x800;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        min = 0x10000;
      } else {
        return false;
      }
      if (i + need > n - 1) {
        return false;
      }
      int cp = b & (0x3f >> need);
      for (int k = 1; k <= need; k++) {
        int c = in[i + k] & 0xff;
        if ((c & 0xc0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return false;
      }
      i += need + 1;
    }
    return true;
  }

  /** Decode the (valid) sequence at {@code at} into {@code out}; returns the next index. */
  static int appendCodePoint(byte[] in, int at, StringBuilder out) {
    int b = in[at] & 0xff;
    int need = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
    int cp = b & (0x3f >> need);
    for (int k = 1; k <= need; k++) {
      cp = (cp << 6) | (in[at + k] & 0x3f);
    }
    out.appendCodePoint(cp);
    return at + need + 1;
  }
}

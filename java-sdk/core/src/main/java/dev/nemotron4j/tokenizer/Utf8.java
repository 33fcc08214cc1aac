package dev.nemotron4j.tokenizer;

import java.util.Arrays;

/** UTF-8 helpers with SentencePiece's semantics, and a growable byte buffer. */
final class Utf8 {
  /** U+FFFD REPLACEMENT CHARACTER. */
  static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};
  /** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's whitespace symbol. */
  static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};

  private Utf8() {}

  /**
   * The length of a character from its lead byte alone (no validation): 1 for ASCII and stray
   * continuation bytes, 2, 3 or 4 for lead bytes 0xC0-0xDF, 0xE0-0xEF, 0xF0-0xFF.
   */
  static int oneCharLen(byte lead) {
    int b = lead & 0xFF;
    return b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  }

  private static boolean isTrail(byte b) {
    return (b & 0xC0) == 0x80;
  }

  private static boolean isValidCodepoint(int c) {
    return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
  }

  /**
   * The byte length of the well-formed character at {@code s[pos]} (shortest form, no surrogates,
   * at most U+10FFFF, within {@code end}), or 0 if it is malformed.
   */
  static int validCharLen(byte[] s, int pos, int end) {
    int b0 = s[pos] & 0xFF;
    int len = end - pos;
    if (b0 < 0x80) {
      return 1;
    }
    if ((b0 & 0xE0) == 0xC0) {
      if (len >= 2 && isTrail(s[pos + 1])) {
        int cp = (b0 & 0x1F) << 6 | (s[pos + 1] & 0x3F);
        return cp >= 0x80 ? 2 : 0;
      }
      return 0;
    }
    if ((b0 & 0xF0) == 0xE0) {
      if (len >= 3 && isTrail(s[pos + 1]) && isTrail(s[pos + 2])) {
        int cp = (b0 & 0x0F) << 12 | (s[pos + 1] & 0x3F) << 6 | (s[pos + 2] & 0x3F);
        return cp >= 0x800 && isValidCodepoint(cp) ? 3 : 0;
      }
      return 0;
    }
    if ((b0 & 0xF8) == 0xF0) {
      if (len >= 4 && isTrail(s[pos + 1]) && isTrail(s[pos + 2]) && isTrail(s[pos + 3])) {
        int cp = (b0 & 0x07) << 18 | (s[pos + 1] & 0x3F) << 12 | (s[pos + 2] & 0x3F) << 6 | (s[pos + 3] & 0x3F);
        return cp >= 0x10000 && isValidCodepoint(cp) ? 4 : 0;
      }
      return 0;
    }
    return 0;
  }

  /** UTF-8 of {@code text}; an unpaired surrogate becomes U+FFFD. */
  static Buf encode(CharSequence text) {
    int n = text.length();
    Buf out = new Buf(n + 16);
    byte[] a = out.ensure(3 * n);
    int p = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        a[p++] = (byte) c;
      } else if (c < 0x800) {
        a[p++] = (byte) (0xC0 | c >> 6);
        a[p++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        char d;
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(d = text.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, d);
          i++;
          a[p++] = (byte) (0xF0 | cp >> 18);
          a[p++] = (byte) (0x80 | (cp >> 12 & 0x3F));
          a[p++] = (byte) (0x80 | (cp >> 6 & 0x3F));
          a[p++] = (byte) (0x80 | (cp & 0x3F));
        } else {
          a[p++] = REPLACEMENT[0];
          a[p++] = REPLACEMENT[1];
          a[p++] = REPLACEMENT[2];
        }
      } else {
        a[p++] = (byte) (0xE0 | c >> 12);
        a[p++] = (byte) (0x80 | (c >> 6 & 0x3F));
        a[p++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    out.len = p;
    return out;
  }

  /** A growable byte array: {@code bytes[0, len)}. */
  static final class Buf {
    byte[] bytes;
    int len;

    Buf(int capacity) {
      bytes = new byte[Math.max(16, capacity)];
    }

    /** Makes room for {@code extra} more bytes; returns the (possibly new) array. */
    byte[] ensure(int extra) {
      if (bytes.length - len < extra) {
        long want = Math.max((long) bytes.length * 2, (long) len + extra);
        if (want > Integer.MAX_VALUE - 16) {
          throw new IllegalArgumentException("text too long: " + want + " bytes");
        }
        bytes = Arrays.copyOf(bytes, (int) want);
      }
      return bytes;
    }

    void add(byte b) {
      if (len == bytes.length) {
        ensure(1);
      }
      bytes[len++] = b;
    }

    void add(byte[] src, int off, int n) {
      ensure(n);
      System.arraycopy(src, off, bytes, len, n);
      len += n;
    }

    void add(byte[] src) {
      add(src, 0, src.length);
    }

    boolean endsWith(byte[] suffix) {
      if (len < suffix.length) {
        return false;
      }
      return Arrays.equals(bytes, len - suffix.length, len, suffix, 0, suffix.length);
    }

    byte[] toArray() {
      return Arrays.copyOf(bytes, len);
    }
  }
}

package dev.nemotron4j.tokenizer;

/**
 * SentencePiece's normalizer over UTF-8 bytes: at each position a user-defined symbol passes
 * through whole; otherwise the longest key of the precompiled character map (if any) is replaced;
 * otherwise one character is copied (a malformed byte becomes U+FFFD). Around that: leading,
 * trailing and repeated spaces are removed when remove_extra_whitespaces, a space is added in front
 * (or at the end when treat_whitespace_as_suffix) when add_dummy_prefix, and spaces become U+2581
 * when escape_whitespaces.
 */
final class Normalizer {
  /** One normalized unit: the replacement {@code arr[off, off + len)} for {@code consumed} input bytes. */
  static final class Piece {
    byte[] arr;
    int off;
    int len;
    int consumed;

    void set(byte[] arr, int off, int len, int consumed) {
      this.arr = arr;
      this.off = off;
      this.len = len;
      this.consumed = consumed;
    }
  }

  private final CharsMap charsMap; // null: identity
  private final PrefixMatcher matcher; // null: none
  private final boolean addDummyPrefix;
  private final boolean removeExtraWhitespaces;
  private final boolean escapeWhitespaces;
  private final boolean treatWhitespaceAsSuffix;

  Normalizer(ModelProto.NormalizerSpec spec, boolean treatWhitespaceAsSuffix, PrefixMatcher matcher) {
    this.charsMap = spec.precompiledCharsmap.length == 0 ? null : new CharsMap(spec.precompiledCharsmap);
    this.matcher = matcher;
    this.addDummyPrefix = spec.addDummyPrefix;
    this.removeExtraWhitespaces = spec.removeExtraWhitespaces;
    this.escapeWhitespaces = spec.escapeWhitespaces;
    this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
  }

  private void prefix(byte[] s, int pos, int end, Piece m) {
    if (matcher != null) {
      int len = matcher.match(s, pos, end);
      if (len > 0) {
        m.set(s, pos, len, len);
        return;
      }
    }
    if (charsMap != null && charsMap.longestMatch(s, pos, end, m)) {
      return;
    }
    int len = Utf8.validCharLen(s, pos, end);
    if (len == 0) {
      m.set(Utf8.REPLACEMENT, 0, 3, 1);
    } else {
      m.set(s, pos, len, len);
    }
  }

  private static boolean isSingleSpace(Piece m) {
    return m.len == 1 && m.arr[m.off] == ' ';
  }

  private void addSpace(Utf8.Buf out) {
    if (escapeWhitespaces) {
      out.add(Utf8.SPACE_SYMBOL);
    } else {
      out.add((byte) ' ');
    }
  }

  /**
   * Normalizes {@code s[0, n)}. With {@code segment} the text is taken as a piece of a longer text:
   * no dummy prefix is added and leading and trailing whitespace are kept (runs inside are still
   * collapsed when remove_extra_whitespaces).
   */
  Utf8.Buf normalize(byte[] s, int n, boolean segment) {
    Utf8.Buf out = new Utf8.Buf(n + n / 2 + 8);
    if (n == 0) {
      return out;
    }
    Piece m = new Piece();
    int pos = 0;
    boolean strip = removeExtraWhitespaces && !segment;
    if (strip) {
      while (pos < n) {
        prefix(s, pos, n, m);
        if (!isSingleSpace(m)) {
          break;
        }
        pos += m.consumed;
      }
      if (pos >= n) {
        return out;
      }
    }
    boolean dummy = addDummyPrefix && !segment;
    if (dummy && !treatWhitespaceAsSuffix) {
      addSpace(out);
    }
    boolean prevSpace = strip;
    while (pos < n) {
      prefix(s, pos, n, m);
      byte[] a = m.arr;
      int off = m.off;
      int stop = m.off + m.len;
      if (prevSpace) {
        while (off < stop && a[off] == ' ') {
          off++;
        }
      }
      if (off < stop) {
        if (escapeWhitespaces) {
          byte[] o = out.ensure(3 * (stop - off));
          int p = out.len;
          for (int i = off; i < stop; i++) {
            byte b = a[i];
            if (b == ' ') {
              o[p++] = Utf8.SPACE_SYMBOL[0];
              o[p++] = Utf8.SPACE_SYMBOL[1];
              o[p++] = Utf8.SPACE_SYMBOL[2];
            } else {
              o[p++] = b;
            }
          }
          out.len = p;
        } else {
          out.add(a, off, stop - off);
        }
        prevSpace = a[stop - 1] == ' ';
      }
      pos += m.consumed;
      if (!removeExtraWhitespaces) {
        prevSpace = false;
      }
    }
    if (strip) {
      byte[] space = escapeWhitespaces ? Utf8.SPACE_SYMBOL : new byte[] {' '};
      while (out.endsWith(space)) {
        out.len -= space.length;
      }
    }
    if (dummy && treatWhitespaceAsSuffix) {
      addSpace(out);
    }
    return out;
  }
}

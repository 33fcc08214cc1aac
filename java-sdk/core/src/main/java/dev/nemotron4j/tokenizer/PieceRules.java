package dev.nemotron4j.tokenizer;

import java.util.Set;

/**
 * Which strings BPE training may learn as pieces, with SentencePiece's default splitting rules
 * (split by whitespace, by Unicode script and by number; no whitespace-only pieces): at most
 * {@code maxLength} characters; {@code '▁'} (U+2581) only as the first character; no two
 * characters of different scripts, where Hiragana, Katakana and U+30FC count as Han, a combining
 * (Inherited) character takes the script of the one before it and {@code '▁'} has none; with
 * {@code splitDigits} no decimal digit (0-9, U+FF10-U+FF19) in a piece of more than one character;
 * and none of the reserved pieces (special, user-defined and byte pieces).
 */
final class PieceRules {
  static final int SPACE = 0x2581;

  private final int maxLength;
  private final boolean splitDigits;
  private final Set<String> reserved;

  PieceRules(int maxLength, boolean splitDigits, Set<String> reserved) {
    this.maxLength = maxLength;
    this.splitDigits = splitDigits;
    this.reserved = Set.copyOf(reserved);
  }

  /** Whether the concatenation of {@code left} and {@code right} (code points) is a valid piece. */
  boolean isValidPair(int[] left, int[] right) {
    int n = left.length + right.length;
    if (n > maxLength) {
      return false;
    }
    int[] cps = new int[n];
    System.arraycopy(left, 0, cps, 0, left.length);
    System.arraycopy(right, 0, cps, left.length, right.length);
    return isValid(cps);
  }

  /** Whether {@code cps} (code points) is a valid piece. */
  boolean isValid(int[] cps) {
    int n = cps.length;
    if (n == 0 || n > maxLength) {
      return false;
    }
    Character.UnicodeScript prev = null; // null: none yet
    for (int i = 0; i < n; i++) {
      int c = cps[i];
      if (c == 0 || c == ' ' || !isValidCodePoint(c)) {
        return false;
      }
      if (c == SPACE) {
        if (i > 0) {
          return false;
        }
        continue;
      }
      if (splitDigits && n > 1 && isDecimalDigit(c)) {
        return false;
      }
      Character.UnicodeScript s = script(c);
      if (s == Character.UnicodeScript.INHERITED) {
        s = prev;
      }
      if (s != null && prev != null && s != prev) {
        return false;
      }
      prev = s;
    }
    return !reserved.contains(new String(cps, 0, n));
  }

  static boolean isDecimalDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19);
  }

  private static boolean isValidCodePoint(int c) {
    return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
  }

  private static Character.UnicodeScript script(int c) {
    if (c == 0x30FC) {
      return Character.UnicodeScript.HAN;
    }
    Character.UnicodeScript s = Character.UnicodeScript.of(c);
    return s == Character.UnicodeScript.HIRAGANA || s == Character.UnicodeScript.KATAKANA
        ? Character.UnicodeScript.HAN
        : s;
  }
}

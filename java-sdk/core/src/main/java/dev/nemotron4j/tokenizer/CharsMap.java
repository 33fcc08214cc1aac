package dev.nemotron4j.tokenizer;

/**
 * A SentencePiece precompiled character map (NormalizerSpec.precompiled_charsmap): a little-endian
 * uint32 trie size, a darts-clone double-array trie of that many bytes whose keys are UTF-8 source
 * sequences, then a pool of NUL-terminated replacement strings; a key's value is the offset of its
 * replacement in the pool.
 *
 * <p>Double-array units are uint32: bit 8 has_leaf, bits 0-7 (and the MSB, set on leaf units) the
 * label, bits 10-31 the offset to the children (shifted left by 8 more when bit 9 is set), and on a
 * leaf unit bits 0-30 the value. A search starts at unit 0, moves to {@code id ^ offset ^ byte} for
 * each input byte and stops at the first unit whose label differs from the byte; each unit on the
 * way that has a leaf marks a match whose value is in the leaf unit {@code id ^ offset}.
 */
final class CharsMap {
  private final int[] units;
  private final byte[] pool;

  CharsMap(byte[] blob) {
    if (blob.length <= 4) {
      throw new IllegalArgumentException("malformed SentencePiece model: precompiled_charsmap of " + blob.length
          + " bytes is too short (expected a 4-byte trie size, the trie and the string pool)");
    }
    long trieSize = (blob[0] & 0xFFL) | (blob[1] & 0xFFL) << 8 | (blob[2] & 0xFFL) << 16 | (blob[3] & 0xFFL) << 24;
    if (trieSize < 4 || trieSize > blob.length - 4) {
      throw new IllegalArgumentException("malformed SentencePiece model: precompiled_charsmap trie size " + trieSize
          + " does not fit its blob of " + blob.length + " bytes (expected 4 <= size <= " + (blob.length - 4) + ")");
    }
    int n = (int) (trieSize / 4);
    units = new int[n];
    for (int i = 0; i < n; i++) {
      int p = 4 + 4 * i;
      units[i] = (blob[p] & 0xFF) | (blob[p + 1] & 0xFF) << 8 | (blob[p + 2] & 0xFF) << 16 | (blob[p + 3] & 0xFF) << 24;
    }
    int poolStart = 4 + (int) trieSize;
    pool = new byte[blob.length - poolStart];
    System.arraycopy(blob, poolStart, pool, 0, pool.length);
  }

  private static boolean hasLeaf(int unit) {
    return ((unit >>> 8) & 1) == 1;
  }

  private static int value(int unit) {
    return unit & 0x7FFFFFFF;
  }

  private static int label(int unit) {
    return unit & 0x800000FF;
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }

  /**
   * The longest key that is a prefix of {@code s[pos, end)}: sets {@code m} to its replacement and
   * returns true, or returns false if no key matches.
   */
  boolean longestMatch(byte[] s, int pos, int end, Normalizer.Piece m) {
    int[] u = units;
    int id = offset(u[0]);
    int bestLen = 0;
    int bestValue = 0;
    for (int i = pos; i < end; i++) {
      int b = s[i] & 0xFF;
      id ^= b;
      if (id >= u.length) {
        break;
      }
      int unit = u[id];
      if (label(unit) != b) {
        break;
      }
      id ^= offset(unit);
      if (hasLeaf(unit)) {
        if (id >= u.length) {
          break;
        }
        bestLen = i + 1 - pos;
        bestValue = value(u[id]);
      }
    }
    if (bestLen == 0) {
      return false;
    }
    if (bestValue >= pool.length) {
      throw new IllegalArgumentException("malformed SentencePiece model: precompiled_charsmap value " + bestValue
          + " lies outside its string pool of " + pool.length + " bytes");
    }
    int stop = bestValue;
    while (stop < pool.length && pool[stop] != 0) {
      stop++;
    }
    m.set(pool, bestValue, stop - bestValue, bestLen);
    return true;
  }
}

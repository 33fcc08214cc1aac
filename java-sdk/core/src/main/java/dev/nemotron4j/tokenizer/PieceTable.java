package dev.nemotron4j.tokenizer;

import java.util.Arrays;

/** An open-addressing hash map from piece bytes to ids that looks up byte ranges without allocating. */
final class PieceTable {
  private final byte[][] pieces; // by id
  private final int[] slots; // id + 1, 0 = empty
  private final int mask;
  private int maxLen;

  /** A table able to hold up to {@code capacity} pieces out of {@code pieces} (indexed by id). */
  PieceTable(byte[][] pieces, int capacity) {
    this.pieces = pieces;
    int size = Integer.highestOneBit(Math.max(4, capacity) * 2 - 1) * 2;
    slots = new int[size];
    mask = size - 1;
  }

  static int hash(byte[] s, int off, int len) {
    int h = 0x811C9DC5;
    for (int i = off, e = off + len; i < e; i++) {
      h = (h ^ (s[i] & 0xFF)) * 0x01000193;
    }
    return h ^ (h >>> 15);
  }

  /** Adds piece {@code id}; returns -1, or the id that already holds the same bytes. */
  int put(int id) {
    byte[] p = pieces[id];
    int i = hash(p, 0, p.length) & mask;
    while (slots[i] != 0) {
      int other = slots[i] - 1;
      if (Arrays.equals(pieces[other], p)) {
        return other;
      }
      i = (i + 1) & mask;
    }
    slots[i] = id + 1;
    maxLen = Math.max(maxLen, p.length);
    return -1;
  }

  /** The id of the piece equal to {@code s[off, off + len)}, or -1. */
  int get(byte[] s, int off, int len) {
    if (len > maxLen) {
      return -1;
    }
    int i = hash(s, off, len) & mask;
    while (true) {
      int slot = slots[i];
      if (slot == 0) {
        return -1;
      }
      byte[] p = pieces[slot - 1];
      if (p.length == len && Arrays.equals(p, 0, len, s, off, off + len)) {
        return slot - 1;
      }
      i = (i + 1) & mask;
    }
  }
}

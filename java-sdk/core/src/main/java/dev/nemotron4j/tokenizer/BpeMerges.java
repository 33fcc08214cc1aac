package dev.nemotron4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The merge loop of BPE training over a multiset of words (each a sequence of character symbols
 * with a frequency): repeatedly the adjacent pair of symbols with the highest frequency (counted
 * over the words' adjacent positions, weighted by word frequency) is chosen, ties going to the shorter
 * piece and then to the smaller one in code-point order, and every occurrence of it is replaced,
 * left to right, by the concatenated symbol. As in SentencePiece, overlapping occurrences of a pair
 * of equal symbols count once ({@code "aaa"} holds one {@code "aa"}). Pairs whose concatenation is not a valid piece (see
 * {@link PieceRules}) are never counted; a character outside the alphabet ({@link #UNK}) pairs with
 * nothing.
 *
 * <p>Counts are kept incrementally: each pair knows the words it occurs in, a merge rewrites only
 * those words and adjusts the counts of the pairs around the merged positions. A heap holds
 * candidate pairs; an entry's count is never below the pair's current count (a pair is pushed again
 * when its count grows, and an entry found above the current count is pushed back with it), so the
 * first entry popped whose count is current is the best pair.
 *
 * <p>When a chosen pair's concatenation already is a symbol (the same string reached by another
 * split, e.g. {@code "a"+"aa"} after {@code "aa"+"a"}), its occurrences are merged into that symbol
 * and no new piece is learned: the encoder merges any split of a piece, so training does too.
 */
final class BpeMerges {
  /** The symbol of a character outside the alphabet. */
  static final int UNK = -1;

  private final PieceRules rules;
  private final int[][] words;
  private final int[] lengths;
  private final long[] freqs;
  private final int[] wordStamp;

  private String[] text;
  private int[][] chars;
  private int symbols;
  private final Map<String, Integer> symbolOf = new HashMap<>();

  private final PairMap pairs = new PairMap();
  private final PriorityQueue<Entry> heap = new PriorityQueue<>(BpeMerges::compare);
  private final List<Pair> touched = new ArrayList<>();
  private int stamp;

  /** A candidate merge and its bookkeeping. */
  static final class Pair {
    final int left;
    final int right;
    final String text;
    final int length; // in characters
    final boolean valid;
    long count;
    int[] words = new int[2];
    int wordCount;
    int touchStamp = -1;
    long countBefore;
    Entry live; // the heap entry whose count is kept at or above the current count

    Pair(int left, int right, String text, int length, boolean valid) {
      this.left = left;
      this.right = right;
      this.text = text;
      this.length = length;
      this.valid = valid;
    }

    void addWord(int w) {
      if (wordCount > 0 && words[wordCount - 1] == w) {
        return;
      }
      if (wordCount == words.length) {
        words = Arrays.copyOf(words, wordCount * 2);
      }
      words[wordCount++] = w;
    }
  }

  record Entry(long count, Pair pair) {}

  /** Higher count first, then the shorter piece, then code-point order, then the smaller left symbol. */
  private static int compare(Entry a, Entry b) {
    int c = Long.compare(b.count, a.count);
    if (c != 0) {
      return c;
    }
    Pair p = a.pair;
    Pair q = b.pair;
    c = Integer.compare(p.length, q.length);
    if (c != 0) {
      return c;
    }
    c = compareCodePoints(p.text, q.text);
    return c != 0 ? c : Integer.compare(p.left, q.left);
  }

  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  /**
   * @param alphabet the characters (code points) of symbols {@code 0 .. alphabet.length - 1}
   * @param words each word as symbols ({@link #UNK} for characters outside the alphabet); rewritten in place
   * @param freqs the frequency of each word
   */
  BpeMerges(int[] alphabet, int[][] words, long[] freqs, PieceRules rules) {
    this.rules = rules;
    this.words = words;
    this.freqs = freqs;
    this.lengths = new int[words.length];
    this.wordStamp = new int[words.length];
    int cap = Math.max(16, alphabet.length * 2);
    text = new String[cap];
    chars = new int[cap][];
    for (int cp : alphabet) {
      addSymbol(new int[] {cp});
    }
    stamp = 0;
    for (int w = 0; w < words.length; w++) {
      int[] s = words[w];
      lengths[w] = s.length;
      countPairs(s, 0, s.length, freqs[w], w, -1);
    }
    for (Pair p : touched) {
      if (p.count > 0) {
        push(p);
      }
    }
    touched.clear();
  }

  private int addSymbol(int[] cps) {
    if (symbols == text.length) {
      text = Arrays.copyOf(text, symbols * 2);
      chars = Arrays.copyOf(chars, symbols * 2);
    }
    String t = new String(cps, 0, cps.length);
    text[symbols] = t;
    chars[symbols] = cps;
    symbolOf.put(t, symbols);
    return symbols++;
  }

  /**
   * Runs merges until {@code target} new pieces are learned or no pair is left; returns the new
   * pieces in the order learned (fewer than {@code target} if the words ran out of pairs).
   */
  List<String> learn(int target) {
    List<String> learned = new ArrayList<>(target);
    while (learned.size() < target) {
      Pair best = popBest();
      if (best == null) {
        break;
      }
      Integer existing = symbolOf.get(best.text);
      int merged;
      if (existing != null) {
        merged = existing;
      } else {
        int[] l = chars[best.left];
        int[] r = chars[best.right];
        int[] cps = Arrays.copyOf(l, l.length + r.length);
        System.arraycopy(r, 0, cps, l.length, r.length);
        merged = addSymbol(cps);
        learned.add(best.text);
      }
      merge(best, merged);
    }
    return learned;
  }

  private void push(Pair p) {
    Entry e = new Entry(p.count, p);
    p.live = e;
    heap.add(e);
  }

  private Pair popBest() {
    while (!heap.isEmpty()) {
      Entry e = heap.poll();
      Pair p = e.pair;
      if (e.count == p.count) {
        return p;
      }
      if (p.live == e) {
        // The count fell since this entry was pushed: queue it again with the current count.
        p.live = null;
        if (p.count > 0) {
          push(p);
        }
      }
    }
    return null;
  }

  /** Replaces the occurrences of {@code best} by {@code merged} in every word that has one. */
  private void merge(Pair best, int merged) {
    stamp++;
    int a = best.left;
    int b = best.right;
    int[] ws = best.words;
    int nw = best.wordCount;
    for (int k = 0; k < nw; k++) {
      int w = ws[k];
      if (wordStamp[w] == stamp) {
        continue;
      }
      wordStamp[w] = stamp;
      int[] s = words[w];
      int n = lengths[w];
      int first = -1;
      for (int i = 0; i + 1 < n; i++) {
        if (s[i] == a && s[i + 1] == b) {
          first = i;
          break;
        }
      }
      if (first < 0) {
        continue; // the word lost this pair to an earlier merge
      }
      long f = freqs[w];
      // Recount from the start of the run of equal symbols before the first change (see countPairs).
      int from = Math.max(0, first - 1);
      while (from > 0 && s[from - 1] == s[from]) {
        from--;
      }
      countPairs(s, from, n, -f, -1, -1);
      int j = first;
      for (int i = first; i < n; ) {
        if (i + 1 < n && s[i] == a && s[i + 1] == b) {
          s[j++] = merged;
          i += 2;
        } else {
          s[j++] = s[i++];
        }
      }
      lengths[w] = j;
      countPairs(s, from, j, f, w, merged);
    }
    for (Pair p : touched) {
      if (p.count > p.countBefore && p.valid) {
        push(p);
      }
    }
    touched.clear();
  }

  /**
   * Adds {@code delta} for each occurrence of each pair in {@code s[from, to)}, which starts a run of
   * equal symbols; records word {@code w} for the pairs that hold {@code symbol} (for all pairs when
   * {@code symbol} is -1), unless {@code w} is -1. As SentencePiece counts, overlapping occurrences of
   * a pair of equal symbols count once: a run of k equal symbols holds k / 2 (rounded down) of its
   * pair, as many as merging it replaces. A run start makes the count of a range that of the word.
   */
  private void countPairs(int[] s, int from, int to, long delta, int w, int symbol) {
    boolean chained = false; // the pair before was counted and was of equal symbols
    for (int i = from; i + 1 < to; i++) {
      int l = s[i];
      int r = s[i + 1];
      if (l == r) {
        if (chained) {
          chained = false;
          continue;
        }
        chained = true;
      } else {
        chained = false;
      }
      addCount(l, r, delta, w >= 0 && (symbol < 0 || l == symbol || r == symbol) ? w : -1);
    }
  }

  /** Adds {@code delta} to the count of the pair {@code (l, r)}; records word {@code w} for it unless -1. */
  private void addCount(int l, int r, long delta, int w) {
    if (l == UNK || r == UNK) {
      return;
    }
    Pair p = pairs.get(l, r);
    if (p == null) {
      int[] x = chars[l];
      int[] y = chars[r];
      boolean valid = rules.isValidPair(x, y);
      String t = valid ? text[l] + text[r] : null;
      p = new Pair(l, r, t, x.length + y.length, valid);
      pairs.put(l, r, p);
    }
    if (!p.valid) {
      return;
    }
    if (p.touchStamp != stamp) {
      p.touchStamp = stamp;
      p.countBefore = p.count;
      touched.add(p);
    }
    p.count += delta;
    if (w >= 0) {
      p.addWord(w);
    }
  }

  /** An open-addressing map from a pair of symbol ids to its {@link Pair}. */
  private static final class PairMap {
    private long[] keys = new long[1 << 12];
    private Pair[] values = new Pair[1 << 12];
    private int size;

    private static long key(int l, int r) {
      return (long) l << 32 | (r & 0xFFFFFFFFL);
    }

    private static int slot(long k, int mask) {
      long h = k * 0x9E3779B97F4A7C15L;
      return (int) (h >>> 40) & mask;
    }

    Pair get(int l, int r) {
      long k = key(l, r);
      int mask = keys.length - 1;
      for (int i = slot(k, mask); ; i = (i + 1) & mask) {
        Pair v = values[i];
        if (v == null) {
          return null;
        }
        if (keys[i] == k) {
          return v;
        }
      }
    }

    void put(int l, int r, Pair p) {
      if (2 * (size + 1) > keys.length) {
        grow();
      }
      insert(key(l, r), p);
      size++;
    }

    private void insert(long k, Pair p) {
      int mask = keys.length - 1;
      int i = slot(k, mask);
      while (values[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = k;
      values[i] = p;
    }

    private void grow() {
      long[] oldKeys = keys;
      Pair[] oldValues = values;
      keys = new long[oldKeys.length * 2];
      values = new Pair[oldKeys.length * 2];
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldValues[i] != null) {
          insert(oldKeys[i], oldValues[i]);
        }
      }
    }
  }
}

package dev.nemotron4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * SentencePiece's BPE segmentation of a normalized text: the text is split into characters (a
 * user-defined symbol is one frozen symbol), then the adjacent pair whose concatenation is the
 * vocabulary piece with the highest score is merged, the leftmost first on ties, until no pair is a
 * piece. A priority queue of candidate pairs keeps this O(n log n): a merge invalidates the queued
 * pairs of the two merged symbols (detected when popped, by their changed lengths) and queues the
 * two new neighbour pairs. Merged pieces of type UNUSED are split back into the pair they came from.
 */
final class BpeEncoder {
  private final PieceTable normal;
  private final PieceTable reserved;
  private final float[] scores;
  private final PieceType[] types;
  private final PrefixMatcher matcher;
  private final int unkId;
  /**
   * Whether the text may be cut before every {@code '▁'} and each part merged on its own: exact when
   * no mergeable piece has {@code '▁'} after its start (then no merge crosses such a cut) and no
   * piece is UNUSED (whose split-back depends on the global order of merges). It keeps the queue
   * small and the work cache-friendly on long texts.
   */
  private final boolean chunkAtSpaces;

  BpeEncoder(byte[][] pieces, PieceTable normal, PieceTable reserved, float[] scores, PieceType[] types,
      PrefixMatcher matcher, int unkId) {
    this.normal = normal;
    this.reserved = reserved;
    this.scores = scores;
    this.types = types;
    this.matcher = matcher;
    this.unkId = unkId;
    boolean chunk = true;
    for (int id = 0; id < pieces.length && chunk; id++) {
      PieceType t = types[id];
      if (t == PieceType.UNUSED) {
        chunk = false;
      } else if (t == PieceType.NORMAL || t == PieceType.USER_DEFINED) {
        byte[] p = pieces[id];
        for (int i = 1; i + 2 < p.length; i++) {
          if (startsWithSpaceSymbol(p, i, p.length)) {
            chunk = false;
            break;
          }
        }
      }
    }
    this.chunkAtSpaces = chunk;
  }

  /** For tests: the same encoder with cutting at spaces off. */
  private BpeEncoder(BpeEncoder other) {
    this.normal = other.normal;
    this.reserved = other.reserved;
    this.scores = other.scores;
    this.types = other.types;
    this.matcher = other.matcher;
    this.unkId = other.unkId;
    this.chunkAtSpaces = false;
  }

  BpeEncoder withoutChunking() {
    return new BpeEncoder(this);
  }

  boolean chunksAtSpaces() {
    return chunkAtSpaces;
  }

  /** A list of pieces, each an id and the range {@code [start, start + len)} of the text it covers. */
  static final class Pieces {
    int[] id = new int[16];
    int[] start = new int[16];
    int[] len = new int[16];
    int count;

    void add(int pieceId, int s, int l) {
      if (count == id.length) {
        int n = count * 2;
        id = Arrays.copyOf(id, n);
        start = Arrays.copyOf(start, n);
        len = Arrays.copyOf(len, n);
      }
      id[count] = pieceId;
      start[count] = s;
      len[count] = l;
      count++;
    }
  }

  /** The id SentencePiece's PieceToId gives {@code s[off, off + len)}: reserved pieces first, then the rest, else unk. */
  int pieceToId(byte[] s, int off, int len) {
    int id = reserved.get(s, off, len);
    if (id >= 0) {
      return id;
    }
    id = normal.get(s, off, len);
    return id >= 0 ? id : unkId;
  }

  /** Candidate merges: a binary heap of entry indices, best first. */
  private static final class Agenda {
    float[] score;
    int[] left;
    int[] right;
    int[] size;
    int entries;
    int[] heap;
    int n;

    Agenda(int capacity) {
      int c = Math.max(16, capacity);
      score = new float[c];
      left = new int[c];
      right = new int[c];
      size = new int[c];
      heap = new int[c];
    }

    /** Entry {@code a} comes before {@code b}: higher score, then smaller left index. */
    private boolean before(int a, int b) {
      float sa = score[a];
      float sb = score[b];
      return sa > sb || (sa == sb && left[a] < left[b]);
    }

    void push(float s, int l, int r, int z) {
      if (entries == score.length) {
        int c = entries * 2;
        score = Arrays.copyOf(score, c);
        left = Arrays.copyOf(left, c);
        right = Arrays.copyOf(right, c);
        size = Arrays.copyOf(size, c);
      }
      int e = entries++;
      score[e] = s;
      left[e] = l;
      right[e] = r;
      size[e] = z;
      if (n == heap.length) {
        heap = Arrays.copyOf(heap, n * 2);
      }
      int i = n++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        int p = heap[parent];
        if (!before(e, p)) {
          break;
        }
        heap[i] = p;
        i = parent;
      }
      heap[i] = e;
    }

    int pop() {
      int top = heap[0];
      int last = heap[--n];
      int i = 0;
      int half = n >>> 1;
      while (i < half) {
        int c = 2 * i + 1;
        int ce = heap[c];
        int r = c + 1;
        if (r < n && before(heap[r], ce)) {
          c = r;
          ce = heap[r];
        }
        if (!before(ce, last)) {
          break;
        }
        heap[i] = ce;
        i = c;
      }
      if (n > 0) {
        heap[i] = last;
      }
      return top;
    }
  }

  /** Segments {@code s[0, n)}, appending the pieces to {@code out}. */
  void encode(byte[] s, int n, Pieces out) {
    if (n == 0) {
      return;
    }
    int[] start = new int[n];
    int[] len = new int[n];
    boolean[] freeze = new boolean[n];
    int count = 0;
    for (int pos = 0; pos < n; ) {
      int l = matcher.match(s, pos, n);
      if (l > 0) {
        freeze[count] = true;
      } else {
        l = Math.min(n - pos, Utf8.oneCharLen(s[pos]));
      }
      start[count] = pos;
      len[count] = l;
      count++;
      pos += l;
    }
    int[] prev = new int[count];
    int[] next = new int[count];
    Agenda agenda = new Agenda(Math.min(count + count / 2, 1 << 16));
    Map<String, int[]> revMerge = null;
    for (int cs = 0; cs < count; ) {
      int ce = cs + 1;
      if (chunkAtSpaces) {
        while (ce < count && !startsWithSpaceSymbol(s, start[ce], n)) {
          ce++;
        }
      } else {
        ce = count;
      }
      revMerge = merge(s, start, len, freeze, prev, next, cs, ce, agenda, revMerge);
      for (int i = cs; i != -1; i = next[i]) {
        resegment(s, start[i], len[i], revMerge, out);
      }
      cs = ce;
    }
  }

  private static boolean startsWithSpaceSymbol(byte[] s, int pos, int n) {
    return pos + 2 < n && s[pos] == Utf8.SPACE_SYMBOL[0] && s[pos + 1] == Utf8.SPACE_SYMBOL[1]
        && s[pos + 2] == Utf8.SPACE_SYMBOL[2];
  }

  /** Runs the merges on the symbols {@code [cs, ce)}; afterwards {@code next} links the survivors from {@code cs}. */
  private Map<String, int[]> merge(byte[] s, int[] start, int[] len, boolean[] freeze, int[] prev, int[] next,
      int cs, int ce, Agenda agenda, Map<String, int[]> revMerge) {
    for (int i = cs; i < ce; i++) {
      prev[i] = i - 1;
      next[i] = i + 1;
    }
    prev[cs] = -1;
    next[ce - 1] = -1;
    agenda.n = 0;
    agenda.entries = 0;
    for (int i = cs + 1; i < ce; i++) {
      revMerge = maybeAdd(s, start, len, freeze, i - 1, i, agenda, revMerge);
    }
    while (agenda.n > 0) {
      int e = agenda.pop();
      int l = agenda.left[e];
      int r = agenda.right[e];
      if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != agenda.size[e]) {
        continue; // stale: one side has merged since
      }
      len[l] += len[r];
      next[l] = next[r];
      if (next[r] >= 0) {
        prev[next[r]] = l;
      }
      len[r] = 0;
      revMerge = maybeAdd(s, start, len, freeze, prev[l], l, agenda, revMerge);
      revMerge = maybeAdd(s, start, len, freeze, l, next[l], agenda, revMerge);
    }
    return revMerge;
  }

  private Map<String, int[]> maybeAdd(byte[] s, int[] start, int[] len, boolean[] freeze, int l, int r,
      Agenda agenda, Map<String, int[]> revMerge) {
    if (l < 0 || r < 0 || freeze[l] || freeze[r]) {
      return revMerge;
    }
    int size = len[l] + len[r];
    int id = normal.get(s, start[l], size);
    if (id < 0) {
      return revMerge;
    }
    agenda.push(scores[id], l, r, size);
    if (types[id] == PieceType.UNUSED) {
      if (revMerge == null) {
        revMerge = new HashMap<>();
      }
      revMerge.put(key(s, start[l], size), new int[] {len[l], len[r]});
    }
    return revMerge;
  }

  private static String key(byte[] s, int off, int len) {
    return new String(s, off, len, StandardCharsets.ISO_8859_1);
  }

  private void resegment(byte[] s, int off, int len, Map<String, int[]> revMerge, Pieces out) {
    int id = pieceToId(s, off, len);
    if (types[id] != PieceType.UNUSED || revMerge == null) {
      out.add(id, off, len);
      return;
    }
    int[] parts = revMerge.get(key(s, off, len));
    if (parts == null) {
      out.add(id, off, len);
      return;
    }
    // The parts' bytes are those of this occurrence: same content, contiguous ranges.
    resegment(s, off, parts[0], revMerge, out);
    resegment(s, off + parts[0], parts[1], revMerge, out);
  }
}

package dev.nemotron4j.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PackerTest {
  private static final long X = Packer.IGNORE;

  /** A document of ids {@code first, first+1, ...}. */
  private static Sequence doc(int first, int n) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = first + i;
    }
    return Sequence.document(ids);
  }

  @Test
  void packsDocumentsEndToEndWithPerDocumentTargetsPositionsAndSegments() {
    // docs: [10 11 12] [20 21] [30 31 32 33 34], T = 4
    PackedBatch b = Packer.pack(List.of(doc(10, 3), doc(20, 2), doc(30, 5)), 4);
    assertThat(b.rows()).isEqualTo(3);
    assertThat(b.t()).isEqualTo(4);
    assertThat(b.ids()).isEqualTo(new long[] {10, 11, 12, 20, /**/ 21, 30, 31, 32, /**/ 33, 34, 0, 0});
    // targets stop at each document's end; doc 20 continues into row 1 (the target of its last
    // token in row 0 is its next token, 21); doc 30's first token is never a target
    assertThat(b.targets()).isEqualTo(new long[] {11, 12, X, 21, /**/ X, 31, 32, 33, /**/ 34, X, X, X});
    // positions restart at each document and at a continuation
    assertThat(b.positions()).isEqualTo(new long[] {0, 1, 2, 0, /**/ 0, 0, 1, 2, /**/ 0, 1, 0, 0});
    // segStarts: the row index of the segment's first token; pads point at themselves
    assertThat(b.segStarts()).isEqualTo(new long[] {0, 0, 0, 3, /**/ 0, 1, 1, 1, /**/ 0, 0, 2, 3});
    assertThat(b.targetCount()).isEqualTo(2 + 1 + 4);
  }

  @Test
  void aDocumentLongerThanARowContinuesInTheNextRows() {
    PackedBatch b = Packer.pack(List.of(doc(100, 7), doc(200, 2)), 3);
    assertThat(b.rows()).isEqualTo(3);
    assertThat(b.ids()).isEqualTo(new long[] {100, 101, 102, /**/ 103, 104, 105, /**/ 106, 200, 201});
    assertThat(b.targets()).isEqualTo(new long[] {101, 102, 103, /**/ 104, 105, 106, /**/ X, 201, X});
    assertThat(b.positions()).isEqualTo(new long[] {0, 1, 2, /**/ 0, 1, 2, /**/ 0, 0, 1});
    assertThat(b.segStarts()).isEqualTo(new long[] {0, 0, 0, /**/ 0, 0, 0, /**/ 0, 1, 1});
  }

  @Test
  void theMaskDecidesTargets() {
    // a chat-like document: prompt tokens 1 2 3 are not targets, reply 4 5 is
    Sequence chat = new Sequence(new int[] {1, 2, 3, 4, 5}, new int[] {0, 0, 0, 1, 1});
    PackedBatch b = Packer.pack(List.of(chat), 8);
    assertThat(b.targets()).isEqualTo(new long[] {X, X, 4, 5, X, X, X, X});
  }

  @Test
  void invariantsOnRandomDocuments() {
    SplittableRandom rng = new SplittableRandom(7);
    List<Sequence> docs = new ArrayList<>();
    long total = 0;
    for (int d = 0; d < 200; d++) {
      int n = rng.nextInt(0, 40);
      int[] ids = new int[n];
      int[] mask = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = 1 + rng.nextInt(1000);
        mask[i] = i == 0 ? 0 : rng.nextInt(2);
      }
      docs.add(new Sequence(ids, mask));
      total += n;
    }
    int t = 16;
    PackedBatch b = Packer.pack(docs, t);
    assertThat(b.rows()).isEqualTo((int) ((total + t - 1) / t));
    // all tokens appear in order
    List<Long> flat = new ArrayList<>();
    for (Sequence s : docs) {
      for (int id : s.ids()) {
        flat.add((long) id);
      }
    }
    for (int i = 0; i < flat.size(); i++) {
      assertThat(b.ids()[i]).isEqualTo(flat.get(i));
    }
    long expectedTargets = 0;
    for (Sequence s : docs) {
      expectedTargets += s.targetCount();
    }
    // every target is kept (continuations included), and none crosses a document
    assertThat(b.targetCount()).isEqualTo(expectedTargets);
    for (int r = 0; r < b.rows(); r++) {
      for (int i = 0; i < t; i++) {
        int at = r * t + i;
        long seg = b.segStarts()[at];
        assertThat(seg).isAtMost(i);
        assertThat(b.positions()[at]).isEqualTo(at < flat.size() ? i - seg : 0);
        if (i + 1 < t && b.targets()[at] != X) {
          // the target is the next token and it is in the same segment
          assertThat(b.targets()[at]).isEqualTo(b.ids()[at + 1]);
          assertThat(b.segStarts()[at + 1]).isEqualTo(seg);
        }
      }
    }
  }

  @Test
  void streamingTakesFullRowsThenFlushesTheTail() {
    Packer p = new Packer(4);
    p.add(doc(10, 3));
    assertThat(p.fullRows()).isEqualTo(0);
    p.add(doc(20, 6));
    p.add(new Sequence(new int[0], new int[0])); // skipped
    assertThat(p.pendingTokens()).isEqualTo(9);
    assertThat(p.fullRows()).isEqualTo(2);
    PackedBatch first = p.take(1);
    assertThat(first.ids()).isEqualTo(new long[] {10, 11, 12, 20});
    assertThat(first.targets()).isEqualTo(new long[] {11, 12, X, 21});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.take(2));
    assertThat(e).hasMessageThat().contains("1 full rows are pending");
    PackedBatch tail = p.flush();
    assertThat(tail.rows()).isEqualTo(2);
    assertThat(tail.ids()).isEqualTo(new long[] {21, 22, 23, 24, 25, 0, 0, 0});
    assertThat(tail.positions()).isEqualTo(new long[] {0, 1, 2, 3, 0, 0, 0, 0});
    assertThat(p.flush().rows()).isEqualTo(0);
    // streaming equals packing all at once
    PackedBatch all = Packer.pack(List.of(doc(10, 3), doc(20, 6)), 4);
    assertThat(all.ids()).isEqualTo(concat(first.ids(), tail.ids()));
    assertThat(all.targets()).isEqualTo(concat(first.targets(), tail.targets()));
    assertThat(all.segStarts()).isEqualTo(concat(first.segStarts(), tail.segStarts()));
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void batcherPadsOnTheRightAndMasksTargets() {
    Sequence a = new Sequence(new int[] {1, 2, 3, 4}, new int[] {0, 0, 1, 1});
    Sequence b = new Sequence(new int[] {5, 6}, new int[] {0, 1});
    PaddedBatch p = Batcher.pad(List.of(a, b));
    assertThat(p.rows()).isEqualTo(2);
    assertThat(p.t()).isEqualTo(4);
    assertThat(p.lengths()).isEqualTo(new int[] {4, 2});
    assertThat(p.ids()).isEqualTo(new long[] {1, 2, 3, 4, 5, 6, 0, 0});
    // -100 where the next token is no target, at the last real token, and at padding
    assertThat(p.targets()).isEqualTo(new long[] {X, 3, 4, X, 6, X, X, X});

    PaddedBatch fixed = Batcher.pad(List.of(b), 5);
    assertThat(fixed.ids()).isEqualTo(new long[] {5, 6, 0, 0, 0});
    assertThat(fixed.targets()).isEqualTo(new long[] {6, X, X, X, X});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Batcher.pad(List.of(a), 3));
    assertThat(e).hasMessageThat().isEqualTo("sequence 0 has 4 tokens, expected at most 3");
    assertThrows(IllegalArgumentException.class, () -> Batcher.pad(List.of()));
  }

  @Test
  void preferenceSequencesBatchWithResponseTargetsOnly() {
    PreferenceTokens t = new PreferenceTokens(new int[] {1, 2}, new int[] {3, 4}, new int[] {5}, null, null);
    PaddedBatch p = Batcher.pad(List.of(t.chosen(), t.rejected()));
    assertThat(p.ids()).isEqualTo(new long[] {1, 2, 3, 4, 1, 2, 5, 0});
    assertThat(p.targets()).isEqualTo(new long[] {X, 3, 4, X, X, 5, X, X});
  }
}

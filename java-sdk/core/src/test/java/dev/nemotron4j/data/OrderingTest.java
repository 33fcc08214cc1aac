package dev.nemotron4j.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrderingTest {
  @Test
  void eachEpochIsASeededPermutation() {
    EpochSampler s = new EpochSampler(50, 42);
    int[] e0 = s.next(50);
    int[] e1 = s.next(50);
    for (int[] e : new int[][] {e0, e1}) {
      int[] sorted = e.clone();
      Arrays.sort(sorted);
      for (int i = 0; i < 50; i++) {
        assertThat(sorted[i]).isEqualTo(i);
      }
    }
    assertThat(e0).isNotEqualTo(e1);
    assertThat(e0).isEqualTo(s.permutation(0));
    assertThat(s.cursor()).isEqualTo(new EpochSampler.Cursor(2, 0));
    // the same seed gives the same stream, another seed another
    assertThat(new EpochSampler(50, 42).next(100)).isEqualTo(concat(e0, e1));
    assertThat(new EpochSampler(50, 43).next(50)).isNotEqualTo(e0);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void resumingFromASavedCursorContinuesExactly() {
    int[] uninterrupted = new EpochSampler(17, 5).next(100);
    for (int cut : new int[] {0, 1, 16, 17, 18, 40, 99}) {
      EpochSampler a = new EpochSampler(17, 5);
      int[] head = a.next(cut);
      JsonNode saved = a.cursor().toJson();
      EpochSampler b = new EpochSampler(17, 5, EpochSampler.Cursor.fromJson(saved));
      assertThat(concat(head, b.next(100 - cut))).isEqualTo(uninterrupted);
      assertThat(b.consumed()).isEqualTo(100);
    }
    // the end of an epoch is the start of the next
    EpochSampler c = new EpochSampler(17, 5, new EpochSampler.Cursor(0, 17));
    assertThat(c.cursor()).isEqualTo(new EpochSampler.Cursor(1, 0));
  }

  @Test
  void cursorErrors() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new EpochSampler(10, 1, new EpochSampler.Cursor(0, 11)));
    assertThat(e).hasMessageThat().contains("cursor index 11 is beyond the data set of 10 examples");
    e = assertThrows(IllegalArgumentException.class,
        () -> EpochSampler.Cursor.fromJson(Jsonl.parseLine("c", 1, "{\"epoch\": 1, \"index\": \"2\"}").json()));
    assertThat(e).hasMessageThat().isEqualTo(
        "sampler cursor field \"index\" is a string (\"2\"), expected an integer from 0 to 2147483647");
    assertThrows(IllegalArgumentException.class, () -> new EpochSampler(0, 1));
  }

  @Test
  void blendProportionsFollowTheWeights() {
    List<List<String>> sources = List.of(names("a", 7), names("b", 30), names("c", 3));
    Blend<String> blend = new Blend<>(sources, new double[] {1, 2, 7}, 11);
    int[] counts = new int[3];
    for (int n = 1; n <= 10_000; n++) {
      String x = blend.next();
      counts[x.charAt(0) - 'a']++;
      // within one of the exact share at every step
      assertThat((double) counts[0]).isWithin(1.0).of(n * 0.1);
      assertThat((double) counts[1]).isWithin(1.0).of(n * 0.2);
      assertThat((double) counts[2]).isWithin(1.0).of(n * 0.7);
    }
    assertThat(counts).isEqualTo(new int[] {1000, 2000, 7000});
    assertThat(blend.taken(2)).isEqualTo(7000);
    assertThat(blend.steps()).isEqualTo(10_000);
  }

  @Test
  void stagedSftMixesAFractionOfStageOneBack() {
    List<String> stage1 = names("s1-", 40);
    List<String> stage2 = names("s2-", 100);
    Blend<String> blend = new Blend<>(List.of(stage1, stage2), new double[] {0.15, 0.85}, 3);
    long fromStage1 = 0;
    List<String> epoch = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      String x = blend.next();
      if (x.startsWith("s1-")) {
        fromStage1++;
      } else if (epoch.size() < 100) {
        epoch.add(x);
      }
    }
    assertThat(fromStage1).isEqualTo(300);
    // each source is cycled in its own shuffled order: the first 100 stage-2 picks are one epoch
    assertThat(epoch).containsExactlyElementsIn(stage2);
    assertThat(epoch).isNotEqualTo(stage2);
  }

  @Test
  void blendIsDeterministicAndResumable() {
    List<List<Integer>> sources = List.of(List.of(1, 2, 3), List.of(10, 20, 30, 40, 50), List.of(100));
    double[] w = {0.5, 0.3, 0.2};
    List<Integer> uninterrupted = take(new Blend<>(sources, w, 9), 500);
    assertThat(take(new Blend<>(sources, w, 9), 500)).isEqualTo(uninterrupted);
    assertThat(take(new Blend<>(sources, w, 10), 500)).isNotEqualTo(uninterrupted);
    for (int cut : new int[] {0, 1, 7, 123, 499}) {
      Blend<Integer> a = new Blend<>(sources, w, 9);
      List<Integer> out = new ArrayList<>(take(a, cut));
      JsonNode saved = Jsonl.parseLine("ckpt", 1, a.cursor().toJson().toString()).json();
      Blend<Integer> b = new Blend<>(sources, w, 9, Blend.Cursor.fromJson(saved));
      out.addAll(take(b, 500 - cut));
      assertThat(out).isEqualTo(uninterrupted);
    }
  }

  @Test
  void blendPicksAndZeroWeights() {
    Blend<String> b = new Blend<>(List.of(List.of("x"), List.of(), List.of("y", "z")), new double[] {1, 0, 1}, 1);
    for (int i = 0; i < 10; i++) {
      Blend.Pick p = b.nextPick();
      assertThat(p.source()).isNotEqualTo(1);
    }
    assertThat(b.taken(1)).isEqualTo(0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Blend<>(List.of(List.of("x"), List.of()), new double[] {1, 2}, 1));
    assertThat(e).hasMessageThat().contains("source 1 is empty but has weight 2.0");
    e = assertThrows(IllegalArgumentException.class, () -> new Blend<>(List.of(List.of("x")), new double[] {-1}, 1));
    assertThat(e).hasMessageThat().contains("weight 0 is -1.0, expected a finite number >= 0");
    e = assertThrows(IllegalArgumentException.class, () -> new Blend<>(List.of(List.of("x")), new double[] {1, 1}, 1));
    assertThat(e).hasMessageThat().contains("got 2 weights for 1 sources");
    Blend<String> one = new Blend<>(List.of(List.of("x")), new double[] {1}, 1);
    e = assertThrows(IllegalArgumentException.class, () -> one.restore(b.cursor()));
    assertThat(e).hasMessageThat().contains("cursor has 3 sources, expected 1");
  }

  private static List<String> names(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  private static <T> List<T> take(Blend<T> b, int n) {
    List<T> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(b.next());
    }
    return out;
  }
}

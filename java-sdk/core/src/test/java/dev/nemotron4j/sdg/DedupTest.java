package dev.nemotron4j.sdg;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DedupTest {
  @Test
  void exactDuplicatesIgnoreCasePunctuationAndSpaces() {
    List<String> in = List.of("What is 2 plus 2?", "what is 2 plus 2", "What  is 2 plus 2 ?!", "What is 2 plus 3?");
    assertThat(Dedup.filter(in, Function.identity(), 1.0)).containsExactly("What is 2 plus 2?", "What is 2 plus 3?").inOrder();
  }

  @Test
  void nearDuplicatesAboveTheThresholdAreDropped() {
    String base = "Write a short story about a lighthouse keeper who finds a message in a bottle on a stormy night";
    String near = base + " please";
    String other = "Explain how a refrigerator moves heat from the inside of the box to the kitchen around it";
    List<String> in = List.of(base, near, other);
    double j = Dedup.jaccard(Dedup.shingles(Dedup.normalize(base)), Dedup.shingles(Dedup.normalize(near)));
    assertThat(j).isGreaterThan(0.85);
    assertThat(Dedup.filter(in, Function.identity(), 0.85)).containsExactly(base, other).inOrder();
    // a threshold above their similarity keeps both
    assertThat(Dedup.filter(in, Function.identity(), Math.min(1.0, j + 0.01))).hasSize(3);
  }

  @Test
  void findsNearDuplicatesAmongManyItems() {
    List<String> in = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      in.add("document number " + i + " talks about topic " + (i * 7919 % 1000) + " in some detail with words");
    }
    for (int i = 0; i < 300; i += 3) {
      in.add("document number " + i + " talks about topic " + (i * 7919 % 1000) + " in some detail with words too");
    }
    assertThat(Dedup.filter(in, Function.identity(), 0.8)).hasSize(300);
  }

  @Test
  void decontaminationFindsProtectedTextsInside() {
    List<String> eval = List.of("What is the capital of Zorbia?");
    assertThat(Dedup.contaminated("Please answer. what is the capital of zorbia ? Thanks", eval)).isTrue();
    assertThat(Dedup.contaminated("What is the capital of Zorbian?", eval)).isFalse();
    assertThat(Dedup.contaminated("Something else", eval)).isFalse();
  }

  @Test
  void badThresholdsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Dedup.filter(List.of("a"), Function.identity(), 0));
    assertThrows(IllegalArgumentException.class, () -> Dedup.filter(List.of("a"), Function.identity(), 1.5));
  }
}

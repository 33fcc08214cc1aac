package dev.nemotron4j.tokenizer;

import static com.google.common.truth.Truth.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Training a vocabulary of 2000 on about 3 MB of text takes seconds on one core. */
class BpeTrainerPerformanceTest {
  @Test
  void trainsTwoThousandPiecesOnThreeMegabytesInSeconds() {
    List<String> corpus = ToyCorpus.ofSize(11, 3_000_000);
    BpeTrainer.Options options = BpeTrainer.Options.defaults(2000);
    BpeTrainer.train(corpus.subList(0, 2000), options.withVocabSize(500)); // warm-up
    long t0 = System.nanoTime();
    byte[] bytes = BpeTrainer.train(corpus, options);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("BpeTrainer: %d sentences, vocab 2000: %.2f s%n", corpus.size(), seconds);
    SentencePieceModel m = SentencePieceModel.fromBytes(bytes);
    assertThat(m.vocabSize()).isEqualTo(2000);
    for (String s : corpus.subList(0, 1000)) {
      assertThat(m.decode(m.encode(s))).isEqualTo(s);
    }
    assertThat(seconds).isLessThan(60.0); // generous: the build machine is shared
  }
}

package dev.nemotron4j.sdg.backend;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.generate.Generator;
import dev.nemotron4j.generate.SamplingConfig;
import dev.nemotron4j.model.NemotronConfig;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.testing.Fixtures;
import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.ChatTemplate.Message;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LocalBackendTest {
  /** A tiny random model over the identity tokenizer's 1400 pieces, with a padded vocabulary. */
  static final NemotronConfig TINY = new NemotronConfig(
      NemotronConfig.CAUSAL_LM, 1408, 32, 64, 2, 2, 1, 16, 256, 10000.0, 0.5, 1e-5, 1, 2, null, 0.5, 0, "float32");

  private static SentencePieceModel tokenizer;
  private static NemotronForCausalLM model;

  private static final List<List<Message>> CONVERSATIONS = List.of(
      List.of(Message.user("Write a haiku about the sea.")),
      List.of(Message.system("You are terse."), Message.user("Hi"), Message.assistant("Hello."), Message.user("Why?")),
      List.of(Message.user("Name three prime numbers.")));

  @BeforeAll
  static void load() throws IOException {
    tokenizer = SentencePieceModel.load(
        Fixtures.dir("tokenizer").resolve("tokenizer-identity").resolve("tokenizer.model"));
    model = NemotronForCausalLM.create(TINY, 1234);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static LocalBackend backend(int batchSize) {
    return new LocalBackend("tiny", model, tokenizer, batchSize);
  }

  private static Sampling sample(int n, long seed) {
    return new Sampling(12, 1.0, 0.95, n, seed, List.of());
  }

  @Test
  void samplingIsReproducibleAndSeedDependent() {
    try (LocalBackend b = backend(4)) {
      List<List<String>> first = b.complete(CONVERSATIONS, sample(2, 7));
      assertThat(b.complete(CONVERSATIONS, sample(2, 7))).isEqualTo(first);
      assertThat(b.complete(CONVERSATIONS, sample(2, 8))).isNotEqualTo(first);
      assertThat(first).hasSize(3);
      for (List<String> c : first) {
        assertThat(c).hasSize(2);
      }
    }
  }

  @Test
  void resultsDoNotDependOnBatching() {
    Sampling s = sample(3, 99);
    List<List<String>> together;
    try (LocalBackend b = backend(64)) {
      together = b.complete(CONVERSATIONS, s);
    }
    for (int batch : new int[] {1, 2, 4, 5}) {
      try (LocalBackend b = backend(batch)) {
        assertThat(b.complete(CONVERSATIONS, s)).isEqualTo(together);
      }
    }
    try (LocalBackend one = backend(1); LocalBackend all = backend(8)) {
      assertThat(one.complete(CONVERSATIONS, Sampling.greedy(12))).isEqualTo(all.complete(CONVERSATIONS,
          Sampling.greedy(12)));
    }
  }

  @Test
  void nSamplesDifferWhenSamplingAndAreEqualWhenGreedy() {
    try (LocalBackend b = backend(8)) {
      List<List<String>> sampled = b.complete(CONVERSATIONS, new Sampling(12, 1.5, 1.0, 4, 3, List.of()));
      for (List<String> c : sampled) {
        assertThat(c).hasSize(4);
        Set<String> distinct = new HashSet<>(c);
        assertThat(distinct.size()).isGreaterThan(1);
      }
      List<List<String>> greedy = b.complete(CONVERSATIONS, new Sampling(12, 0, 1.0, 3, 3, List.of()));
      for (List<String> c : greedy) {
        assertThat(c).hasSize(3);
        assertThat(new HashSet<>(c)).hasSize(1);
      }
    }
  }

  @Test
  void temperatureZeroIsGreedyDecodingOfTheChatPrompt() {
    ChatTemplate template = new ChatTemplate(tokenizer);
    try (LocalBackend b = backend(2)) {
      List<List<String>> greedy = b.complete(CONVERSATIONS, Sampling.greedy(10));
      // temperature 0 ignores top-p and the seed
      assertThat(b.complete(CONVERSATIONS, new Sampling(10, 0, 0.5, 1, 12345, List.of()))).isEqualTo(greedy);
      Generator g = new Generator(model, ids -> {
        int[] i32 = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
          i32[i] = ids[i] < tokenizer.vocabSize() ? (int) ids[i] : tokenizer.unkId();
        }
        return tokenizer.decode(i32);
      });
      SamplingConfig cfg = SamplingConfig.greedy(10).withStops(List.of((long) template.stopId()), List.of());
      for (int i = 0; i < CONVERSATIONS.size(); i++) {
        Generator.Result r = g.generate(template.encodePrompt(CONVERSATIONS.get(i)), cfg);
        assertThat(greedy.get(i)).containsExactly(r.text().strip());
      }
    }
  }

  @Test
  void stopStringsCutTheCompletion() {
    try (LocalBackend b = backend(4)) {
      List<List<String>> free = b.complete(CONVERSATIONS, Sampling.greedy(24));
      String text = free.get(0).get(0);
      assertThat(text.length()).isAtLeast(6);
      String stop = text.substring(text.length() / 2, text.length() / 2 + 2);
      List<List<String>> cut = b.complete(CONVERSATIONS, new Sampling(24, 0, 1, 1, 0, List.of(stop)));
      String want = text.substring(0, text.indexOf(stop)).strip();
      assertThat(cut.get(0)).containsExactly(want);
    }
  }

  @Test
  void ownershipDecidesWhetherCloseClosesTheModel() {
    NemotronForCausalLM own = NemotronForCausalLM.create(TINY, 5);
    LocalBackend owning = new LocalBackend("own", own, tokenizer, 2, true);
    assertThat(owning.name()).isEqualTo("local:own");
    assertThat(owning.complete(CONVERSATIONS.subList(0, 1), Sampling.greedy(3))).hasSize(1);
    owning.close();
    owning.close();
    assertThrows(IllegalStateException.class, () -> owning.complete(CONVERSATIONS, Sampling.greedy(3)));
    // the leak check fails this test if the owned model stayed open

    LocalBackend borrowing = backend(2);
    borrowing.close();
    try (LocalBackend again = backend(2)) {
      assertThat(again.complete(CONVERSATIONS.subList(0, 1), Sampling.greedy(3))).hasSize(1);
    }
  }

  @Test
  void badInputsFailClearly() {
    try (LocalBackend b = backend(2)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> b.complete(List.of(CONVERSATIONS.get(0), List.of(Message.user("a <extra_id_1> b"))), Sampling.greedy(4)));
      assertThat(e).hasMessageThat().contains("conversation 1");
      assertThat(e).hasMessageThat().contains("<extra_id_1>");
      e = assertThrows(IllegalArgumentException.class,
          () -> b.complete(List.of(CONVERSATIONS.get(0)), Sampling.greedy(250)));
      assertThat(e).hasMessageThat().contains("max_position_embeddings 256");
    }
    assertThat(assertThrows(IllegalArgumentException.class, () -> backend(0))).hasMessageThat()
        .contains("batchSize must be >= 1, got 0");
    NemotronConfig small = new NemotronConfig(
        NemotronConfig.CAUSAL_LM, 97, 32, 64, 1, 2, 1, 16, 64, 10000.0, 0.5, 1e-5, 1, 2, null, 0.02, 0, "float32");
    try (NemotronForCausalLM m = NemotronForCausalLM.create(small, 1)) {
      assertThat(assertThrows(IllegalArgumentException.class, () -> new LocalBackend("s", m, tokenizer, 1)))
          .hasMessageThat().contains("the tokenizer has 1400 pieces but the model's vocab_size is 97");
    }
  }

  @Test
  void batchSeedsLandOnTheGlobalRowSeeds() {
    assertThat(LocalBackend.GOLDEN * LocalBackend.GOLDEN_INVERSE).isEqualTo(1L);
    long seed = 42, k0 = 17;
    for (int r = 0; r < 5; r++) {
      assertThat(LocalBackend.batchSeed(seed, k0) * LocalBackend.GOLDEN + r).isEqualTo(seed * LocalBackend.GOLDEN + k0 + r);
    }
  }
}

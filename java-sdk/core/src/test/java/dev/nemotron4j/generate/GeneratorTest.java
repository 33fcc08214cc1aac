package dev.nemotron4j.generate;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.checkpoint.SafeTensors;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.model.Presets;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.testing.Fixtures;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  private static NemotronForCausalLM model;

  @BeforeAll
  static void load() {
    model = NemotronForCausalLM.load(Fixtures.dir("model"));
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void greedyMatchesTheDecodeFixture() {
    try (Scope s = Scope.open(); SafeTensors dec = SafeTensors.open(Fixtures.dir("model").resolve("decode.safetensors"))) {
      long[] prompt = dec.tensor("prompt_ids").toLongArray();
      long[] want = dec.tensor("generated_ids").toLongArray();
      List<Generator.Result> r = new Generator(model).generate(List.of(prompt), SamplingConfig.greedy(want.length));
      assertThat(r.get(0).ids()).isEqualTo(want);
      assertThat(r.get(0).finish()).isEqualTo(Generator.Finish.LENGTH);
      assertThat(r.get(0).text()).isNull();
    }
  }

  @Test
  void samplingIsReproducibleAndSeedDependent() {
    Generator g = new Generator(model);
    List<long[]> prompts = List.of(new long[] {5, 6, 7}, new long[] {9});
    SamplingConfig a = SamplingConfig.sample(12, 1.3f, 20, 0.95f, 42);
    List<Generator.Result> r1 = g.generate(prompts, a), r2 = g.generate(prompts, a);
    assertThat(r1.get(0).ids()).isEqualTo(r2.get(0).ids());
    assertThat(r1.get(1).ids()).isEqualTo(r2.get(1).ids());
    List<Generator.Result> r3 = g.generate(prompts, SamplingConfig.sample(12, 1.3f, 20, 0.95f, 43));
    assertThat(Arrays.equals(r1.get(0).ids(), r3.get(0).ids()) && Arrays.equals(r1.get(1).ids(), r3.get(1).ids()))
        .isFalse();
    // top-k = 1 is greedy whatever the temperature and seed
    List<Generator.Result> k1 = g.generate(prompts, SamplingConfig.sample(12, 5f, 1, 1f, 7));
    List<Generator.Result> gr = g.generate(prompts, SamplingConfig.greedy(12));
    assertThat(k1.get(0).ids()).isEqualTo(gr.get(0).ids());
    // each row of a batch equals the row alone
    assertThat(g.generate(List.of(prompts.get(1)), SamplingConfig.greedy(12)).get(0).ids()).isEqualTo(gr.get(1).ids());
  }

  @Test
  void stopIdsAndStrings() {
    Generator g = new Generator(model, ids -> {
      StringBuilder sb = new StringBuilder();
      for (long id : ids) {
        sb.append('<').append(id).append('>');
      }
      return sb.toString();
    });
    long[] prompt = {1, 2, 3};
    long[] free = g.generate(List.of(prompt), SamplingConfig.greedy(8)).get(0).ids();
    long stop = free[3];
    Generator.Result r = g.generate(List.of(prompt), SamplingConfig.greedy(8).withStops(List.of(stop), List.of())).get(0);
    int first = 0;
    while (free[first] != stop) {
      first++;
    }
    assertThat(r.ids()).isEqualTo(Arrays.copyOf(free, first));
    assertThat(r.finish()).isEqualTo(Generator.Finish.STOP_ID);
    String s = "<" + free[2] + ">";
    Generator.Result rs = g.generate(List.of(prompt), SamplingConfig.greedy(8).withStops(List.of(), List.of(s))).get(0);
    assertThat(rs.finish()).isEqualTo(Generator.Finish.STOP_STRING);
    assertThat(rs.text()).doesNotContain(s);
    // a repetition penalty changes a greedy continuation that repeats itself
    long[] pen = g.generate(List.of(prompt), SamplingConfig.greedy(8).withRepetitionPenalty(100f)).get(0).ids();
    assertThat(pen.length).isEqualTo(8);
  }

  @Test
  void badRequests() {
    Generator g = new Generator(model);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> g.generate(List.of(new long[] {1, 500}), SamplingConfig.greedy(2)));
    assertThat(e).hasMessageThat().contains("token id 500 outside [0, 97)");
    assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(new long[0]), SamplingConfig.greedy(2)));
    assertThrows(IllegalArgumentException.class, () -> SamplingConfig.sample(2, 0f, 0, 1f, 1));
    assertThrows(IllegalArgumentException.class, () -> SamplingConfig.sample(2, 1f, 0, 1.5f, 1));
    e = assertThrows(IllegalArgumentException.class,
        () -> g.generate(List.of(new long[] {1}), SamplingConfig.greedy(2).withStops(List.of(), List.of("x"))));
    assertThat(e).hasMessageThat().contains("stop strings need a tokenizer");
    assertThat(Presets.get("nemotron-test").vocabSize()).isEqualTo(97);
  }
}

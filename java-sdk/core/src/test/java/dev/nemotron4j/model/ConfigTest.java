package dev.nemotron4j.model;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
  @Test
  void readsAndWritesHuggingFaceConfig(@TempDir Path tmp) throws Exception {
    NemotronConfig c = NemotronConfig.read(Fixtures.dir("model"));
    assertThat(c.architecture()).isEqualTo(NemotronConfig.CAUSAL_LM);
    assertThat(c.hiddenSize()).isEqualTo(64);
    assertThat(c.numKvHeads()).isEqualTo(2);
    assertThat(c.partialRotaryFactor()).isEqualTo(0.5);
    c.write(tmp);
    assertThat(NemotronConfig.read(tmp)).isEqualTo(c);
    String json = Files.readString(tmp.resolve("config.json"));
    assertThat(json).contains("\"model_type\" : \"nemotron\"");
    assertThat(json).contains("\"hidden_act\" : \"relu2\"");
    NemotronConfig r = NemotronConfig.read(Fixtures.dir("reward"));
    assertThat(r.isRewardModel()).isTrue();
    assertThat(r.numLabels()).isEqualTo(5);
  }

  private static String cfg(String extra) {
    return "{\"model_type\":\"nemotron\",\"vocab_size\":10,\"hidden_size\":8,\"intermediate_size\":16,"
        + "\"num_hidden_layers\":1,\"num_attention_heads\":2,\"head_dim\":4" + extra + "}";
  }

  @Test
  void validationErrorsNameTheProblem() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NemotronConfig.fromJson(cfg("")));
    assertThat(e).hasMessageThat().contains("no num_key_value_heads");
    e = assertThrows(IllegalArgumentException.class, () -> NemotronConfig.fromJson(cfg(",\"num_key_value_heads\":3")));
    assertThat(e).hasMessageThat().contains("num_attention_heads (2) must be a multiple of num_key_value_heads (3)");
    e = assertThrows(IllegalArgumentException.class,
        () -> NemotronConfig.fromJson(cfg(",\"num_key_value_heads\":1,\"hidden_act\":\"gelu\"")));
    assertThat(e).hasMessageThat().contains("hidden_act 'gelu' is not supported");
    e = assertThrows(IllegalArgumentException.class,
        () -> NemotronConfig.fromJson(cfg(",\"num_key_value_heads\":1,\"partial_rotary_factor\":0.75")));
    assertThat(e).hasMessageThat().contains("rotary dim head_dim * partial_rotary_factor = 4 * 0.75 = 3 must be even");
    e = assertThrows(IllegalArgumentException.class,
        () -> NemotronConfig.fromJson(cfg(",\"num_key_value_heads\":1,\"vocab_size\":0").replace("\"vocab_size\":10,", "")));
    assertThat(e).hasMessageThat().contains("vocab_size must be > 0, got 0");
    e = assertThrows(IllegalArgumentException.class, () -> NemotronConfig.fromJson("{\"model_type\":\"llama\"}"));
    assertThat(e).hasMessageThat().contains("model_type is 'llama'; expected 'nemotron'");
    e = assertThrows(IllegalArgumentException.class, () -> NemotronConfig.fromJson("[1,2"));
    assertThat(e).hasMessageThat().contains("not valid JSON");
    e = assertThrows(IllegalArgumentException.class,
        () -> NemotronConfig.fromJson(cfg(",\"num_key_value_heads\":1,\"tie_word_embeddings\":true")));
    assertThat(e).hasMessageThat().contains("tie_word_embeddings = true is not supported");
  }

  @Test
  void presetsAndSizes() {
    NemotronConfig big = Presets.get("nemotron-4-340b");
    assertThat(big.numLayers()).isEqualTo(96);
    assertThat(big.hiddenSize()).isEqualTo(18432);
    assertThat(big.intermediateSize()).isEqualTo(73728);
    assertThat(big.numKvHeads()).isEqualTo(8);
    assertThat(big.headDim()).isEqualTo(192);
    // the report's "340B" model has about 341 billion parameters
    long p = ModelSize.parameters(big);
    assertThat(p).isGreaterThan(340_000_000_000L);
    assertThat(p).isLessThan(342_000_000_000L);
    assertThat(ModelSize.weightBytes(big, DType.BF16)).isEqualTo(2 * p);
    // 2 (k, v) x 96 layers x 8 heads x 192 dims x 2 bytes
    assertThat(ModelSize.kvCacheBytesPerToken(big, DType.BF16)).isEqualTo(2L * 96 * 8 * 192 * 2);
    long p15 = ModelSize.parameters(Presets.get("nemotron-4-15b"));
    assertThat(p15).isGreaterThan(15_000_000_000L);
    assertThat(p15).isLessThan(16_500_000_000L);
    long p4 = ModelSize.parameters(Presets.get("minitron-4b"));
    assertThat(p4).isGreaterThan(4_000_000_000L);
    assertThat(p4).isLessThan(4_400_000_000L);
    // matches an instantiated model exactly
    try (NemotronForCausalLM m = new NemotronForCausalLM(Presets.get("nemotron-test"))) {
      assertThat(m.parameterCount()).isEqualTo(ModelSize.parameters(Presets.get("nemotron-test")));
    }
    assertThrows(IllegalArgumentException.class, () -> Presets.get("gpt-5"));
  }
}

package dev.nemotron4j.cli;

import static com.google.common.truth.Truth.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemotron4j.checkpoint.SafeTensors;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model commands end to end on the shared fixtures (files in, files out). */
class ModelCommandsTest {
  static Path fixtures(String name) {
    String p = System.getProperty("nemotron4j.shared");
    Path d = (p != null ? Paths.get(p) : Paths.get("/work/shared")).resolve("fixtures").resolve(name);
    return Files.isDirectory(d) ? d : Paths.get("/work/shared/fixtures").resolve(name);
  }

  static String capture(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true));
    try {
      assertThat(Main.run(args)).isEqualTo(0);
    } finally {
      System.setOut(old);
    }
    return buf.toString().trim();
  }

  static JsonNode lastJson(String out) throws Exception {
    return new ObjectMapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
  }

  @Test
  void infoOfPresetAndFolder() throws Exception {
    JsonNode j = lastJson(capture("info", "--preset", "nemotron-4-340b", "--json"));
    assertThat(j.get("parameters").isIntegralNumber()).isTrue();
    assertThat(j.get("parameters").asLong()).isGreaterThan(340_000_000_000L);
    assertThat(j.get("weight_bytes").get("BF16").asLong()).isEqualTo(2 * j.get("parameters").asLong());
    JsonNode m = lastJson(capture("info", "--model", fixtures("model").toString(), "--json"));
    assertThat(m.get("parameters").asLong()).isEqualTo(2 * 97 * 64 + 2 * 64 + 2 * (4 * 64 + 64 * 64 * 2 + 32 * 64 * 2 + 2 * 256 * 64));
    assertThat(Main.run("info")).isEqualTo(2);
    assertThat(Main.run("info", "--preset", "nope")).isEqualTo(2);
  }

  @Test
  void forwardWithBackwardMatchesTheFixture(@TempDir Path tmp) {
    Path dir = fixtures("model");
    Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
    try (Scope s = Scope.open(); SafeTensors exp = SafeTensors.open(dir.resolve("expected.safetensors"))) {
      SafeTensors.write(in, Map.of("input_ids", exp.tensor("input_ids"), "attention_mask", exp.tensor("attention_mask"),
          "ignored", Tensor.zeros(3)), null);
      capture("forward", "--model", dir.toString(), "--inputs", in.toString(), "--out", out.toString(), "--backward");
      try (SafeTensors got = SafeTensors.open(out)) {
        assertThat(got.entries()).hasSize(2 + 24);
        assertThat(Math.abs(got.tensor("loss").item() - exp.tensor("loss").item())).isAtMost(1e-5f * 5);
        float[] g = got.tensor("logits").toFloatArray(), e = exp.tensor("logits").toFloatArray();
        double num = 0, den = 0;
        for (int i = 0; i < g.length; i++) {
          num = Math.max(num, Math.abs(g[i] - e[i]));
          den = Math.max(den, Math.abs(e[i]));
        }
        assertThat(num / den).isAtMost(1e-4);
        assertThat(got.contains("grad.lm_head.weight")).isTrue();
      }
    }
  }

  @Test
  void forwardRejectsBadInputs(@TempDir Path tmp) {
    Path in = tmp.resolve("bad.safetensors");
    try (Scope s = Scope.open()) {
      SafeTensors.write(in, Map.of("input_ids", Tensor.ofLongs(new long[] {1, 500}, 1, 2)), null);
    }
    assertThat(Main.run("forward", "--model", fixtures("model").toString(), "--inputs", in.toString(), "--out",
        tmp.resolve("o.safetensors").toString())).isEqualTo(2);
    assertThat(Files.exists(tmp.resolve("o.safetensors"))).isFalse();
  }

  @Test
  void scoreWritesPredictionsAndReward(@TempDir Path tmp) {
    Path dir = fixtures("reward");
    Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
    try (Scope s = Scope.open(); SafeTensors exp = SafeTensors.open(dir.resolve("expected.safetensors"))) {
      SafeTensors.write(in, Map.of("input_ids", exp.tensor("input_ids"), "attention_mask", exp.tensor("attention_mask")), null);
      capture("score", "--model", dir.toString(), "--inputs", in.toString(), "--out", out.toString(),
          "--weights", "0.65,0.8,0.45,0.55,-0.4");
      try (SafeTensors got = SafeTensors.open(out)) {
        float[] r = got.tensor("reward").toFloatArray(), e = exp.tensor("reward").toFloatArray();
        for (int i = 0; i < 3; i++) {
          assertThat(r[i]).isWithin(1e-4f * Math.max(1f, Math.abs(e[i]))).of(e[i]);
        }
        assertThat(got.tensor("predictions").shape()).isEqualTo(new long[] {3, 5});
      }
      assertThat(Main.run("score", "--model", dir.toString(), "--inputs", in.toString(), "--out", out.toString(),
          "--weights", "1,2")).isEqualTo(2);
    }
  }

  @Test
  void benchDecodeOnATinyConfig(@TempDir Path tmp) throws Exception {
    Path cfg = tmp.resolve("tiny.json");
    Files.writeString(cfg, "{\"vocab_size\": 128, \"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2,"
        + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, \"max_position_embeddings\": 64,"
        + " \"batch\": 1, \"seq\": 16, \"decode_tokens\": 4}");
    JsonNode j = lastJson(capture("bench", "decode", "--config", cfg.toString(), "--threads", "1", "--dtype", "bf16", "--json"));
    assertThat(j.get("decode_tokens_per_s").asDouble()).isGreaterThan(0.0);
    assertThat(j.get("roofline_fraction").asDouble()).isGreaterThan(0.0);
    assertThat(Main.run("bench", "decode", "--config", cfg.toString(), "--dtype", "f8")).isEqualTo(2);
  }
}

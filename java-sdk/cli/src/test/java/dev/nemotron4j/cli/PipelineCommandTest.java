package dev.nemotron4j.cli;

import static com.google.common.truth.Truth.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineCommandTest {
  /** The small size scaled down to seconds (the rest of the settings are the size's). */
  static final String TINY = "{\"countries\": 8, \"corpus_documents\": 300, \"tokenizer_vocab\": 400,"
      + " \"model\": {\"hidden\": 32, \"ffn\": 64, \"layers\": 2, \"heads\": 2, \"kv_heads\": 1, \"head_dim\": 16},"
      + " \"pretrain\": {\"epochs\": 1, \"batch\": 8}, \"annotated_prompts\": 40, \"annotated_held_out\": 8,"
      + " \"reward_model\": {\"epochs\": 1, \"batch\": 8}, \"subtopics\": 4, \"questions\": 3, \"held_out_prompts\": 24,"
      + " \"dev_prompts\": 10, \"max_new_tokens\": 12, \"generation_batch\": 32, \"rounds\": ["
      + " {\"name\": \"sft\", \"algorithm\": \"sft\", \"generators\": [\"weak\"], \"prompts\": 40, \"samples\": 2,"
      + "  \"temperature\": 1.0, \"train\": {\"epochs\": 1, \"batch\": 8, \"lr\": 0.001, \"warmup\": 2}, \"beta\": 0.1,"
      + "  \"eta\": 0, \"sft_weight\": 0, \"margin\": 0},"
      + " {\"name\": \"rpo-1\", \"algorithm\": \"rpo\", \"generators\": [\"weak\", \"policy\"], \"prompts\": 20, \"samples\": 2,"
      + "  \"temperature\": 0.8, \"train\": {\"epochs\": 1, \"batch\": 4, \"lr\": 5e-5, \"warmup\": 1}, \"beta\": 0.1,"
      + "  \"eta\": 0.1, \"sft_weight\": 1.0, \"margin\": 0.1}]}";

  @Test
  void runsThePipelineAndPrintsEveryStage(@TempDir Path tmp) throws Exception {
    Path cfg = tmp.resolve("tiny.json");
    Files.writeString(cfg, TINY);
    Path out = tmp.resolve("run");
    String text = MainTest.capture(() -> assertThat(Main.run("pipeline", "--out", out.toString(), "--seed", "4", "--config",
        cfg.toString(), "--no-progress")).isEqualTo(0));
    for (String stage : new String[] {"weak-generator", "base", "sft", "rpo-1"}) {
      assertThat(text).contains(stage);
    }
    JsonNode m = new ObjectMapper().readTree(Files.readString(out.resolve("metrics.json")));
    assertThat(m.get("stages")).hasSize(4);
    assertThat(m.get("seed").asLong()).isEqualTo(4);
    assertThat(Files.isRegularFile(out.resolve("report.md"))).isTrue();
  }

  @Test
  void badArgumentsAreUsageErrors(@TempDir Path tmp) throws Exception {
    assertThat(Main.run("pipeline", "--size", "huge", "--out", tmp.resolve("x").toString())).isEqualTo(2);
    assertThat(Main.run("pipeline", "--config", tmp.resolve("missing.json").toString())).isEqualTo(2);
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"countrys\": 3}");
    assertThat(Main.run("pipeline", "--config", bad.toString(), "--out", tmp.resolve("y").toString())).isEqualTo(2);
    assertThat(Main.run("pipeline", "--seed", "many")).isEqualTo(2);
  }
}

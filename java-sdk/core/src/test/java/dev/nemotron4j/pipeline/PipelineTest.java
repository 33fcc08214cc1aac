package dev.nemotron4j.pipeline;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.data.Jsonl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline at a tiny size: every stage runs, the outputs are complete, runs are reproducible and resumable. */
class PipelineTest {
  @TempDir Path dir;

  static PipelineConfig tiny() {
    PipelineConfig.Train t = new PipelineConfig.Train(1, 8, 1e-3, 2);
    PipelineConfig.Train pref = new PipelineConfig.Train(1, 4, 5e-5, 1);
    return new PipelineConfig(8, 300, 0.6, 400, new PipelineConfig.Shape(32, 64, 2, 2, 1, 16, 256), t, 64, 40, 8, 0.15, t,
        new PipelineConfig.Weak(0.6, 0.5, 0.3), 5, 4, 3, 0.3, 2, 0.9, 24, 10, 12, 32,
        Map.of("ground_truth", 2.0, "instructions", 2.0, "reward", 0.5), List.of(
            new PipelineConfig.Round("sft", "sft", List.of("weak"), 40, 2, 1.0, t, 0.1, 0, 0, 0),
            new PipelineConfig.Round("dpo", "dpo", List.of("weak", "policy"), 20, 2, 0.8, pref, 0.3, 0, 1.0, 0.1),
            new PipelineConfig.Round("rpo-1", "rpo", List.of("weak", "policy"), 20, 3, 0.8, pref, 0.1, 0.1, 1.0, 0.1)));
  }

  private static Map<String, Double> numbers(JsonNode metrics) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (JsonNode s : metrics.get("stages")) {
      for (String k : List.of("answer_accuracy", "ifeval_prompt_strict", "ifeval_instruction_strict", "reward")) {
        m.put(s.get("name").asText() + "." + k, s.get(k).asDouble());
      }
    }
    m.put("rm", metrics.get("rm_pairwise_accuracy").asDouble());
    return m;
  }

  private static List<String> lines(Path f) throws Exception {
    return Files.isRegularFile(f) ? Files.readAllLines(f) : List.of();
  }

  @Test
  void runsEndToEndReproduciblyAndResumes() throws Exception {
    Path a = dir.resolve("a");
    ObjectNode m = Pipeline.run(a, 11, tiny(), false);

    // metrics.json: every stage with the four numbers, accuracies as fractions
    List<String> names = new ArrayList<>();
    for (JsonNode s : m.get("stages")) {
      names.add(s.get("name").asText());
      for (String k : List.of("answer_accuracy", "ifeval_prompt_strict", "ifeval_instruction_strict")) {
        assertThat(s.get(k).asDouble()).isAtLeast(0.0);
        assertThat(s.get(k).asDouble()).isAtMost(1.0);
      }
      assertThat(Double.isFinite(s.get("reward").asDouble())).isTrue();
    }
    assertThat(names).containsExactly("weak-generator", "base", "sft", "dpo", "rpo-1").inOrder();
    assertThat(m.get("seed").asLong()).isEqualTo(11);
    assertThat(m.get("rm_pairwise_accuracy").asDouble()).isAtLeast(0.0);
    assertThat(m.get("seconds").asDouble()).isGreaterThan(0.0);
    JsonNode onDisk = PipelineConfig.JSON.readTree(Files.readString(a.resolve("metrics.json")));
    assertThat(numbers(onDisk)).isEqualTo(numbers(m));

    // the report, the plots, the data and the checkpoints are there
    String report = Files.readString(a.resolve("report.md"));
    for (String n : names) {
      assertThat(report).contains("| " + n + " |");
    }
    for (String p : List.of("loss-pretrain-rm.png", "loss-alignment.png", "heldout-accuracy.png", "heldout-reward.png")) {
      byte[] png = Files.readAllBytes(a.resolve("plots").resolve(p));
      assertThat(png.length).isGreaterThan(1000);
      assertThat(png[1]).isEqualTo((byte) 'P');
    }
    for (String f : List.of("tokenizer/tokenizer.model", "base/final/config.json", "rm/final/config.json",
        "rounds/sft/final/model.safetensors", "rounds/rpo-1/final/model.safetensors", "sdg/prompts.jsonl",
        "sdg/topics.jsonl", "rounds/dpo/preference-data.jsonl", "eval/rpo-1-responses.jsonl", "rm/heldout-scores.jsonl")) {
      assertThat(Files.isRegularFile(a.resolve(f))).isTrue();
    }
    // every synthetic record carries its provenance
    for (Jsonl.Row r : Jsonl.readAll(a.resolve("rounds/dpo/responses.jsonl"))) {
      JsonNode p = r.json().get("provenance");
      assertThat(p.get("generator").asText()).isNotEmpty();
      assertThat(p.get("template").asText()).isNotEmpty();
      assertThat(p.has("seed")).isTrue();
    }

    // the held-out questions appear in no training data
    List<String> questions = new ArrayList<>();
    for (Jsonl.Row r : Jsonl.readAll(a.resolve("data/heldout-prompts.jsonl"))) {
      questions.add(r.json().get("question").asText());
    }
    List<String> training = new ArrayList<>();
    training.addAll(lines(a.resolve("data/corpus.jsonl")));
    training.addAll(lines(a.resolve("data/annotated-train.jsonl")));
    for (String round : List.of("sft", "dpo", "rpo-1")) {
      training.addAll(lines(a.resolve("rounds").resolve(round).resolve("sft-data.jsonl")));
      training.addAll(lines(a.resolve("rounds").resolve(round).resolve("preference-data.jsonl")));
    }
    assertThat(training).isNotEmpty();
    String all = String.join("\n", training);
    for (String q : questions) {
      assertThat(all).doesNotContain(q);
    }

    // a second run into the same folder continues (here: nothing left to do) with the same numbers
    ObjectNode again = Pipeline.run(a, 11, tiny(), false);
    assertThat(numbers(again)).isEqualTo(numbers(m));

    // the same seed in another folder gives the same numbers
    ObjectNode b = Pipeline.run(dir.resolve("b"), 11, tiny(), false);
    assertThat(numbers(b)).isEqualTo(numbers(m));

    // another seed or other settings in the same folder is an error, not a silent mix
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pipeline.run(a, 12, tiny(), false));
    assertThat(e).hasMessageThat().contains("other settings");
    try (Stream<Path> s = Files.list(a)) {
      assertThat(s.filter(p -> p.getFileName().toString().endsWith(".partial")).count()).isEqualTo(0);
    }
  }
}

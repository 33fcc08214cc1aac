package dev.nemotron4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.data.Jsonl;
import dev.nemotron4j.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The pipeline's outputs for people: metrics.json, report.md and PNG plots. */
final class Report {
  private Report() {}

  static ObjectNode write(Path out, long seed, PipelineConfig cfg, Map<String, Evaluation.Metrics> stages, double rmAccuracy,
      ArrayNode rounds, double seconds) {
    ObjectNode metrics = JsonNodeFactory.instance.objectNode();
    ArrayNode st = metrics.putArray("stages");
    for (Evaluation.Metrics m : stages.values()) {
      st.add(m.toJson());
    }
    metrics.put("rm_pairwise_accuracy", rmAccuracy);
    metrics.put("seed", seed);
    metrics.put("seconds", Math.round(seconds * 10) / 10.0);
    metrics.set("rounds", rounds);
    AtomicFiles.writeString(out.resolve("metrics.json"), metrics.toPrettyString() + "\n");

    // plots: loss curves of every training run, held-out metrics of every stage
    Map<String, List<Double>> losses = new LinkedHashMap<>();
    losses.put("pretrain", losses(out.resolve("base").resolve("metrics.jsonl")));
    losses.put("reward model", losses(out.resolve("rm").resolve("metrics.jsonl")));
    for (PipelineConfig.Round r : cfg.rounds()) {
      losses.put(r.name(), losses(out.resolve("rounds").resolve(r.name()).resolve("metrics.jsonl")));
    }
    Path plots = out.resolve("plots");
    Plots.lines(plots.resolve("loss-pretrain-rm.png"), "Training loss: pretraining and reward model", "step", "loss",
        Map.of("pretrain", losses.get("pretrain"), "reward model", losses.get("reward model")));
    Map<String, List<Double>> align = new LinkedHashMap<>();
    for (PipelineConfig.Round r : cfg.rounds()) {
      align.put(r.name() + " (" + r.algorithm() + ")", losses.get(r.name()));
    }
    Plots.lines(plots.resolve("loss-alignment.png"), "Training loss: alignment rounds", "step", "loss", align);
    List<String> names = new ArrayList<>(stages.keySet());
    Map<String, double[]> bars = new LinkedHashMap<>();
    String[] keys = {"answer accuracy", "IFEval prompt strict", "IFEval instruction strict"};
    for (int k = 0; k < keys.length; k++) {
      double[] v = new double[names.size()];
      for (int i = 0; i < v.length; i++) {
        Evaluation.Metrics m = stages.get(names.get(i));
        v[i] = k == 0 ? m.answerAccuracy() : k == 1 ? m.ifevalPromptStrict() : m.ifevalInstructionStrict();
      }
      bars.put(keys[k], v);
    }
    Plots.bars(plots.resolve("heldout-accuracy.png"), "Held-out accuracy by stage", names, bars);
    double[] rw = new double[names.size()];
    for (int i = 0; i < rw.length; i++) {
      rw[i] = stages.get(names.get(i)).reward();
    }
    Plots.bars(plots.resolve("heldout-reward.png"), "Held-out mean reward by stage", names, Map.of("reward", rw));

    AtomicFiles.writeString(out.resolve("report.md"), markdown(out, seed, cfg, stages, rmAccuracy, rounds, seconds));
    return metrics;
  }

  private static List<Double> losses(Path metricsFile) {
    List<Double> out = new ArrayList<>();
    if (Files.isRegularFile(metricsFile)) {
      for (Jsonl.Row r : Jsonl.readAll(metricsFile)) {
        JsonNode l = r.json().get("loss");
        if (l != null && l.isNumber()) {
          out.add(l.asDouble());
        }
      }
    }
    return out;
  }

  private static String markdown(Path out, long seed, PipelineConfig cfg, Map<String, Evaluation.Metrics> stages,
      double rmAccuracy, ArrayNode rounds, double seconds) {
    StringBuilder sb = new StringBuilder();
    sb.append("# nemotron4j weak-to-strong pipeline — toy world, seed ").append(seed).append("\n\n");
    sb.append(String.format(Locale.ROOT, "Finished in %.0f s. Settings: `settings.json`. Every number below is reproducible"
        + " from the seed and settings.%n%n", seconds));
    sb.append("## Held-out evaluation\n\n");
    sb.append(String.format(Locale.ROOT, "%d held-out prompts (their questions never appear in any training data), greedy"
        + " decoding.%n%n", cfg.heldOutPrompts()));
    sb.append("| stage | answer accuracy | IFEval prompt strict | IFEval instruction strict | mean reward |\n");
    sb.append("|---|---|---|---|---|\n");
    for (Evaluation.Metrics m : stages.values()) {
      sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f |%n", m.name(), m.answerAccuracy(),
          m.ifevalPromptStrict(), m.ifevalInstructionStrict(), m.reward()));
    }
    sb.append(String.format(Locale.ROOT, "%nReward model: pairwise accuracy %.3f on held-out annotated pairs"
        + " (%d prompts of the annotated set, pairs whose noise-free rewards differ).%n%n", rmAccuracy, cfg.annotatedHeldOut()));
    sb.append("![held-out accuracy](plots/heldout-accuracy.png)\n![held-out reward](plots/heldout-reward.png)\n\n");
    sb.append("## Rounds\n\n");
    sb.append("Each round's generators answer its prompts several times; the judges score every response; the samples'"
        + " mean scores show how the generating model improves from round to round.\n\n");
    sb.append("| round | from | responses | mean ground truth | mean instructions | mean reward | training data |"
        + " LLM judge consistent / agrees | dev quality | best after |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (JsonNode r : rounds) {
      JsonNode d = r.path("data");
      JsonNode ms = d.path("mean_scores");
      String data = d.has("examples") ? d.get("examples").asInt() + " SFT examples"
          : d.path("pairs").asInt() + " pairs (gap " + String.format(Locale.ROOT, "%.2f", d.path("mean_quality_gap").asDouble())
              + ")";
      if (d.has("skipped")) {
        data += ", skipped: " + d.get("skipped").asText();
      }
      String judge = d.has("llm_judge") ? String.format(Locale.ROOT, "%.2f / %.2f", d.get("llm_judge").get("consistent")
          .asDouble(), d.get("llm_judge").get("agrees_with_selection").asDouble()) : "-";
      sb.append(String.format(Locale.ROOT, "| %s (%s) | %s | %d | %.3f | %.3f | %.3f | %s | %s | %.3f | %s |%n",
          r.get("name").asText(), r.get("algorithm").asText(), r.get("starts_from").asText(), d.path("responses").asInt(),
          ms.path("ground_truth").asDouble(), ms.path("instructions").asDouble(), ms.path("reward").asDouble(), data, judge,
          r.path("dev_quality").asDouble(), r.path("best_after").asText()));
    }
    sb.append("\nSelection details (filters, prompts without a verified response or without a margin): `metrics.json`"
        + " → `rounds[].data.selection`.\n");
    sb.append("\n![loss](plots/loss-pretrain-rm.png)\n![loss](plots/loss-alignment.png)\n\n");
    sb.append("## Samples (held-out)\n\n");
    for (Evaluation.Metrics m : stages.values()) {
      Path f = out.resolve("eval").resolve(m.name() + "-responses.jsonl");
      if (!Files.isRegularFile(f)) {
        continue;
      }
      sb.append("**").append(m.name()).append("**\n\n```\n");
      List<Jsonl.Row> rows = Jsonl.readAll(f);
      for (int i = 0; i < Math.min(4, rows.size()); i++) {
        ObjectNode o = rows.get(i).json();
        sb.append(o.get("prompt").asText().replace("\n", " / ")).append("\n  => ")
            .append(o.get("response").asText().replace("\n", " / ")).append("\n");
      }
      sb.append("```\n\n");
    }
    sb.append("## Files\n\n");
    sb.append("- `data/`: corpus, world facts, annotated set (train / held-out), held-out and dev prompts\n");
    sb.append("- `tokenizer/tokenizer.model`: the BPE SentencePiece model trained on the corpus\n");
    sb.append("- `base/`, `rm/`, `rounds/<name>/`: training configs (`train.json`, rerunnable with `nemotron4j train`),"
        + " metrics, checkpoints, final models\n");
    sb.append("- `sdg/`: every synthetic-data stage (topics, subtopics, questions, math, two-turn, the prompt pool);"
        + " `rounds/<name>/responses.jsonl`: every judged response\n");
    sb.append("- `eval/`: every stage's held-out responses and scores\n");
    return sb.toString();
  }
}

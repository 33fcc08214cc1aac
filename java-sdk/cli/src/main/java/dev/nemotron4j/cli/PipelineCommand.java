package dev.nemotron4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.pipeline.Pipeline;
import dev.nemotron4j.pipeline.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nemotron4j pipeline}: the weak-to-strong alignment loop on the built-in toy world. */
@Command(name = "pipeline", description = "Run the iterative weak-to-strong alignment pipeline on the built-in toy world:"
    + " tokenizer, base model, reward model, synthetic data, SFT, DPO, RPO rounds, evaluation and a report.")
final class PipelineCommand implements Callable<Integer> {
  @Option(names = "--out", description = "run folder (continued when it exists; default: runs/pipeline-<size>-seed<seed>)")
  Path out;

  @Option(names = "--seed", defaultValue = "1", description = "seed of everything (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--size", defaultValue = "small", description = "small (default, minutes on 2 cores) or medium")
  String size;

  @Option(names = "--config", description = "JSON file overriding any of the size's settings (see settings.json of a run)")
  Path config;

  @Option(names = "--no-progress", description = "no progress bars")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    String s = size.toLowerCase(Locale.ROOT);
    if (config != null && !Files.isRegularFile(config)) {
      throw new IllegalArgumentException("no pipeline config file at " + config);
    }
    PipelineConfig cfg = config == null ? PipelineConfig.defaults(s) : PipelineConfig.read(s, config);
    Path dir = out != null ? out : Path.of("runs", "pipeline-" + s + "-seed" + seed);
    ObjectNode m = Pipeline.run(dir, seed, cfg, !noProgress);
    System.out.printf(Locale.ROOT, "%-16s %8s %8s %8s %8s%n", "stage", "answer", "if-prom", "if-inst", "reward");
    for (JsonNode st : m.get("stages")) {
      System.out.printf(Locale.ROOT, "%-16s %8.3f %8.3f %8.3f %8.3f%n", st.get("name").asText(),
          st.get("answer_accuracy").asDouble(), st.get("ifeval_prompt_strict").asDouble(),
          st.get("ifeval_instruction_strict").asDouble(), st.get("reward").asDouble());
    }
    System.out.printf(Locale.ROOT, "reward model pairwise accuracy %.3f; %.0f s; report: %s%n",
        m.get("rm_pairwise_accuracy").asDouble(), m.get("seconds").asDouble(), dir.resolve("report.md"));
    return 0;
  }
}

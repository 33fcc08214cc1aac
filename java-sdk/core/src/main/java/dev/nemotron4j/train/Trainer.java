package dev.nemotron4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.checkpoint.Checkpoint;
import dev.nemotron4j.io.AtomicFiles;
import dev.nemotron4j.io.ProgressBar;
import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.nn.Module;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop shared by every algorithm: gradient accumulation (micro-batches weighted by
 * their units, so the update equals one big batch's), global-norm clipping, AdamW with a
 * learning-rate schedule, optional mixed precision (BF16 compute copies of the matrices, F32
 * masters and optimizer state), metrics to {@code metrics.jsonl}, a progress bar, atomic
 * checkpoints every N steps and exact resume from the latest one.
 *
 * <p>Layout of {@code outDir}: {@code metrics.jsonl}, {@code checkpoints/step-NNNNNNNN/}
 * ({@code model.safetensors}, {@code optimizer.safetensors}, {@code trainer_state.json}) and
 * {@code checkpoints/latest} naming the newest complete checkpoint.
 */
public final class Trainer<B> {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param steps optimizer steps of the run (a resumed run continues to the same total)
   * @param gradAccum micro-batches per optimizer step
   * @param checkpointEvery steps between checkpoints (0: only the last step)
   * @param keepCheckpoints how many checkpoints to keep (older ones are deleted)
   * @param outDir where metrics and checkpoints go
   * @param compute F32, or BF16 for mixed precision
   * @param progress show a progress bar on stderr
   */
  public record Config(
      long steps, int gradAccum, int checkpointEvery, int keepCheckpoints, Path outDir, DType compute, boolean progress) {
    public Config {
      if (steps < 1 || gradAccum < 1 || checkpointEvery < 0 || keepCheckpoints < 1) {
        throw new IllegalArgumentException(
            "steps and grad_accum must be >= 1, checkpoint_every >= 0, keep_checkpoints >= 1; got " + steps + ", "
                + gradAccum + ", " + checkpointEvery + ", " + keepCheckpoints);
      }
      if (compute != DType.F32 && compute != DType.BF16) {
        throw new IllegalArgumentException("compute dtype must be F32 or BF16 (mixed precision), got " + compute);
      }
    }
  }

  /** Per-step losses of this run (including steps before a resume, read back from the metrics). */
  public record Result(long steps, List<Double> losses, Path lastCheckpoint, Map<String, Double> lastMetrics) {}

  private final Module model;
  private final TrainTask<B> task;
  private final OptimizerConfig opt;
  private final Config cfg;
  private final String label;

  public Trainer(String label, Module model, TrainTask<B> task, OptimizerConfig opt, Config cfg) {
    this.label = label;
    this.model = model;
    this.task = task;
    this.opt = opt;
    this.cfg = cfg;
  }

  public Result run() {
    Path ckDir = cfg.outDir().resolve("checkpoints");
    try {
      Files.createDirectories(ckDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + ckDir, e);
    }
    Map<String, Parameter> params = new LinkedHashMap<>();
    model.namedParameters().forEach((k, p) -> {
      if (p.value().requiresGrad()) {
        params.put(k, p);
      }
    });
    if (cfg.compute() != DType.F32) {
      params.forEach((k, p) -> {
        if (p.shape().length == 2 && !k.endsWith("embed_tokens.weight")) {
          p.setComputeDType(cfg.compute());
        }
      });
    }
    Path metricsFile = cfg.outDir().resolve("metrics.jsonl");
    List<Double> losses = new ArrayList<>();
    Map<String, Double> last = new TreeMap<>();
    Path lastCheckpoint = null;
    try (AdamW adam = new AdamW(params, opt)) {
      long start = resume(ckDir, adam);
      if (start > 0) {
        lastCheckpoint = ckDir.resolve(stepName(start));
        LOG.info("{}: resumed from {} (step {})", label, lastCheckpoint, start);
      }
      List<String> kept = keptMetrics(metricsFile, start, losses);
      StringBuilder lines = new StringBuilder();
      kept.forEach(l -> lines.append(l).append('\n'));
      ProgressBar progress = new ProgressBar(label + " step", start, cfg.steps(), cfg.progress());
      for (long step = start + 1; step <= cfg.steps(); step++) {
        long t0 = System.nanoTime();
        List<B> micro = task.next(cfg.gradAccum());
        double total = 0;
        for (B b : micro) {
          total += task.units(b);
        }
        if (!(total > 0)) {
          throw new IllegalStateException(label + ": step " + step + " has no training units (empty batch after masking)");
        }
        double loss = 0;
        long tokens = 0;
        Map<String, Double> metrics = new TreeMap<>();
        for (B b : micro) {
          double w = task.units(b) / total;
          try (Scope s = Scope.open(); Tape tape = Tape.record()) {
            TrainTask.Loss l = task.loss(b);
            double v = l.value().item();
            if (!Double.isFinite(v)) {
              throw new TrainingDivergedException(label + ": loss is " + v + " at step " + step + "; the last good checkpoint is "
                  + (lastCheckpoint == null ? "none (no step completed)" : lastCheckpoint.toString()), step);
            }
            tape.backward(l.value(), Tensor.full(DType.F32, w, l.value().shape()).escape());
            loss += w * v;
            tokens += l.tokens();
            for (Map.Entry<String, Double> e : l.metrics().entrySet()) {
              metrics.merge(e.getKey(), w * e.getValue(), Double::sum);
            }
          }
        }
        float norm = Kernels.clipGradNorm(adam.gradients(), opt.gradClip());
        if (!Float.isFinite(norm)) {
          throw new TrainingDivergedException(label + ": gradient norm is " + norm + " at step " + step
              + "; the last good checkpoint is " + (lastCheckpoint == null ? "none" : lastCheckpoint.toString()), step);
        }
        float lr = opt.lrAt(step, cfg.steps());
        adam.step(lr);
        model.zeroGrad();
        double seconds = (System.nanoTime() - t0) / 1e9;
        losses.add(loss);
        ObjectNode line = JSON.createObjectNode();
        line.put("step", step).put("loss", loss).put("lr", lr).put("grad_norm", norm).put("tokens", tokens)
            .put("tokens_per_s", tokens / seconds).put("step_s", seconds);
        metrics.forEach(line::put);
        lines.append(line).append('\n');
        last = new TreeMap<>(metrics);
        last.put("loss", loss);
        progress.update(step, String.format(java.util.Locale.ROOT, "loss %.4f  %s tok/s", loss,
            ProgressBar.human(tokens / seconds)));
        boolean save = step == cfg.steps() || (cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0);
        if (save) {
          AtomicFiles.writeString(metricsFile, lines.toString());
          lastCheckpoint = checkpoint(ckDir, step, adam);
        }
      }
      AtomicFiles.writeString(metricsFile, lines.toString());
    } finally {
      params.values().forEach(p -> p.setComputeDType(null));
    }
    return new Result(cfg.steps(), losses, lastCheckpoint, last);
  }

  static String stepName(long step) {
    return String.format("step-%08d", step);
  }

  private Path checkpoint(Path ckDir, long step, AdamW adam) {
    Path dir = ckDir.resolve(stepName(step));
    Checkpoint.save(model, dir, DType.F32, Long.MAX_VALUE);
    adam.save(dir.resolve("optimizer.safetensors"));
    ObjectNode state = JSON.createObjectNode();
    state.put("step", step);
    state.set("task", task.state());
    AtomicFiles.writeString(dir.resolve("trainer_state.json"), state.toPrettyString());
    AtomicFiles.writeString(ckDir.resolve("latest"), dir.getFileName().toString() + "\n");
    prune(ckDir);
    return dir;
  }

  private void prune(Path ckDir) {
    try (Stream<Path> s = Files.list(ckDir)) {
      List<Path> dirs = new ArrayList<>(s.filter(p -> p.getFileName().toString().startsWith("step-")).sorted().toList());
      for (int i = 0; i < dirs.size() - cfg.keepCheckpoints(); i++) {
        try (Stream<Path> files = Files.walk(dirs.get(i))) {
          for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(f);
          }
        }
      }
    } catch (IOException e) {
      LOG.warn("could not prune old checkpoints in {}: {}", ckDir, e.getMessage());
    }
  }

  /** Loads the latest checkpoint if there is one; returns its step (0: fresh start). */
  private long resume(Path ckDir, AdamW adam) {
    Path latest = ckDir.resolve("latest");
    if (!Files.isRegularFile(latest)) {
      return 0;
    }
    try {
      Path dir = ckDir.resolve(Files.readString(latest, StandardCharsets.UTF_8).trim());
      JsonNode state = JSON.readTree(Files.readString(dir.resolve("trainer_state.json")));
      long step = state.get("step").asLong();
      if (step >= cfg.steps()) {
        LOG.info("{}: {} already reached step {} of {}", label, dir, step, cfg.steps());
      }
      try (Checkpoint ck = Checkpoint.open(dir)) {
        ck.loadInto(model);
      }
      adam.load(dir.resolve("optimizer.safetensors"));
      task.restore(state.get("task"));
      for (Parameter p : model.namedParameters().values()) {
        p.refreshCompute();
      }
      return step;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resume from " + latest, e);
    }
  }

  /** Metrics lines of steps <= start (a resumed run continues the file). */
  private static List<String> keptMetrics(Path file, long start, List<Double> losses) {
    List<String> kept = new ArrayList<>();
    if (start == 0 || !Files.isRegularFile(file)) {
      return kept;
    }
    try {
      for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (l.isBlank()) {
          continue;
        }
        JsonNode n = JSON.readTree(l);
        if (n.get("step").asLong() <= start) {
          kept.add(l);
          losses.add(n.get("loss").asDouble());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return kept;
  }
}

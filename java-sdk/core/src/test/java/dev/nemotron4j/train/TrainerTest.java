package dev.nemotron4j.train;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.nemotron4j.model.LmLoss;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.model.Presets;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  /** Next-token loss on a fixed set of random rows; micro-batches of `rows` consecutive rows. */
  static final class RowsTask implements TrainTask<long[][]> {
    final NemotronForCausalLM model;
    final long[][] data;
    final int rows;
    int cursor;
    int nanAtCall = -1;
    int calls;
    RuntimeException crashAfter;
    int crashAtNext = -1;

    RowsTask(NemotronForCausalLM model, int n, int t, int rows) {
      this.model = model;
      this.rows = rows;
      SplittableRandom r = new SplittableRandom(7);
      data = new long[n][t];
      for (long[] row : data) {
        for (int i = 0; i < t; i++) {
          row[i] = r.nextInt(model.config().vocabSize());
        }
      }
    }

    @Override
    public List<long[][]> next(int n) {
      if (crashAtNext >= 0 && cursor >= crashAtNext) {
        throw new IllegalStateException("simulated crash");
      }
      List<long[][]> out = new ArrayList<>();
      for (int m = 0; m < n; m++) {
        long[][] b = new long[rows][];
        for (int i = 0; i < rows; i++) {
          b[i] = data[(cursor++) % data.length];
        }
        out.add(b);
      }
      return out;
    }

    @Override
    public double units(long[][] b) {
      return b.length * (b[0].length - 1);
    }

    @Override
    public Loss loss(long[][] b) {
      int t = b[0].length;
      long[] ids = new long[b.length * t];
      for (int i = 0; i < b.length; i++) {
        System.arraycopy(b[i], 0, ids, i * t, t);
      }
      Tensor logits = model.logits(Tensor.ofLongs(ids, b.length, t), null);
      Tensor loss = LmLoss.nextTokenLoss(logits, LmLoss.targets(ids, b.length, t, null, null));
      if (++calls == nanAtCall) {
        loss = dev.nemotron4j.autograd.Ops.scale(loss, Float.NaN);
      }
      return new Loss(loss, ids.length, Map.of("rows", (double) b.length));
    }

    @Override
    public JsonNode state() {
      return IntNode.valueOf(cursor);
    }

    @Override
    public void restore(JsonNode state) {
      cursor = state.asInt();
    }
  }

  static Trainer.Config cfg(Path dir, long steps, int accum, int every, DType compute) {
    return new Trainer.Config(steps, accum, every, 3, dir, compute, false);
  }

  @Test
  void accumulationEqualsTheFullBatch(@TempDir Path tmp) {
    float[][] after = new float[2][];
    int[][] shape = {{4, 1}, {2, 2}, {1, 4}};
    List<float[]> results = new ArrayList<>();
    for (int[] s : shape) {
      try (NemotronForCausalLM m = NemotronForCausalLM.create(Presets.get("nemotron-test"), 1)) {
        RowsTask task = new RowsTask(m, 8, 10, s[0]);
        new Trainer<>("t", m, task, OptimizerConfig.of(1e-2f), cfg(tmp.resolve(s[0] + "x" + s[1]), 1, s[1], 0, DType.F32)).run();
        results.add(m.lmHead().weight().value().toFloatArray());
      }
    }
    for (int k = 1; k < results.size(); k++) {
      float[] a = results.get(0), b = results.get(k);
      double worst = 0;
      for (int i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
      assertThat(worst).isLessThan(2e-6);
    }
    assertThat(after.length).isEqualTo(2);
  }

  @Test
  void resumeReproducesTheUninterruptedRunBitForBit(@TempDir Path tmp) throws Exception {
    OptimizerConfig opt = new OptimizerConfig(5e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1.0f, "cosine", 2, 0.1f);
    List<Double> full;
    try (NemotronForCausalLM m = NemotronForCausalLM.create(Presets.get("nemotron-test"), 3)) {
      full = new Trainer<>("a", m, new RowsTask(m, 10, 9, 2), opt, cfg(tmp.resolve("a"), 7, 2, 2, DType.F32)).run().losses();
    }
    Path dir = tmp.resolve("b");
    try (NemotronForCausalLM m = NemotronForCausalLM.create(Presets.get("nemotron-test"), 3)) {
      RowsTask task = new RowsTask(m, 10, 9, 2);
      task.crashAtNext = 4 * 2 * 2; // dies while fetching step 5's data, after the step-4 checkpoint
      assertThrows(IllegalStateException.class,
          () -> new Trainer<>("b", m, task, opt, cfg(dir, 7, 2, 2, DType.F32)).run());
    }
    assertThat(Files.readString(dir.resolve("checkpoints/latest")).trim()).isEqualTo("step-00000004");
    List<Double> resumed;
    try (NemotronForCausalLM m = NemotronForCausalLM.create(Presets.get("nemotron-test"), 99)) { // weights come from the checkpoint
      resumed = new Trainer<>("b", m, new RowsTask(m, 10, 9, 2), opt, cfg(dir, 7, 2, 2, DType.F32)).run().losses();
    }
    assertThat(resumed).containsExactlyElementsIn(full).inOrder();
    assertThat(full.get(6)).isLessThan(full.get(0));
  }

  @Test
  void nanLossStopsWithTheStepAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws Exception {
    try (NemotronForCausalLM m = NemotronForCausalLM.create(Presets.get("nemotron-test"), 3)) {
      RowsTask task = new RowsTask(m, 10, 9, 2);
      task.nanAtCall = 5; // step 3, first micro-batch
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> new Trainer<>("n", m, task, OptimizerConfig.of(1e-3f), cfg(tmp, 10, 2, 2, DType.F32)).run());
      assertThat(e.step()).isEqualTo(3);
      assertThat(e).hasMessageThat().contains("loss is NaN at step 3");
      assertThat(e).hasMessageThat().contains("step-00000002");
    }
    assertThat(Files.exists(tmp.resolve("checkpoints/step-00000002/model.safetensors"))).isTrue();
    assertThat(Files.readString(tmp.resolve("checkpoints/latest")).trim()).isEqualTo("step-00000002");
  }

  @Test
  void mixedPrecisionTrainsWithF32Masters(@TempDir Path tmp) {
    try (NemotronForCausalLM m = NemotronForCausalLM.create(Presets.get("nemotron-test"), 3)) {
      RowsTask task = new RowsTask(m, 4, 12, 4);
      List<Double> l = new Trainer<>("mp", m, task, OptimizerConfig.of(1e-2f), cfg(tmp, 25, 1, 0, DType.BF16)).run().losses();
      assertThat(l.get(24)).isLessThan(l.get(0) * 0.7);
      for (Parameter p : m.parameters()) {
        assertThat(p.value().dtype()).isEqualTo(DType.F32);
        assertThat(p.compute()).isSameInstanceAs(p.value()); // the compute copies are gone after the run
      }
    }
  }

  @Test
  void schedules() {
    OptimizerConfig c = new OptimizerConfig(1f, 0.9f, 0.95f, 1e-8f, 0f, 0f, "cosine", 10, 0.1f);
    assertThat(c.lrAt(5, 110)).isEqualTo(0.5f);
    assertThat(c.lrAt(10, 110)).isEqualTo(1f);
    assertThat((double) c.lrAt(60, 110)).isWithin(1e-6).of(0.55);
    assertThat((double) c.lrAt(110, 110)).isWithin(1e-6).of(0.1);
    OptimizerConfig lin = new OptimizerConfig(1f, 0.9f, 0.95f, 1e-8f, 0f, 0f, "linear", 0, 0f);
    assertThat((double) lin.lrAt(50, 100)).isWithin(1e-6).of(0.5);
    assertThrows(IllegalArgumentException.class, () -> new OptimizerConfig(1f, 0.9f, 0.95f, 1e-8f, 0f, 0f, "step", 0, 0f));
  }
}

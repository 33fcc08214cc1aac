package dev.nemotron4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemotron4j.io.ConfigNode;
import dev.nemotron4j.model.NemotronConfig;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.model.NemotronRewardModel;
import dev.nemotron4j.model.Presets;
import dev.nemotron4j.checkpoint.Checkpoint;
import java.nio.file.Path;

/**
 * Where a run's model comes from: a model folder ({@code "model": "path"}) or a fresh random
 * model ({@code "model": {"preset": "nemotron-tiny", "seed": 1}} or {@code {"config": "file.json"}}).
 */
public record ModelSpec(Path dir, NemotronConfig fresh, long seed) {
  public static ModelSpec parse(JsonNode raw, Path base, String where) {
    if (raw == null) {
      throw new IllegalArgumentException(where + " has no 'model' (a model folder, or {\"preset\": ..., \"seed\": ...})");
    }
    if (raw.isTextual()) {
      return new ModelSpec(base.resolve(raw.asText()), null, 0);
    }
    ConfigNode m = new ConfigNode(raw, where + ".model");
    String preset = m.str("preset", null);
    String config = m.str("config", null);
    long seed = m.integer("seed", 1);
    m.finish();
    if ((preset == null) == (config == null)) {
      throw new IllegalArgumentException(where + ".model needs exactly one of 'preset' or 'config'");
    }
    NemotronConfig c = preset != null ? Presets.get(preset) : NemotronConfig.read(base.resolve(config));
    return new ModelSpec(null, c, seed);
  }

  public NemotronForCausalLM causalLm() {
    return dir != null ? NemotronForCausalLM.load(dir) : NemotronForCausalLM.create(fresh.asCausalLm(), seed);
  }

  /**
   * A reward model with {@code labels} outputs: loaded when the folder is one, else a causal LM's
   * backbone (or a fresh one) with a new head.
   */
  public NemotronRewardModel rewardModel(int labels) {
    if (dir != null) {
      NemotronConfig c = NemotronConfig.read(dir);
      if (c.isRewardModel()) {
        return NemotronRewardModel.load(dir);
      }
      NemotronRewardModel rm = NemotronRewardModel.create(c.asRewardModel(labels), seed);
      try (Checkpoint ck = Checkpoint.open(dir)) {
        // the backbone's tensors; the new score head keeps its random init
        java.util.Map<String, dev.nemotron4j.nn.Parameter> ps = rm.namedParameters();
        for (java.util.Map.Entry<String, dev.nemotron4j.nn.Parameter> e : ps.entrySet()) {
          if (!e.getKey().startsWith("score.")) {
            try (dev.nemotron4j.tensor.Tensor t = ck.tensor(e.getKey())) {
              dev.nemotron4j.kernels.Kernels.convert(e.getValue().value(), t, null);
            }
          }
        }
      } catch (RuntimeException e) {
        rm.close();
        throw e;
      }
      return rm;
    }
    return NemotronRewardModel.create(fresh.asRewardModel(labels), seed);
  }
}

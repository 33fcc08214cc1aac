package dev.nemotron4j.model;

import dev.nemotron4j.nn.Init;
import dev.nemotron4j.nn.Linear;
import dev.nemotron4j.nn.Module;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * Hugging Face {@code NemotronForSequenceClassification} as a HelpSteer2-style reward model: a
 * linear head {@code score.weight [num_labels, hidden]} on the final-norm hidden state of each
 * sequence's last non-pad token, and a scalar reward as a weighted sum of the attributes.
 */
public final class NemotronRewardModel extends Module {
  /** The five HelpSteer2 attributes, in head order. */
  public static final List<String> HELPSTEER2_ATTRIBUTES =
      List.of("helpfulness", "correctness", "coherence", "complexity", "verbosity");
  /** The published HelpSteer2 weights of the attributes for the scalar reward. */
  public static final float[] HELPSTEER2_WEIGHTS = {0.3f, 0.74f, 0.46f, 0.47f, -0.33f};

  private final NemotronConfig config;
  private final NemotronModel model;
  private final Linear score;

  public NemotronRewardModel(NemotronConfig config) {
    if (!config.isRewardModel()) {
      throw new IllegalArgumentException("config is " + config.architecture() + "; use asRewardModel(labels)");
    }
    this.config = config;
    model = register("model", new NemotronModel(config));
    score = register("score", new Linear(config.hiddenSize(), config.numLabels(),
        Init.normal((float) config.initializerRange())));
  }

  public static NemotronRewardModel create(NemotronConfig config, long seed) {
    NemotronRewardModel m = new NemotronRewardModel(config);
    m.initialize(seed);
    return m;
  }

  /** Loads a reward model folder (config.json with num_labels, weights with score.weight). */
  public static NemotronRewardModel load(Path dir) {
    return ModelFiles.loadWeights(dir, new NemotronRewardModel(NemotronConfig.read(dir)));
  }

  public void save(Path dir, DType dtype) {
    ModelFiles.save(this, config, dir, dtype);
  }

  public NemotronConfig config() {
    return config;
  }

  public NemotronModel backbone() {
    return model;
  }

  public Linear score() {
    return score;
  }

  /** Final-norm hidden state [B, C] of each row's last token (lens[b] - 1; lens nullable: T). */
  public Tensor pooled(Tensor ids, Tensor lens) {
    long[] l = lens == null ? null : lens.toLongArray();
    long t = ids.dim(1);
    for (int i = 0; l != null && i < l.length; i++) {  // checked before the forward pass
      if (l[i] < 1 || l[i] > t) {
        throw new IllegalArgumentException("sequence length " + l[i] + " of row " + i + " is outside [1, " + t + "]");
      }
    }
    return NemotronModel.lastTokenStates(model.forward(ids, lens, null), l);
  }

  /** Attribute predictions [B, num_labels]. */
  public Tensor predictions(Tensor ids, Tensor lens) {
    return score.forward(pooled(ids, lens));
  }

  /** Scalar rewards [B]: sum_k weights[k] * predictions[b, k]. */
  public static float[] reward(Tensor predictions, float[] weights) {
    long n = predictions.dim(0), k = predictions.dim(1);
    if (weights.length != k) {
      throw new IllegalArgumentException(weights.length + " reward weights for " + k + " attributes");
    }
    float[] p = predictions.toFloatArray();
    float[] r = new float[(int) n];
    for (int b = 0; b < n; b++) {
      double s = 0;
      for (int j = 0; j < k; j++) {
        s += (double) weights[j] * p[(int) (b * k + j)];
      }
      r[b] = (float) s;
    }
    return r;
  }
}

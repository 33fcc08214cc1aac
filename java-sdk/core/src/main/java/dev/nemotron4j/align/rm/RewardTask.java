package dev.nemotron4j.align.rm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.data.Batcher;
import dev.nemotron4j.data.EpochSampler;
import dev.nemotron4j.data.PaddedBatch;
import dev.nemotron4j.data.PreferenceTokens;
import dev.nemotron4j.data.RewardTokens;
import dev.nemotron4j.data.Sequence;
import dev.nemotron4j.model.NemotronRewardModel;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.train.TrainTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reward-model training. Regression: the head's attributes against HelpSteer2 labels, MSE.
 * Pairwise: Bradley-Terry {@code -log sigmoid(r_chosen - r_rejected)} on the scalar reward
 * {@code r = sum_k w_k * attribute_k}. Micro-batches are lists of example indices.
 */
public final class RewardTask implements TrainTask<List<Integer>> {
  private final NemotronRewardModel model;
  private final List<RewardTokens> regression;
  private final List<PreferenceTokens> pairs;
  private final float[] weights;
  private final EpochSampler sampler;
  private final int batch;

  private RewardTask(NemotronRewardModel model, List<RewardTokens> regression, List<PreferenceTokens> pairs, float[] weights,
      long seed, int batch) {
    this.model = model;
    this.regression = regression;
    this.pairs = pairs;
    this.weights = weights;
    this.batch = batch;
    this.sampler = new EpochSampler(regression != null ? regression.size() : pairs.size(), seed);
  }

  public static RewardTask regression(NemotronRewardModel model, List<RewardTokens> data, long seed, int batch) {
    return new RewardTask(model, data, null, null, seed, batch);
  }

  public static RewardTask pairwise(NemotronRewardModel model, List<PreferenceTokens> data, float[] weights, long seed,
      int batch) {
    return new RewardTask(model, null, data, weights, seed, batch);
  }

  @Override
  public List<List<Integer>> next(int n) {
    return sampler.batches(n, batch);
  }

  @Override
  public double units(List<Integer> b) {
    return b.size();
  }

  /** Predictions [n, labels] of full sequences. */
  static Tensor predict(NemotronRewardModel m, List<Sequence> seqs) {
    PaddedBatch pb = Batcher.pad(seqs);
    long[] lens = new long[pb.rows()];
    for (int i = 0; i < lens.length; i++) {
      lens[i] = pb.lengths()[i];
    }
    return m.predictions(Tensor.ofLongs(pb.ids(), pb.rows(), pb.t()), Tensor.ofLongs(lens, pb.rows()));
  }

  @Override
  public Loss loss(List<Integer> b) {
    Map<String, Double> metrics = new TreeMap<>();
    if (regression != null) {
      List<Sequence> seqs = new ArrayList<>();
      int k = model.config().numLabels();
      float[] labels = new float[b.size() * k];
      long tokens = 0;
      for (int i = 0; i < b.size(); i++) {
        RewardTokens r = regression.get(b.get(i));
        if (r.attributes().length != k) {
          throw new IllegalArgumentException("example has " + r.attributes().length + " attributes; the head has " + k);
        }
        seqs.add(r.sequence());
        System.arraycopy(r.attributes(), 0, labels, i * k, k);
        tokens += r.ids().length;
      }
      Tensor pred = predict(model, seqs);
      float[] p = pred.toFloatArray();
      for (int j = 0; j < k; j++) {
        double e = 0;
        for (int i = 0; i < b.size(); i++) {
          double d = p[i * k + j] - labels[i * k + j];
          e += d * d / b.size();
        }
        String name = j < NemotronRewardModel.HELPSTEER2_ATTRIBUTES.size() ? NemotronRewardModel.HELPSTEER2_ATTRIBUTES.get(j)
            : "attribute_" + j;
        metrics.put("mse_" + name, e);
      }
      return new Loss(Ops.mse(pred, Tensor.of(labels, b.size(), k)), tokens, metrics);
    }
    // pairwise: chosen rows then rejected rows
    List<Sequence> seqs = new ArrayList<>();
    long tokens = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int i : b) {
        PreferenceTokens t = pairs.get(i);
        int[] resp = pass == 0 ? t.chosenIds() : t.rejectedIds();
        int[] ids = new int[t.promptIds().length + resp.length];
        System.arraycopy(t.promptIds(), 0, ids, 0, t.promptIds().length);
        System.arraycopy(resp, 0, ids, t.promptIds().length, resp.length);
        seqs.add(Sequence.document(ids));
        tokens += ids.length;
      }
    }
    Tensor pred = predict(model, seqs);
    int p = b.size(), k = model.config().numLabels();
    if (weights.length != k) {
      throw new IllegalArgumentException(weights.length + " attribute weights for a head of " + k);
    }
    float[] f = pred.toFloatArray();
    double[] r = new double[2 * p];
    for (int i = 0; i < 2 * p; i++) {
      for (int j = 0; j < k; j++) {
        r[i] += weights[j] * f[i * k + j];
      }
    }
    double loss = 0;
    int correct = 0;
    double[] d = new double[2 * p * k];
    for (int i = 0; i < p; i++) {
      double z = r[i] - r[p + i];
      loss += -(z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z))) / p;
      double g = -(1 - (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))) / p; // dL/dz
      for (int j = 0; j < k; j++) {
        d[i * k + j] = g * weights[j];
        d[(p + i) * k + j] = -g * weights[j];
      }
      if (z > 0) {
        correct++;
      }
    }
    metrics.put("accuracy", (double) correct / p);
    return new Loss(Ops.scalarOf(pred, loss, d), tokens, metrics);
  }

  @Override
  public JsonNode state() {
    return sampler.cursor().toJson();
  }

  @Override
  public void restore(JsonNode state) {
    sampler.restore(EpochSampler.Cursor.fromJson(state));
  }
}

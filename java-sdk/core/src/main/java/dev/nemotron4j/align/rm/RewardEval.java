package dev.nemotron4j.align.rm;

import dev.nemotron4j.data.PreferenceTokens;
import dev.nemotron4j.data.RewardTokens;
import dev.nemotron4j.data.Sequence;
import dev.nemotron4j.model.NemotronRewardModel;
import dev.nemotron4j.tensor.Scope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reward-model metrics on held-out data: per-attribute MSE, pairwise accuracy. */
public final class RewardEval {
  private RewardEval() {}

  public static Map<String, Double> regression(NemotronRewardModel m, List<RewardTokens> data, int batch) {
    int k = m.config().numLabels();
    double[] se = new double[k];
    for (int i = 0; i < data.size(); i += batch) {
      List<Sequence> seqs = new ArrayList<>();
      for (int j = i; j < Math.min(data.size(), i + batch); j++) {
        seqs.add(data.get(j).sequence());
      }
      try (Scope s = Scope.open()) {
        float[] p = RewardTask.predict(m, seqs).toFloatArray();
        for (int j = 0; j < seqs.size(); j++) {
          for (int a = 0; a < k; a++) {
            double d = p[j * k + a] - data.get(i + j).attributes()[a];
            se[a] += d * d;
          }
        }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    double all = 0;
    for (int a = 0; a < k; a++) {
      String name = a < NemotronRewardModel.HELPSTEER2_ATTRIBUTES.size() ? NemotronRewardModel.HELPSTEER2_ATTRIBUTES.get(a)
          : "attribute_" + a;
      out.put("mse_" + name, se[a] / data.size());
      all += se[a];
    }
    out.put("mse", all / data.size() / k);
    return out;
  }

  /** Fraction of pairs whose chosen response gets the higher scalar reward. */
  public static Map<String, Double> pairwise(NemotronRewardModel m, List<PreferenceTokens> pairs, float[] w, int batch) {
    int correct = 0;
    for (PreferenceTokens t : pairs) {
      try (Scope s = Scope.open()) {
        List<Sequence> seqs = List.of(Sequence.document(concat(t.promptIds(), t.chosenIds())),
            Sequence.document(concat(t.promptIds(), t.rejectedIds())));
        float[] r = NemotronRewardModel.reward(RewardTask.predict(m, seqs), w);
        if (r[0] > r[1]) {
          correct++;
        }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("accuracy", (double) correct / pairs.size());
    return out;
  }

  static int[] concat(int[] a, int[] b) {
    int[] o = new int[a.length + b.length];
    System.arraycopy(a, 0, o, 0, a.length);
    System.arraycopy(b, 0, o, a.length, b.length);
    return o;
  }
}

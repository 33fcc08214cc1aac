package dev.nemotron4j.align.dpo;

import dev.nemotron4j.align.PreferenceLoss;
import dev.nemotron4j.data.PreferenceTokens;
import dev.nemotron4j.model.NemotronForCausalLM;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Policy and reference log-probs of preference pairs, their implicit rewards, and every
 * preference loss averaged over the set (no training).
 */
public final class PreferenceEval {
  private PreferenceEval() {}

  /** One pair's numbers. */
  public record Pair(double policyChosen, double policyRejected, double referenceChosen, double referenceRejected,
      double chosenReward, double rejectedReward, double margin) {}

  public record Report(List<Pair> pairs, Map<String, Double> summary) {}

  public static Report evaluate(NemotronForCausalLM policy, NemotronForCausalLM reference, List<PreferenceTokens> pairs,
      double beta, double eta, double alpha, boolean average, int batch) {
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("no preference pairs to evaluate");
    }
    double[][] pol = PreferenceTask.referenceLogps(policy, pairs, average, batch);
    double[][] ref = PreferenceTask.referenceLogps(reference, pairs, average, batch);
    int n = pairs.size();
    double[] p = new double[2 * n], r = new double[2 * n], rc = new double[n], rl = new double[n];
    int[] nc = new int[n];
    boolean rewards = true;
    java.util.List<Pair> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      p[i] = pol[i][0];
      p[n + i] = pol[i][1];
      r[i] = ref[i][0];
      r[n + i] = ref[i][1];
      nc[i] = pairs.get(i).chosenIds().length;
      Float c = pairs.get(i).chosenReward(), l = pairs.get(i).rejectedReward();
      rewards &= c != null && l != null;
      rc[i] = c == null ? Double.NaN : c;
      rl[i] = l == null ? Double.NaN : l;
      out.add(new Pair(p[i], p[n + i], r[i], r[n + i], rc[i], rl[i], beta * ((p[i] - r[i]) - (p[n + i] - r[n + i]))));
    }
    Map<String, Double> s = new LinkedHashMap<>();
    PreferenceLoss.Result dpo = PreferenceLoss.compute(PreferenceLoss.Kind.DPO, beta, eta, 0, p, r, nc, rc, rl);
    s.put("dpo_loss", dpo.loss());
    s.put("sft_nll", dpo.sft());
    s.put("dpo_sft_loss", dpo.preference() + alpha * dpo.sft());
    s.put("ipo_loss", PreferenceLoss.compute(PreferenceLoss.Kind.IPO, beta, eta, 0, p, r, nc, rc, rl).loss());
    if (rewards) {
      s.put("rpo_loss", PreferenceLoss.compute(PreferenceLoss.Kind.RPO_BWD_KL, beta, eta, 0, p, r, nc, rc, rl).loss());
      s.put("rpo_fwd_kl_loss", PreferenceLoss.compute(PreferenceLoss.Kind.RPO_FWD_KL, beta, eta, 0, p, r, nc, rc, rl).loss());
      s.put("rpo_sq_loss", PreferenceLoss.compute(PreferenceLoss.Kind.RPO_SQ, beta, eta, 0, p, r, nc, rc, rl).loss());
    } else {
      s.put("rpo_loss", Double.NaN);
      s.put("rpo_fwd_kl_loss", Double.NaN);
      s.put("rpo_sq_loss", Double.NaN);
    }
    s.put("accuracy", dpo.accuracy());
    double m = 0;
    for (double x : dpo.margins()) {
      m += x / n;
    }
    s.put("reward_margin", m);
    s.put("pairs", (double) n);
    return new Report(out, s);
  }
}

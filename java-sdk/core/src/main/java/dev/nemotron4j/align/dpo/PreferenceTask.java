package dev.nemotron4j.align.dpo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemotron4j.align.PreferenceLoss;
import dev.nemotron4j.align.SequenceLogprobs;
import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.data.EpochSampler;
import dev.nemotron4j.data.PreferenceTokens;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.train.TrainTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * DPO and its relatives (RPO, IPO) on preference pairs: each micro-batch runs its chosen and
 * rejected sequences in one batched forward of the policy; the reference's log-probs are
 * precomputed once for the whole set (or computed per batch by a frozen in-memory reference).
 * RPO reuses this task with another {@link PreferenceLoss.Kind}.
 */
public final class PreferenceTask implements TrainTask<List<Integer>> {
  /**
   * @param kind the loss
   * @param beta KL strength
   * @param eta reward scale (RPO)
   * @param alpha weight of the SFT term on chosen responses
   * @param average per-token average log-probs instead of sums
   */
  public record Settings(PreferenceLoss.Kind kind, double beta, double eta, double alpha, boolean average) {
    public Settings {
      if (!(beta > 0) || !(eta >= 0) || !(alpha >= 0)) {
        throw new IllegalArgumentException("beta must be > 0, eta and alpha >= 0; got " + beta + ", " + eta + ", " + alpha);
      }
    }
  }

  private final NemotronForCausalLM policy;
  private final NemotronForCausalLM reference; // null when precomputed
  private final List<PreferenceTokens> pairs;
  private final double[][] refLogps; // [pair] = {chosen, rejected}, when precomputed
  private final Settings s;
  private final EpochSampler sampler;
  private final int batch;

  /**
   * @param reference the reference model; with {@code precompute} its log-probs are computed here
   *     once and the model is not needed afterwards
   */
  public PreferenceTask(NemotronForCausalLM policy, NemotronForCausalLM reference, boolean precompute,
      List<PreferenceTokens> pairs, Settings s, long seed, int batch) {
    this.policy = policy;
    this.pairs = pairs;
    this.s = s;
    this.batch = batch;
    this.sampler = new EpochSampler(pairs.size(), seed);
    if (s.kind().usesRewards()) {
      for (int i = 0; i < pairs.size(); i++) {
        if (pairs.get(i).chosenReward() == null || pairs.get(i).rejectedReward() == null) {
          throw new IllegalArgumentException(s.kind() + " needs chosen and rejected rewards; pair " + i + " has none");
        }
      }
    }
    if (precompute) {
      this.reference = null;
      this.refLogps = referenceLogps(reference, pairs, s.average(), Math.max(1, batch));
    } else {
      this.reference = reference;
      this.refLogps = null;
    }
  }

  /** Reference log-probs of every pair, computed in batches without gradients. */
  public static double[][] referenceLogps(NemotronForCausalLM ref, List<PreferenceTokens> pairs, boolean average, int batch) {
    double[][] out = new double[pairs.size()][];
    for (int i = 0; i < pairs.size(); i += batch) {
      List<Integer> idx = new ArrayList<>();
      for (int j = i; j < Math.min(pairs.size(), i + batch); j++) {
        idx.add(j);
      }
      try (Scope scope = Scope.open()) {
        double[] lp = logps(ref, pairs, idx, average);
        for (int k = 0; k < idx.size(); k++) {
          out[idx.get(k)] = new double[] {lp[k], lp[idx.size() + k]};
        }
      }
    }
    return out;
  }

  static double[] logps(NemotronForCausalLM m, List<PreferenceTokens> pairs, List<Integer> idx, boolean average) {
    return SequenceLogprobs.values(m, prompts(pairs, idx), responses(pairs, idx), average);
  }

  static List<int[]> prompts(List<PreferenceTokens> pairs, List<Integer> idx) {
    List<int[]> p = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) {
      for (int i : idx) {
        p.add(pairs.get(i).promptIds());
      }
    }
    return p;
  }

  static List<int[]> responses(List<PreferenceTokens> pairs, List<Integer> idx) {
    List<int[]> r = new ArrayList<>();
    for (int i : idx) {
      r.add(pairs.get(i).chosenIds());
    }
    for (int i : idx) {
      r.add(pairs.get(i).rejectedIds());
    }
    return r;
  }

  @Override
  public List<List<Integer>> next(int n) {
    return sampler.batches(n, batch);
  }

  @Override
  public double units(List<Integer> b) {
    return b.size();
  }

  @Override
  public Loss loss(List<Integer> b) {
    int p = b.size();
    Tensor lp = SequenceLogprobs.compute(policy, prompts(pairs, b), responses(pairs, b), s.average());
    float[] f = lp.toFloatArray();
    double[] pol = new double[2 * p], ref = new double[2 * p];
    for (int i = 0; i < 2 * p; i++) {
      pol[i] = f[i];
    }
    if (refLogps != null) {
      for (int i = 0; i < p; i++) {
        ref[i] = refLogps[b.get(i)][0];
        ref[p + i] = refLogps[b.get(i)][1];
      }
    } else {
      ref = logps(reference, pairs, b, s.average());
    }
    int[] nc = new int[p];
    double[] rc = new double[p], rl = new double[p];
    long tokens = 0;
    for (int i = 0; i < p; i++) {
      PreferenceTokens t = pairs.get(b.get(i));
      nc[i] = t.chosenIds().length;
      tokens += 2L * t.promptIds().length + t.chosenIds().length + t.rejectedIds().length;
      if (t.chosenReward() != null) {
        rc[i] = t.chosenReward();
        rl[i] = t.rejectedReward();
      }
    }
    PreferenceLoss.Result r = PreferenceLoss.compute(s.kind(), s.beta(), s.eta(), s.alpha(), pol, ref, nc, rc, rl);
    Map<String, Double> m = new TreeMap<>();
    double margin = 0, chosen = 0, rejected = 0;
    for (int i = 0; i < p; i++) {
      margin += r.margins()[i] / p;
      chosen += pol[i] / p;
      rejected += pol[p + i] / p;
    }
    m.put("reward_margin", margin);
    m.put("accuracy", r.accuracy());
    m.put("chosen_logp", chosen);
    m.put("rejected_logp", rejected);
    m.put("sft_nll", r.sft());
    m.put("preference_loss", r.preference());
    return new Loss(Ops.scalarOf(lp, r.loss(), r.dPolicy()), tokens, m);
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

package dev.nemotron4j.align;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.model.LmLoss;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tensor.Tensor;
import java.util.List;

/**
 * Log-probabilities of responses given prompts, {@code sum_t log p(response_t | prompt,
 * response_<t)} (or the per-token average), for a batch of sequences {@code prompt ++ response}
 * run in one right-padded forward (a padded batch gives the same values as each sequence alone:
 * attention is causal and padding is masked).
 */
public final class SequenceLogprobs {
  private SequenceLogprobs() {}

  /**
   * Sequence log-probs [n] of {@code prompts[i] ++ responses[i]}, differentiable through the
   * model when a tape records.
   */
  public static Tensor compute(NemotronForCausalLM model, List<int[]> prompts, List<int[]> responses, boolean average) {
    int n = prompts.size();
    if (responses.size() != n || n == 0) {
      throw new IllegalArgumentException(n + " prompts for " + responses.size() + " responses");
    }
    int t = 0;
    for (int i = 0; i < n; i++) {
      if (responses.get(i).length == 0) {
        throw new IllegalArgumentException("response " + i + " is empty");
      }
      t = Math.max(t, prompts.get(i).length + responses.get(i).length);
    }
    int v = model.config().vocabSize();
    long[] ids = new long[n * t];
    long[] lens = new long[n];
    long[] targets = new long[n * t];
    java.util.Arrays.fill(targets, LmLoss.IGNORE);
    float[] select = new float[n * n * t];
    for (int i = 0; i < n; i++) {
      int[] p = prompts.get(i), r = responses.get(i);
      if (p.length == 0) {
        throw new IllegalArgumentException("prompt " + i + " is empty: the first response token needs a context");
      }
      for (int j = 0; j < p.length; j++) {
        ids[i * t + j] = check(p[j], v, "prompt", i);
      }
      for (int j = 0; j < r.length; j++) {
        ids[i * t + p.length + j] = check(r[j], v, "response", i);
      }
      lens[i] = p.length + r.length;
      float w = average ? 1f / r.length : 1f;
      // position pos predicts token pos + 1: the response tokens are pos + 1 in [p, p + r)
      for (int pos = p.length - 1; pos < p.length + r.length - 1; pos++) {
        targets[i * t + pos] = ids[i * t + pos + 1];
        select[i * n * t + i * t + pos] = w;
      }
    }
    Tensor logits = model.logits(Tensor.ofLongs(ids, n, t), Tensor.ofLongs(lens, n));
    Tensor lp = Ops.tokenLogprobs(Ops.reshape(logits, (long) n * t, v), Tensor.ofLongs(targets, (long) n * t), LmLoss.IGNORE);
    Tensor seq = Ops.matmul(Tensor.of(select, n, (long) n * t), Ops.reshape(lp, (long) n * t, 1), false, false);
    return Ops.reshape(seq, n);
  }

  /** The same values as a plain array (no autograd); e.g. a frozen reference model's log-probs. */
  public static double[] values(NemotronForCausalLM model, List<int[]> prompts, List<int[]> responses, boolean average) {
    float[] f = compute(model, prompts, responses, average).toFloatArray();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static long check(int id, int v, String what, int row) {
    if (id < 0 || id >= v) {
      throw new IllegalArgumentException(what + " " + row + " has token id " + id + " outside the vocabulary [0, " + v + ")");
    }
    return id;
  }
}

package dev.nemotron4j.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token of one row from its logits (package-private: used by Generator). */
final class Sampler {
  private final SamplingConfig cfg;
  private final SplittableRandom random;

  Sampler(SamplingConfig cfg, int row) {
    this.cfg = cfg;
    this.random = new SplittableRandom(cfg.seed() * 0x9e3779b97f4a7c15L + row);
  }

  /** The next token; {@code history} are the row's tokens so far (for the repetition penalty). */
  int next(float[] logits, int off, int v, long[] history, int historyLen) {
    float[] l = Arrays.copyOfRange(logits, off, off + v);
    if (cfg.repetitionPenalty() != 1f) {
      boolean[] seen = new boolean[v];
      for (int i = 0; i < historyLen; i++) {
        long t = history[i];
        if (t >= 0 && t < v && !seen[(int) t]) {
          seen[(int) t] = true;
          float x = l[(int) t];
          l[(int) t] = x > 0 ? x / cfg.repetitionPenalty() : x * cfg.repetitionPenalty();
        }
      }
    }
    if (cfg.greedy()) {
      return argmax(l);
    }
    // candidates sorted by logit, cut by top-k, then softmax and top-p
    Integer[] idx = new Integer[v];
    for (int i = 0; i < v; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Float.compare(l[b], l[a]) != 0 ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
    int k = cfg.topK() > 0 ? Math.min(cfg.topK(), v) : v;
    double max = l[idx[0]] / cfg.temperature();
    double[] p = new double[k];
    double sum = 0;
    for (int i = 0; i < k; i++) {
      p[i] = Math.exp(l[idx[i]] / cfg.temperature() - max);
      sum += p[i];
    }
    int keep = k;
    if (cfg.topP() < 1f) {
      double acc = 0;
      for (int i = 0; i < k; i++) {
        acc += p[i] / sum;
        if (acc >= cfg.topP()) {
          keep = i + 1;
          break;
        }
      }
    }
    double total = 0;
    for (int i = 0; i < keep; i++) {
      total += p[i];
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < keep; i++) {
      u -= p[i];
      if (u < 0) {
        return idx[i];
      }
    }
    return idx[keep - 1];
  }

  static int argmax(float[] l) {
    int best = 0;
    for (int i = 1; i < l.length; i++) {
      if (l[i] > l[best]) {
        best = i;
      }
    }
    return best;
  }
}

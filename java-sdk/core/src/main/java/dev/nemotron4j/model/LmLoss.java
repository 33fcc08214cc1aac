package dev.nemotron4j.model;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.tensor.Tensor;

/** Next-token cross-entropy in the Hugging Face convention, and per-token log-probs. */
public final class LmLoss {
  /** The ignore index of targets (Hugging Face's -100). */
  public static final long IGNORE = -100;

  private LmLoss() {}

  /**
   * Targets [B*T]: position t of row b predicts ids[b, t+1] when t+1 is inside the row
   * (t+1 < lens[b]) and, if {@code targetMask} is given, targetMask[b, t+1] == 1; otherwise
   * {@link #IGNORE}. lens and targetMask are nullable.
   */
  public static long[] targets(long[] ids, int b, int t, long[] lens, long[] targetMask) {
    long[] out = new long[b * t];
    for (int r = 0; r < b; r++) {
      long n = lens == null ? t : lens[r];
      for (int i = 0; i < t; i++) {
        int next = r * t + i + 1;
        boolean ok = i + 1 < n && (targetMask == null || targetMask[next] == 1);
        out[r * t + i] = ok ? ids[next] : IGNORE;
      }
    }
    return out;
  }

  /** Mean next-token negative log-likelihood over the non-ignored targets (a one-element tensor). */
  public static Tensor nextTokenLoss(Tensor logits, long[] targets) {
    long count = 0;
    for (long x : targets) {
      if (x != IGNORE) {
        count++;
      }
    }
    if (count == 0) {
      throw new IllegalArgumentException("no target token to average the loss over (all are padding or masked)");
    }
    long n = logits.numel() / logits.dim(-1);
    Tensor lp = Ops.tokenLogprobs(Ops.reshape(logits, n, logits.dim(-1)), Tensor.ofLongs(targets, n), IGNORE);
    return Ops.scale(Ops.sum(lp), -1f / count);
  }

  /**
   * log p(ids[b, t] | ids[b, :t]) as [B, T]: column 0 (and padding) is 0. No autograd.
   */
  public static float[] tokenLogprobs(Tensor logits, long[] ids, int b, int t, long[] lens) {
    long[] tg = targets(ids, b, t, lens, null);
    float[] lp = Ops.tokenLogprobs(logits.reshape((long) b * t, logits.dim(-1)), Tensor.ofLongs(tg, (long) b * t), IGNORE)
        .toFloatArray();
    float[] out = new float[b * t];
    for (int r = 0; r < b; r++) {
      for (int i = 0; i + 1 < t; i++) {
        out[r * t + i + 1] = lp[r * t + i];
      }
    }
    return out;
  }

  /** Row lengths of a right-padded attention mask [B, T] (1 = token, 0 = padding). */
  public static long[] lengthsFromMask(long[] mask, int b, int t) {
    long[] lens = new long[b];
    for (int r = 0; r < b; r++) {
      int n = 0;
      while (n < t && mask[r * t + n] == 1) {
        n++;
      }
      for (int i = n; i < t; i++) {
        if (mask[r * t + i] != 0) {
          throw new IllegalArgumentException(
              "attention_mask row " + r + " is not right-padded (1s then 0s): mask[" + r + ", " + i + "] = "
                  + mask[r * t + i] + " after padding; left or inner padding is not supported");
        }
      }
      if (n == 0) {
        throw new IllegalArgumentException("attention_mask row " + r + " has no tokens");
      }
      lens[r] = n;
    }
    return lens;
  }
}

package dev.nemotron4j.testing;

/**
 * Plain double-precision reference implementations of the engine's ops, written straight from
 * the definitions (Hugging Face NemotronForCausalLM conventions). Used for forward comparisons
 * and as the function that finite differences differentiate.
 */
public final class Ref {
  private Ref() {}

  /** C[M,N] = op(A) op(B), A stored [M,K] or [K,M] (transA), B [K,N] or [N,K] (transB). */
  public static double[] matmul(double[] a, double[] b, int m, int n, int k, boolean ta, boolean tb) {
    double[] c = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          double av = ta ? a[p * m + i] : a[i * k + p];
          double bv = tb ? b[j * k + p] : b[p * n + j];
          s += av * bv;
        }
        c[i * n + j] = s;
      }
    }
    return c;
  }

  /** Rows of x [N, C]: (x - mean) / sqrt(var + eps) * (1 + w) + b. */
  public static double[] layerNorm1p(double[] x, double[] w, double[] b, int n, int c, double eps) {
    double[] y = new double[x.length];
    for (int r = 0; r < n; r++) {
      double mean = 0;
      for (int i = 0; i < c; i++) {
        mean += x[r * c + i];
      }
      mean /= c;
      double var = 0;
      for (int i = 0; i < c; i++) {
        double d = x[r * c + i] - mean;
        var += d * d;
      }
      var /= c;
      double rs = 1 / Math.sqrt(var + eps);
      for (int i = 0; i < c; i++) {
        y[r * c + i] = (x[r * c + i] - mean) * rs * (1 + w[i]) + b[i];
      }
    }
    return y;
  }

  /**
   * Partial rotary embedding of x [N, H, HD]: token n at position pos[n % pos.length], first rot
   * dims rotated with rotate-half pairing; inverse frequencies as Hugging Face (F32).
   */
  public static double[] rope(double[] x, int n, int h, int hd, long[] pos, int rot, double theta) {
    double[] y = x.clone();
    int half = rot / 2;
    for (int t = 0; t < n; t++) {
      long p = pos[t % pos.length];
      for (int i = 0; i < half; i++) {
        float inv = 1.0f / (float) Math.pow((float) theta, (float) (2 * i) / (float) rot);
        double ang = (float) p * inv;
        double c = Math.cos(ang), s = Math.sin(ang);
        for (int hh = 0; hh < h; hh++) {
          int base = (t * h + hh) * hd;
          double a = x[base + i], b = x[base + i + half];
          y[base + i] = a * c - b * s;
          y[base + i + half] = b * c + a * s;
        }
      }
    }
    return y;
  }

  public static double[] relu2(double[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] > 0 ? x[i] * x[i] : 0;
    }
    return y;
  }

  /** Rows of w [V, C] picked by ids. */
  public static double[] embedding(long[] ids, double[] w, int c) {
    double[] y = new double[ids.length * c];
    for (int n = 0; n < ids.length; n++) {
      System.arraycopy(w, (int) ids[n] * c, y, n * c, c);
    }
    return y;
  }

  /**
   * Causal GQA attention. q [B,T,NH,HD], k/v [B,T,NKV,HD]; query head h uses kv head h/(NH/NKV);
   * key j visible to query t iff j <= t and j < lens[b]. Returns out followed by lse [B,NH,T]
   * (lse -inf and out 0 where nothing is visible).
   */
  public static double[][] attention(
      double[] q, double[] k, double[] v, int bsz, int t, int nh, int nkv, int hd, long[] lens, double scale) {
    return attention(q, k, v, bsz, t, nh, nkv, hd, lens, null, scale);
  }

  /** As above; starts [B*T] (nullable) is each token's first visible key (packed documents). */
  public static double[][] attention(
      double[] q, double[] k, double[] v, int bsz, int t, int nh, int nkv, int hd, long[] lens, long[] starts,
      double scale) {
    double[] out = new double[q.length];
    double[] lse = new double[bsz * nh * t];
    int g = nh / nkv;
    double[] s = new double[t];
    for (int b = 0; b < bsz; b++) {
      for (int h = 0; h < nh; h++) {
        int kvh = h / g;
        for (int i = 0; i < t; i++) {
          double mx = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < t; j++) {
            if (j > i || j >= lens[b] || (starts != null && j < starts[b * t + i])) {
              s[j] = Double.NEGATIVE_INFINITY;
              continue;
            }
            double d = 0;
            for (int e = 0; e < hd; e++) {
              d += q[((b * t + i) * nh + h) * hd + e] * k[((b * t + j) * nkv + kvh) * hd + e];
            }
            s[j] = d * scale;
            mx = Math.max(mx, s[j]);
          }
          int li = (b * nh + h) * t + i;
          if (mx == Double.NEGATIVE_INFINITY) {
            lse[li] = Double.NEGATIVE_INFINITY;
            continue;
          }
          double sum = 0;
          for (int j = 0; j < t; j++) {
            s[j] = Math.exp(s[j] - mx);
            sum += s[j];
          }
          lse[li] = mx + Math.log(sum);
          for (int j = 0; j < t; j++) {
            if (s[j] == 0) {
              continue;
            }
            double p = s[j] / sum;
            for (int e = 0; e < hd; e++) {
              out[((b * t + i) * nh + h) * hd + e] += p * v[((b * t + j) * nkv + kvh) * hd + e];
            }
          }
        }
      }
    }
    return new double[][] {out, lse};
  }

  /** log softmax(logits[n])[targets[n]]; 0 where targets[n] == ignore. */
  public static double[] tokenLogprobs(double[] logits, long[] targets, int v, long ignore) {
    int n = targets.length;
    double[] out = new double[n];
    for (int r = 0; r < n; r++) {
      if (targets[r] == ignore) {
        continue;
      }
      double mx = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < v; i++) {
        mx = Math.max(mx, logits[r * v + i]);
      }
      double sum = 0;
      for (int i = 0; i < v; i++) {
        sum += Math.exp(logits[r * v + i] - mx);
      }
      out[r] = logits[r * v + (int) targets[r]] - mx - Math.log(sum);
    }
    return out;
  }
}

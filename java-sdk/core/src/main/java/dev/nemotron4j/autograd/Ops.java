package dev.nemotron4j.autograd;

import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Differentiable operations: each runs its forward kernel and, when a {@link Tape} is recording
 * and an input requires gradients, records the matching backward kernel. Outputs are new F32
 * tensors owned by the current scope.
 */
public final class Ops {
  private Ops() {}

  private static Tape tapeFor(Tensor... inputs) {
    Tape tape = Tape.active();
    if (tape == null) {
      return null;
    }
    for (Tensor t : inputs) {
      if (t != null && t.requiresGrad()) {
        return tape;
      }
    }
    return null;
  }

  private static Tensor zerosLike(Tensor t) {
    return Tensor.zeros(DType.F32, t.shape());
  }

  private static long[] concat(long[] head, long... tail) {
    long[] out = Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }

  // --------------------------------------------------------------- matmul

  /**
   * op(a) @ op(b): a [..., M, K], b [..., K, N] or 2-D; a 2-D b with an untransposed a treats a's
   * leading dims as rows.
   */
  public static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
    if (a.ndim() < 2 || b.ndim() < 2) {
      throw new IllegalArgumentException(
          "matmul needs operands of at least 2 dimensions, got " + a + " and " + b);
    }
    long[] as = a.shape();
    long n = transB ? b.dim(-2) : b.dim(-1);
    long[] os;
    if (b.ndim() == 2 && !transA) {
      os = concat(Arrays.copyOf(as, as.length - 1), n);
    } else {
      long m = transA ? a.dim(-1) : a.dim(-2);
      os = concat(Arrays.copyOf(as, as.length - 2), m, n);
    }
    Tensor out = Tensor.zeros(DType.F32, os);
    Kernels.matmul(out, a, b, transA, transB, 1f, 0f);
    Tape tape = tapeFor(a, b);
    if (tape != null) {
      tape.recordOp(
          out,
          (g, grads) -> {
            Tensor da = a.requiresGrad() ? zerosLike(a) : null;
            Tensor db = b.requiresGrad() ? zerosLike(b) : null;
            Kernels.matmulBackward(da, db, g, a, b, transA, transB, 1f, 0f, 0f);
            if (da != null) {
              grads.accumulate(a, da);
            }
            if (db != null) {
              grads.accumulate(b, db);
            }
          });
    }
    return out;
  }

  /** x W^T with W [out, in] (Hugging Face layout): x [..., in] -> [..., out]. */
  public static Tensor linear(Tensor x, Tensor weight) {
    return matmul(x, weight, false, true);
  }

  /**
   * FP8 inference: x [..., in] quantized to E4M3 with one scale per row, times an E4M3 weight
   * [out, in] with per-row scales {@code wScale} [out]; F32 result [..., out]. Not differentiable:
   * no gradients flow through it.
   */
  public static Tensor linearFp8(Tensor x, Tensor weight, Tensor wScale) {
    long in = x.dim(-1), rows = x.numel() / Math.max(1, in), out = weight.dim(0);
    Tensor y = Tensor.zeros(DType.F32, concat(Arrays.copyOf(x.shape(), x.ndim() - 1), out));
    try (Tensor x2 = x.reshape(rows, in);
        Tensor y2 = y.reshape(rows, out);
        Tensor sx = Tensor.zeros(DType.F32, rows);
        Tensor xq = Tensor.zeros(DType.F8_E4M3, rows, in)) {
      Kernels.computeScales(sx, x2, DType.F8_E4M3);
      Kernels.convert(xq, x2, sx);
      Kernels.fp8Matmul(y2, xq, weight, sx, wScale, 1f);
    }
    return y;
  }

  // ----------------------------------------------------------- elementwise

  /** a + b, where b has a's shape or a suffix of it (broadcast over a's leading dims). */
  public static Tensor add(Tensor a, Tensor b) {
    Tensor out = zerosLike(a);
    Kernels.add(out, a, b);
    Tape tape = tapeFor(a, b);
    if (tape != null) {
      tape.recordOp(
          out,
          (g, grads) -> {
            if (a.requiresGrad()) {
              grads.accumulate(a, g.copy());
            }
            if (b.requiresGrad()) {
              grads.accumulate(b, sumToShape(g, b.shape()));
            }
          });
    }
    return out;
  }

  /** Sums g [R, ...shape] over its leading R rows into a tensor of {@code shape}. */
  private static Tensor sumToShape(Tensor g, long[] shape) {
    long nb = 1;
    for (long d : shape) {
      nb *= d;
    }
    if (nb == g.numel()) {
      Tensor out = Tensor.zeros(DType.F32, shape);
      Kernels.copy(out, g);
      return out;
    }
    long rows = g.numel() / nb;
    try (Tensor ones = Tensor.full(DType.F32, 1.0, 1, rows);
        Tensor g2 = g.reshape(rows, nb)) {
      Tensor out = Tensor.zeros(DType.F32, shape);
      try (Tensor o2 = out.reshape(1, nb)) {
        Kernels.matmul(o2, ones, g2, false, false, 1f, 0f);
      }
      return out;
    }
  }

  /** An elementwise-shaped op: out = f(x) with dx = f'(x)^T g, both written by kernels. */
  private interface Kernel2 {
    void run(Tensor out, Tensor in);
  }

  private static Tensor unary(Tensor x, Kernel2 forward, Kernel2 backward) {
    Tensor out = zerosLike(x);
    forward.run(out, x);
    Tape tape = tapeFor(x);
    if (tape != null) {
      tape.recordOp(
          out,
          (g, grads) -> {
            Tensor dx = zerosLike(x);
            backward.run(dx, g);
            grads.accumulate(x, dx);
          });
    }
    return out;
  }

  /** alpha * a. */
  public static Tensor scale(Tensor a, float alpha) {
    return unary(a, (o, i) -> Kernels.scale(o, i, alpha), (dx, g) -> Kernels.scale(dx, g, alpha));
  }

  /** Squared ReLU: relu(x)^2. */
  public static Tensor relu2(Tensor x) {
    return unary(x, Kernels::relu2, (dx, g) -> Kernels.relu2Backward(dx, g, x));
  }

  /** Sum of all elements, as a one-element tensor. */
  public static Tensor sum(Tensor x) {
    double s = 0;
    for (float v : x.toFloatArray()) {
      s += v;
    }
    Tensor out = Tensor.scalar((float) s);
    Tape tape = tapeFor(x);
    if (tape != null) {
      tape.recordOp(out, (g, grads) -> grads.accumulate(x, Tensor.full(DType.F32, g.item(), x.shape())));
    }
    return out;
  }

  /**
   * A scalar computed outside the engine from {@code x}'s values: the output is {@code value}, and
   * the backward hands {@code g * dValueDx} to x. For small reductions done in Java (losses over a
   * handful of sequence log-probs).
   */
  public static Tensor scalarOf(Tensor x, double value, double[] dValueDx) {
    if (dValueDx.length != x.numel()) {
      throw new IllegalArgumentException(dValueDx.length + " derivatives for " + x);
    }
    Tensor out = Tensor.scalar((float) value);
    Tape tape = tapeFor(x);
    if (tape != null) {
      double[] d = dValueDx.clone();
      tape.recordOp(
          out,
          (g, grads) -> {
            float gs = g.item();
            float[] dx = new float[d.length];
            for (int i = 0; i < d.length; i++) {
              dx[i] = (float) (gs * d[i]);
            }
            grads.accumulate(x, Tensor.of(dx, x.shape()));
          });
    }
    return out;
  }

  /** Mean squared error mean((pred - target)^2) over all elements, as a one-element tensor. */
  public static Tensor mse(Tensor pred, Tensor target) {
    if (!Arrays.equals(pred.shape(), target.shape())) {
      throw new IllegalArgumentException("mse of " + pred + " against " + target + ": shapes differ");
    }
    float[] p = pred.toFloatArray(), t = target.toFloatArray();
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      double d = (double) p[i] - t[i];
      s += d * d;
    }
    Tensor out = Tensor.scalar((float) (s / p.length));
    Tape tape = tapeFor(pred);
    if (tape != null) {
      tape.recordOp(
          out,
          (g, grads) -> {
            float scale = 2f * g.item() / p.length;
            float[] d = new float[p.length];
            for (int i = 0; i < p.length; i++) {
              d[i] = scale * (p[i] - t[i]);
            }
            grads.accumulate(pred, Tensor.of(d, pred.shape()));
          });
    }
    return out;
  }

  /** A view with a new shape (same element count). */
  public static Tensor reshape(Tensor x, long... shape) {
    Tensor out = x.reshape(shape);
    Tape tape = tapeFor(x);
    if (tape != null) {
      tape.recordOp(out, (g, grads) -> grads.accumulate(x, g.reshape(x.shape())));
    }
    return out;
  }

  // ---------------------------------------------------------------- layers

  /** weight[ids]: ids [...] I32/I64, weight [V, C] -> [..., C]. */
  public static Tensor embedding(Tensor ids, Tensor weight) {
    Tensor out = Tensor.zeros(DType.F32, concat(ids.shape(), weight.dim(1)));
    Kernels.embedding(out, ids, weight);
    Tape tape = tapeFor(weight);
    if (tape != null) {
      tape.recordOp(
          out,
          (g, grads) -> {
            Tensor dw = zerosLike(weight);
            Kernels.embeddingBackward(dw, g, ids);
            grads.accumulate(weight, dw);
          });
    }
    return out;
  }

  /** LayerNorm1P over the last dim: (x - mean) * rstd * (1 + weight) + bias. */
  public static Tensor layerNorm1p(Tensor x, Tensor weight, Tensor bias, float eps) {
    Tensor out = zerosLike(x);
    Tape tape = tapeFor(x, weight, bias);
    if (tape == null) {
      Kernels.layerNorm1p(out, null, null, x, weight, bias, eps);
      return out;
    }
    long rows = x.numel() / Math.max(1, x.dim(-1));
    Tensor mean = tape.save(Tensor.zeros(DType.F32, rows));
    Tensor rstd = tape.save(Tensor.zeros(DType.F32, rows));
    Kernels.layerNorm1p(out, mean, rstd, x, weight, bias, eps);
    tape.recordOp(
        out,
        (g, grads) -> {
          Tensor dx = zerosLike(x);
          Tensor dw = weight.requiresGrad() ? zerosLike(weight) : null;
          Tensor db = bias.requiresGrad() ? zerosLike(bias) : null;
          Kernels.layerNorm1pBackward(dx, dw, db, g, x, weight, mean, rstd);
          grads.accumulate(x, dx);
          if (dw != null) {
            grads.accumulate(weight, dw);
          }
          if (db != null) {
            grads.accumulate(bias, db);
          }
        });
    return out;
  }

  /** Partial rotary embedding of x [..., H, HD] at the given positions (rotate-half pairing). */
  public static Tensor rope(Tensor x, Tensor positions, int rotDims, float theta) {
    return unary(
        x,
        (o, i) -> Kernels.rope(o, i, positions, rotDims, theta),
        (dx, g) -> Kernels.ropeBackward(dx, g, positions, rotDims, theta));
  }

  /**
   * Fused causal grouped-query attention: q [B, T, NH, HD], k and v [B, T, NKV, HD], seqLens [B]
   * (nullable: all T) -> [B, T, NH, HD].
   */
  public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor seqLens, float scale) {
    return attention(q, k, v, seqLens, null, scale);
  }

  /**
   * Attention over packed documents: segStarts [B, T] (nullable) gives each token's document
   * start; tokens attend only within their document.
   */
  public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor seqLens, Tensor segStarts, float scale) {
    Tensor out = zerosLike(q);
    Tape tape = tapeFor(q, k, v);
    if (tape == null) {
      Kernels.attention(out, null, q, k, v, seqLens, segStarts, scale);
      return out;
    }
    Tensor lse = tape.save(Tensor.zeros(DType.F32, q.dim(0), q.dim(2), q.dim(1)));
    Kernels.attention(out, lse, q, k, v, seqLens, segStarts, scale);
    tape.recordOp(
        out,
        (g, grads) -> {
          Tensor dq = zerosLike(q);
          Tensor dk = zerosLike(k);
          Tensor dv = zerosLike(v);
          Kernels.attentionBackward(dq, dk, dv, g, out, lse, q, k, v, seqLens, segStarts, scale);
          grads.accumulate(q, dq);
          grads.accumulate(k, dk);
          grads.accumulate(v, dv);
        });
    return out;
  }

  /**
   * log softmax(logits[n])[targets[n]] for logits [N, V]; 0 where targets[n] == ignoreIndex.
   * Fused: no second [N, V] buffer in the forward.
   */
  public static Tensor tokenLogprobs(Tensor logits, Tensor targets, long ignoreIndex) {
    Tensor out = Tensor.zeros(DType.F32, logits.dim(0));
    Tape tape = tapeFor(logits);
    if (tape == null) {
      Kernels.crossEntropy(out, null, logits, targets, ignoreIndex);
      return out;
    }
    Tensor lse = tape.save(Tensor.zeros(DType.F32, logits.dim(0)));
    Kernels.crossEntropy(out, lse, logits, targets, ignoreIndex);
    tape.recordOp(
        out,
        (g, grads) -> {
          Tensor dl = zerosLike(logits);
          Kernels.crossEntropyBackward(dl, g, logits, lse, targets, ignoreIndex);
          grads.accumulate(logits, dl);
        });
    return out;
  }
}

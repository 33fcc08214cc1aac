package dev.nemotron4j.autograd;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.testing.Check.assertGradient;
import static dev.nemotron4j.testing.Check.randn;
import static dev.nemotron4j.testing.Check.toDouble;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Ref;
import org.junit.jupiter.api.Test;

class TapeTest {
  /**
   * A small transformer-like block: LN -> linear -> relu^2 -> linear, plus attention on a
   * projection and a residual, reduced to next-token log-probs. Every leaf gradient is checked
   * against double-precision finite differences of the same composition written with Ref.
   */
  @Test
  void compositeGradientsMatchFiniteDifferences() {
    int t = 5, c = 8, f = 12, v = 11, nh = 2, hd = 4;
    float[] x0 = randn(1, t * c), lnw = randn(2, c), lnb = randn(3, c), w1 = randn(4, f * c), w2 = randn(5, c * f);
    float[] wq = randn(6, c * c), wo = randn(7, v * c);
    for (float[] a : new float[][] {lnw, lnb}) {
      for (int i = 0; i < a.length; i++) {
        a[i] *= 0.2f;
      }
    }
    for (float[] a : new float[][] {w1, w2, wq, wo}) {
      for (int i = 0; i < a.length; i++) {
        a[i] *= 0.4f;
      }
    }
    long[] targets = {3, 0, -100, 10, 7};
    long[] pos = {0, 1, 2, 3, 4};
    float[][] grads = new float[7][];
    try (Scope s = Scope.open(); Tape tape = Tape.record()) {
      Tensor[] leaves = {
        Tensor.of(x0, t, c), Tensor.of(lnw, c), Tensor.of(lnb, c), Tensor.of(w1, f, c), Tensor.of(w2, c, f), Tensor.of(wq, c, c),
        Tensor.of(wo, v, c)
      };
      for (Tensor l : leaves) {
        l.requiresGrad(true);
      }
      Tensor loss = forward(leaves, t, c, nh, hd, targets, pos);
      tape.backward(loss);
      for (int i = 0; i < 7; i++) {
        grads[i] = leaves[i].grad().toFloatArray();
      }
    }
    double[][] p = {toDouble(x0), toDouble(lnw), toDouble(lnb), toDouble(w1), toDouble(w2), toDouble(wq), toDouble(wo)};
    String[] names = {"x", "ln.weight", "ln.bias", "w1", "w2", "wq", "wo"};
    for (int i = 0; i < 7; i++) {
      final int k = i;
      assertGradient(names[i], grads[i], xi -> {
        double[][] q = p.clone();
        q[k] = xi;
        return reference(q, t, c, f, v, nh, hd, targets, pos);
      }, p[i].clone(), 2e-4);
    }
  }

  private static Tensor forward(Tensor[] l, int t, int c, int nh, int hd, long[] targets, long[] pos) {
    Tensor h = Ops.layerNorm1p(l[0], l[1], l[2], 1e-5f);
    Tensor mlp = Ops.linear(Ops.relu2(Ops.linear(h, l[3])), l[4]);
    Tensor q = Ops.reshape(Ops.linear(h, l[5]), 1, t, nh, hd);
    Tensor qr = Ops.rope(q, Tensor.ofLongs(pos, t), hd / 2, 10000f);
    Tensor att = Ops.reshape(Ops.attention(qr, qr, q, null, 0.5f), t, c); // q, k share a tensor: fan-out
    Tensor resid = Ops.add(Ops.add(l[0], mlp), att);
    Tensor logits = Ops.linear(resid, l[6]);
    Tensor lp = Ops.tokenLogprobs(logits, Tensor.ofLongs(targets, t), -100);
    return Ops.scale(Ops.sum(lp), -0.25f);
  }

  private static double reference(double[][] p, int t, int c, int f, int v, int nh, int hd, long[] targets, long[] pos) {
    double[] h = Ref.layerNorm1p(p[0], p[1], p[2], t, c, 1e-5);
    double[] mlp = Ref.matmul(Ref.relu2(Ref.matmul(h, p[3], t, f, c, false, true)), p[4], t, c, f, false, true);
    double[] q = Ref.matmul(h, p[5], t, c, c, false, true);
    double[] qr = Ref.rope(q, t, nh, hd, pos, hd / 2, 10000);
    double[] att = Ref.attention(qr, qr, q, 1, t, nh, nh, hd, new long[] {t}, 0.5)[0];
    double[] resid = new double[t * c];
    for (int i = 0; i < resid.length; i++) {
      resid[i] = p[0][i] + mlp[i] + att[i];
    }
    double[] logits = Ref.matmul(resid, p[6], t, v, c, false, true);
    double[] lp = Ref.tokenLogprobs(logits, targets, v, -100);
    double sum = 0;
    for (double x : lp) {
      sum += x;
    }
    return -0.25 * sum;
  }

  @Test
  void gradientsAccumulateAcrossBackwardsAndFanOut() {
    try (Scope s = Scope.open()) {
      Tensor w = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
      for (int i = 0; i < 2; i++) {
        try (Tape tape = Tape.record()) {
          Tensor y = Ops.add(Ops.scale(w, 2f), w); // 3w
          tape.backward(Ops.sum(y));
        }
      }
      assertThat(w.grad().toFloatArray()).isEqualTo(new float[] {6, 6, 6});
      w.zeroGrad();
      assertThat(w.grad()).isNull();
    }
  }

  @Test
  void broadcastAddSumsTheGradient() {
    try (Scope s = Scope.open(); Tape tape = Tape.record()) {
      Tensor a = Tensor.randn(1, 1f, 4, 3).requiresGrad(true);
      Tensor b = Tensor.of(new float[] {0, 0, 0}, 3).requiresGrad(true);
      Tensor y = Ops.add(a, b);
      tape.retainGrad(y);
      tape.backward(y, Tensor.full(dev.nemotron4j.tensor.DType.F32, 2.0, 4, 3).escape());
      assertThat(b.grad().toFloatArray()).isEqualTo(new float[] {8, 8, 8});
      assertThat(a.grad().toFloatArray()[5]).isEqualTo(2f);
      assertThat(tape.grad(y).toFloatArray()[0]).isEqualTo(2f);
    }
  }

  @Test
  void noTapeNoRecordingAndMisuseIsReported() {
    try (Scope s = Scope.open()) {
      Tensor w = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
      Tensor y = Ops.scale(w, 2f);
      assertThat(y.requiresGrad()).isFalse();
      try (Tape tape = Tape.record()) {
        assertThrows(IllegalStateException.class, Tape::record);
        Tensor z = Ops.scale(w, 3f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tape.backward(z));
        assertThat(e).hasMessageThat().contains("one-element loss");
      }
    }
  }
}

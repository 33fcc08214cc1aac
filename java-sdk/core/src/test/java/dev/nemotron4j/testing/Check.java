package dev.nemotron4j.testing;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;
import java.util.function.ToDoubleFunction;

/** Numeric comparison and finite-difference helpers for kernel tests. */
public final class Check {
  private Check() {}

  /** max|got - expected| / max|expected| (the fixtures' metric); 0 when both are all zero. */
  public static double relErr(float[] got, double[] expected) {
    if (got.length != expected.length) {
      throw new AssertionError("length " + got.length + " != " + expected.length);
    }
    double num = 0, den = 0;
    for (int i = 0; i < got.length; i++) {
      num = Math.max(num, Math.abs(got[i] - expected[i]));
      den = Math.max(den, Math.abs(expected[i]));
    }
    return den == 0 ? num : num / den;
  }

  public static double relErr(float[] got, float[] expected) {
    return relErr(got, toDouble(expected));
  }

  public static void assertClose(String what, float[] got, double[] expected, double tol) {
    double e = relErr(got, expected);
    assertWithMessage("%s: relative error %s > %s", what, e, tol).that(e <= tol).isTrue();
  }

  public static double[] toDouble(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }

  public static float[] toFloat(double[] x) {
    float[] f = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
    }
    return f;
  }

  public static float[] randn(long seed, int n) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  /**
   * Central finite differences in double precision of {@code f} at {@code x}, for up to {@code
   * samples} coordinates spread over x (all when x is small). Returns {coordinate, derivative}
   * pairs.
   */
  public static double[][] finiteDifferences(ToDoubleFunction<double[]> f, double[] x, int samples, long seed) {
    int n = Math.min(samples, x.length);
    int[] coords = new int[n];
    if (n == x.length) {
      for (int i = 0; i < n; i++) {
        coords[i] = i;
      }
    } else {
      Random r = new Random(seed);
      for (int i = 0; i < n; i++) {
        coords[i] = r.nextInt(x.length);
      }
    }
    double[][] out = new double[n][2];
    for (int i = 0; i < n; i++) {
      int c = coords[i];
      double h = 1e-5 * Math.max(1.0, Math.abs(x[c]));
      double saved = x[c];
      x[c] = saved + h;
      double fp = f.applyAsDouble(x);
      x[c] = saved - h;
      double fm = f.applyAsDouble(x);
      x[c] = saved;
      out[i][0] = c;
      out[i][1] = (fp - fm) / (2 * h);
    }
    return out;
  }

  /**
   * Checks an analytic (native, F32) gradient against double-precision finite differences of f:
   * max error over the sampled coordinates <= tol * max(|grad|).
   */
  public static void assertGradient(String what, float[] grad, ToDoubleFunction<double[]> f, double[] x, double tol) {
    double[][] fd = finiteDifferences(f, x, 48, 7);
    double scale = 0;
    for (float g : grad) {
      scale = Math.max(scale, Math.abs(g));
    }
    double worst = 0;
    int worstAt = -1;
    for (double[] p : fd) {
      double e = Math.abs(grad[(int) p[0]] - p[1]);
      if (e > worst) {
        worst = e;
        worstAt = (int) p[0];
      }
    }
    double rel = scale == 0 ? worst : worst / scale;
    assertWithMessage("%s: gradient vs finite differences, worst at %s: relative error %s > %s", what, worstAt, rel, tol)
        .that(rel <= tol)
        .isTrue();
    assertWithMessage("%s: gradient is all zero", what).that(scale > 0).isTrue();
  }

  /** sum_i w_i y_i. */
  public static double dot(double[] w, double[] y) {
    double s = 0;
    for (int i = 0; i < y.length; i++) {
      s += w[i] * y[i];
    }
    return s;
  }
}

package dev.nemotron4j.bindings;

import dev.nemotron4j.bindings.presets.NtApiPresets;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * The OpenBLAS entry points the benchmarks need to measure the peer ({@code cblas_sgemm} with
 * OpenBLAS's own threads) in the same process as the engine, which does not use OpenBLAS.
 * Hand-written: the rest of cblas.h is not needed. Needs {@code org.bytedeco:openblas} (the
 * linux-x86_64 jar) on the class path.
 */
@Properties(
    inherit = NtApiPresets.class,
    value =
        @Platform(
            include = "cblas.h",
            link = "openblas@.0",
            preload = {"gcc_s@.1", "quadmath@.0", "gfortran@.5", "openblas@.0"},
            preloadresource = "/org/bytedeco/openblas/"))
public final class OpenBlas {
  static {
    Loader.load();
  }

  public static final int ROW_MAJOR = 101;
  public static final int NO_TRANS = 111;
  public static final int TRANS = 112;

  private OpenBlas() {}

  public static native void openblas_set_num_threads(int n);

  public static native int openblas_get_num_threads();

  public static native void cblas_sgemm(
      @Cast("CBLAS_ORDER") int order,
      @Cast("CBLAS_TRANSPOSE") int transA,
      @Cast("CBLAS_TRANSPOSE") int transB,
      int m,
      int n,
      int k,
      float alpha,
      @Const FloatPointer a,
      int lda,
      @Const FloatPointer b,
      int ldb,
      float beta,
      FloatPointer c,
      int ldc);
}

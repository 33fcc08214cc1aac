package dev.nemotron4j.benchmarks;

import dev.nemotron4j.bindings.OpenBlas;
import dev.nemotron4j.bindings.NtApi;
import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Engine;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * GEMM throughput of the engine's own kernels (F32, and BF16 inputs with F32 accumulation)
 * against OpenBLAS sgemm with its own threads, measured in the same process and run.
 *
 * <p>Shapes: 1024^3, then the config-s linear layers of the PyTorch peer (tokens 1024 = batch 4 x
 * seq 256, hidden 512, FFN 2048, vocab 8192) forward, and their backward products (dX = dY W with
 * W [out, in]; dW = dY^T X).
 */
public final class GemmBench {
  /** M, N, K, transA, transB, label. */
  record Shape(int m, int n, int k, boolean ta, boolean tb, String role) {
    String text() {
      return m + "x" + n + "x" + k;
    }
  }

  static List<Shape> shapes() {
    List<Shape> s = new ArrayList<>();
    s.add(new Shape(1024, 1024, 1024, false, false, "square"));
    int tokens = 1024;
    int[][] layers = {{512, 2048}, {2048, 512}, {512, 8192}}; // in, out: up_proj, down_proj, lm_head
    for (int[] l : layers) {
      int in = l[0], out = l[1];
      s.add(new Shape(tokens, out, in, false, false, "forward"));   // [1024 x in] . [in x out]
    }
    for (int[] l : layers) {
      int in = l[0], out = l[1];
      s.add(new Shape(tokens, in, out, false, true, "backward-data"));   // dX = dY . W^T-as-stored
      s.add(new Shape(out, in, tokens, true, false, "backward-weight")); // dW = dY^T . X
    }
    return s;
  }

  private GemmBench() {}

  /** Runs every shape in F32 and BF16 at {@code threads}; one result per line to {@code out}. */
  public static void run(int threads, int rounds, Consumer<Json> out) {
    Engine.setThreads(threads);
    for (Shape sh : shapes()) {
      for (DType dt : new DType[] {DType.F32, DType.BF16}) {
        out.accept(measure(sh, dt, threads, rounds));
      }
    }
  }

  static Json measure(Shape sh, DType dt, int threads, int rounds) {
    try (Scope scope = Scope.open()) {
      long[] as = sh.ta() ? new long[] {sh.k(), sh.m()} : new long[] {sh.m(), sh.k()};
      long[] bs = sh.tb() ? new long[] {sh.n(), sh.k()} : new long[] {sh.k(), sh.n()};
      Tensor a32 = Tensor.randn(1, 1f, as), b32 = Tensor.randn(2, 1f, bs);
      Tensor a = dt == DType.F32 ? a32 : a32.to(dt), b = dt == DType.F32 ? b32 : b32.to(dt);
      Tensor c = Tensor.zeros(sh.m(), sh.n()), cp = Tensor.zeros(sh.m(), sh.n());
      FloatPointer pa = new FloatPointer(NtApi.nt_tensor_data(a32.handle()));
      FloatPointer pb = new FloatPointer(NtApi.nt_tensor_data(b32.handle()));
      FloatPointer pc = new FloatPointer(NtApi.nt_tensor_data(cp.handle()));
      int lda = (int) as[1], ldb = (int) bs[1];
      Runnable ours = () -> Kernels.matmul(c, a, b, sh.ta(), sh.tb(), 1f, 0f);
      Runnable peer = () -> OpenBlas.cblas_sgemm(OpenBlas.ROW_MAJOR, sh.ta() ? OpenBlas.TRANS : OpenBlas.NO_TRANS,
          sh.tb() ? OpenBlas.TRANS : OpenBlas.NO_TRANS, sh.m(), sh.n(), sh.k(), 1f, pa, lda, pb, ldb, 0f, pc, sh.n());
      OpenBlas.openblas_set_num_threads(threads); // the peer uses OpenBLAS's own threads
      double[] t = Timing.interleaved(ours, peer, rounds, 0.15);
      double flop = 2.0 * sh.m() * sh.n() * sh.k();
      double g = flop / t[0] / 1e9, gp = flop / t[1] / 1e9;
      return new Json()
          .put("kernel", "gemm")
          .put("dtype", dt == DType.F32 ? "f32" : "bf16")
          .put("shape", sh.text())
          .put("trans", (sh.ta() ? "t" : "n") + (sh.tb() ? "t" : "n"))
          .put("role", sh.role())
          .put("threads", threads)
          .put("isa", Engine.isa())
          .put("gflops", g)
          .put("peer", "openblas-sgemm")
          .put("peer_gflops", gp)
          .put("ratio", g / gp);
    }
  }
}

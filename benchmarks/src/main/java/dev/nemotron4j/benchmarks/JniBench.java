package dev.nemotron4j.benchmarks;

import dev.nemotron4j.bindings.NtApi;
import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.util.function.Consumer;

/**
 * Per-call overhead of crossing into the engine: a one-element nt_scale (argument validation, a
 * status, no real work), through the raw JavaCPP binding and through the SDK's Kernels layer;
 * the peer is the same loop without the native call.
 */
public final class JniBench {
  private JniBench() {}

  public static void run(int rounds, Consumer<Json> out) {
    try (Scope scope = Scope.open()) {
      Tensor t = Tensor.zeros(1);
      NtApi.nt_tensor h = t.handle();
      final int[] sink = {0};
      Runnable raw = () -> sink[0] += NtApi.nt_scale(h, h, 1f);
      Runnable sdk = () -> Kernels.scale(t, t, 1f);
      Runnable empty = () -> sink[0] += h.isNull() ? 1 : 0;
      double tRaw = Timing.alone(raw, rounds, 0.1);
      double tSdk = Timing.alone(sdk, rounds, 0.1);
      double tEmpty = Timing.alone(empty, rounds, 0.1);
      out.accept(new Json()
          .put("kernel", "jni")
          .put("call", "nt_scale 1 element")
          .put("ns_per_call", tRaw * 1e9)
          .put("sdk_ns_per_call", tSdk * 1e9)
          .put("peer", "java-loop-without-native-call")
          .put("peer_ns_per_call", tEmpty * 1e9)
          .put("overhead_ns", (tSdk - tEmpty) * 1e9)
          .put("sink", sink[0] == 0 ? 0 : 1));
    }
  }
}

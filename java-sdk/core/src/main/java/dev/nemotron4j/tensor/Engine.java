package dev.nemotron4j.tensor;

import dev.nemotron4j.bindings.Native;
import dev.nemotron4j.bindings.NtApi;
import java.util.ArrayList;
import java.util.List;

/** The native engine's global settings and accounting. */
public final class Engine {
  private static final String[] ISAS = {"generic", "avx2", "avx512", "avx512bf16"};

  static {
    Native.load();
  }

  private Engine() {}

  /** Loads the native libraries (idempotent; every tensor operation does it). */
  public static void load() {
    // the static initializer did the work
  }

  public static String version() {
    return Native.string(NtApi.nt_version());
  }

  /** Size of the engine's thread pool. */
  public static int threads() {
    return NtApi.nt_num_threads();
  }

  /** Sets the thread pool size (default: the cores available to the process). */
  public static void setThreads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + n);
    }
    Native.check(NtApi.nt_set_num_threads(n));
  }

  /** The active CPU kernel level: generic, avx2, avx512 or avx512bf16. */
  public static String isa() {
    return Native.string(NtApi.nt_isa());
  }

  /** Chooses a kernel level this CPU supports, or "auto" for the best. */
  public static void setIsa(String name) {
    Native.check(NtApi.nt_set_isa(name));
  }

  /** The kernel levels this CPU can run, lowest first. */
  public static List<String> supportedIsas() {
    List<String> out = new ArrayList<>();
    for (String isa : ISAS) {
      if (NtApi.nt_isa_supported(isa) == 1) {
        out.add(isa);
      }
    }
    return out;
  }

  public static int cudaDevices() {
    int[] n = {0};
    Native.check(NtApi.nt_cuda_device_count(n));
    return n[0];
  }

  /** The first CUDA device, or why there is none. */
  public static String cudaInfo() {
    return Native.string(NtApi.nt_cuda_info());
  }

  /** Native tensor handles alive now (every open {@link Tensor} holds one). */
  public static long liveTensors() {
    return NtApi.nt_live_tensors();
  }

  /** Bytes of engine-owned tensor memory alive now. */
  public static long liveBytes() {
    return NtApi.nt_live_bytes();
  }

  /** Peak kernel scratch memory since {@link #resetScratchPeak()}. */
  public static long scratchPeakBytes() {
    return NtApi.nt_scratch_peak_bytes();
  }

  public static void resetScratchPeak() {
    NtApi.nt_scratch_reset_peak();
  }
}

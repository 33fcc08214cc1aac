package dev.nemotron4j.tensor;

import java.util.Locale;

/**
 * Where a tensor's memory lives, and where its kernels run: the host CPU or the first CUDA
 * device.
 *
 * <p>New tensors go to the thread's current device ({@link #current()}). It starts as the
 * configured device: the system property {@code nemotron4j.device} or the environment variable
 * {@code NEMOTRON4J_DEVICE}, {@code cpu}, {@code cuda} or {@code auto} (the default: the GPU when
 * one is present, the CPU otherwise). {@link #use(Device)} changes it for a block of code.
 */
public enum Device {
  CPU(-1),
  CUDA(0);

  private final int ordinal;

  Device(int ordinal) {
    this.ordinal = ordinal;
  }

  // inherited: threads a task starts (workers, pools created inside a Device.use block) allocate
  // where their parent does
  private static final InheritableThreadLocal<Device> CURRENT =
      new InheritableThreadLocal<>() {
        @Override
        protected Device initialValue() {
          return configured();
        }
      };

  /** The engine's device number: -1 for the host, else the CUDA ordinal. */
  public int code() {
    return ordinal;
  }

  /** True when the engine was built with CUDA kernels and a GPU is present. */
  public static boolean cudaAvailable() {
    return Engine.cudaDevices() > 0;
  }

  /** The GPU when one is present, the CPU otherwise. */
  public static Device preferred() {
    return cudaAvailable() ? CUDA : CPU;
  }

  /** The device new tensors of this thread go to. */
  public static Device current() {
    return CURRENT.get();
  }

  /**
   * Makes {@code device} current on this thread until the returned handle is closed (which
   * restores the previous one).
   */
  public static Use use(Device device) {
    if (device == CUDA && !cudaAvailable()) {
      throw new IllegalStateException("no CUDA device: " + Engine.cudaInfo());
    }
    Use u = new Use(CURRENT.get());
    CURRENT.set(device);
    return u;
  }

  /** The device named by a setting value: cpu, cuda or auto. */
  public static Device parse(String name) {
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "cpu":
        return CPU;
      case "cuda":
      case "gpu":
        if (!cudaAvailable()) {
          throw new IllegalStateException("device 'cuda' was asked for, but there is none: " + Engine.cudaInfo());
        }
        return CUDA;
      case "auto":
      case "":
        return preferred();
      default:
        throw new IllegalArgumentException("unknown device '" + name + "'; expected cpu, cuda or auto");
    }
  }

  static Device of(int code) {
    return code < 0 ? CPU : CUDA;
  }

  private static Device configured() {
    String v = System.getProperty("nemotron4j.device");
    if (v == null) {
      v = System.getenv("NEMOTRON4J_DEVICE");
    }
    return parse(v == null ? "auto" : v);
  }

  /** Restores the previous current device when closed. */
  public static final class Use implements AutoCloseable {
    private final Device previous;

    private Use(Device previous) {
      this.previous = previous;
    }

    @Override
    public void close() {
      CURRENT.set(previous);
    }
  }
}

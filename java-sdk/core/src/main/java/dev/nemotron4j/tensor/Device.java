package dev.nemotron4j.tensor;

import java.util.Locale;

/**
 * Where a tensor's memory lives, and where its kernels run: the host CPU or a CUDA device
 * ({@link #CUDA} is cuda:0, {@link #cuda(int)} any other).
 *
 * <p>New tensors go to the thread's current device ({@link #current()}). It starts as the
 * configured device: the system property {@code nemotron4j.device} or the environment variable
 * {@code NEMOTRON4J_DEVICE}, {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto} (the default: the GPU when
 * one is present, the CPU otherwise). {@link #use(Device)} changes it for a block of code.
 */
public final class Device {
  /** Host memory; the CPU engine. */
  public static final Device CPU = new Device(-1);
  /** The first CUDA device (cuda:0). */
  public static final Device CUDA = new Device(0);

  private static final java.util.concurrent.ConcurrentHashMap<Integer, Device> GPUS =
      new java.util.concurrent.ConcurrentHashMap<>(java.util.Map.of(0, CUDA));

  private final int ordinal;

  private Device(int ordinal) {
    this.ordinal = ordinal;
  }

  /** CUDA device {@code ordinal} (one instance per ordinal, so {@code ==} compares devices). */
  public static Device cuda(int ordinal) {
    if (ordinal < 0) {
      throw new IllegalArgumentException("CUDA device ordinal " + ordinal + " is negative");
    }
    return GPUS.computeIfAbsent(ordinal, Device::new);
  }

  /** True for a CUDA device. */
  public boolean isCuda() {
    return ordinal >= 0;
  }

  @Override
  public String toString() {
    return ordinal < 0 ? "cpu" : "cuda:" + ordinal;
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
    if (device.isCuda() && device.ordinal >= Engine.cudaDevices()) {
      throw new IllegalStateException(
          (cudaAvailable() ? "no CUDA device " + device + " (" + Engine.cudaDevices() + " present)" : "no CUDA device")
              + ": " + Engine.cudaInfo());
    }
    Use u = new Use(CURRENT.get());
    CURRENT.set(device);
    return u;
  }

  /**
   * Forgets this thread's current device, so that the next {@link #current()} reads the
   * configuration again (the CLI's {@code --device} sets it).
   */
  public static void resetCurrent() {
    CURRENT.remove();
  }

  /** The device named by a setting value: cpu, cuda or auto. */
  public static Device parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (n.matches("cuda:\\d{1,4}")) {
      Device d = cuda(Integer.parseInt(n.substring(5)));
      if (d.ordinal >= Engine.cudaDevices()) {
        throw new IllegalStateException("device '" + name + "' was asked for, but there are " + Engine.cudaDevices()
            + " CUDA device(s): " + Engine.cudaInfo());
      }
      return d;
    }
    switch (n) {
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
        throw new IllegalArgumentException("unknown device '" + name + "'; expected cpu, cuda, cuda:N or auto");
    }
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

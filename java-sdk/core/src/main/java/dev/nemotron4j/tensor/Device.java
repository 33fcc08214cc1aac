package dev.nemotron4j.tensor;

/** Where a tensor's memory lives. */
public enum Device {
  CPU,
  CUDA;

  /** The device new tensors go to: the CPU (GPU tensors arrive with the CUDA backend). */
  public static Device preferred() {
    return CPU;
  }
}

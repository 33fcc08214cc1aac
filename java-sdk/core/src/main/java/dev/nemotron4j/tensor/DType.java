package dev.nemotron4j.tensor;

import dev.nemotron4j.bindings.NtApi;

/** Element types, with the safetensors names used by Hugging Face checkpoints. */
public enum DType {
  F32(NtApi.NT_F32, 4, true),
  BF16(NtApi.NT_BF16, 2, true),
  F16(NtApi.NT_F16, 2, true),
  F8_E4M3(NtApi.NT_F8_E4M3, 1, true),
  F8_E5M2(NtApi.NT_F8_E5M2, 1, true),
  I32(NtApi.NT_I32, 4, false),
  I64(NtApi.NT_I64, 8, false),
  U8(NtApi.NT_U8, 1, false);

  private final int code;
  private final int byteSize;
  private final boolean floating;

  DType(int code, int byteSize, boolean floating) {
    this.code = code;
    this.byteSize = byteSize;
    this.floating = floating;
  }

  /** The engine's code for this dtype ({@code NT_F32}, ...). */
  public int code() {
    return code;
  }

  public int byteSize() {
    return byteSize;
  }

  public boolean isFloatingPoint() {
    return floating;
  }

  public static DType fromCode(int code) {
    for (DType d : values()) {
      if (d.code == code) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown dtype code " + code);
  }

  /** Parses a safetensors dtype name ("F32", "BF16", ...). */
  public static DType parse(String name) {
    for (DType d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unknown dtype '" + name + "'; expected one of F32, BF16, F16, F8_E4M3, F8_E5M2, I32, I64, U8");
  }
}

package dev.nemotron4j.bindings;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;

/** Hand-written helpers over the generated {@link NtApi}: loading and status checking. */
public final class Native {
  private Native() {}

  /** Loads the engine (and OpenBLAS) from the jars on the class path; idempotent. */
  public static void load() {
    Loader.load(NtApi.class);
  }

  /** Throws the typed {@link NativeException} of a failing status; returns on {@code NT_OK}. */
  public static void check(int status) {
    if (status != NtApi.NT_OK) {
      throw exception(status);
    }
  }

  /** The exception of a failing status, with the calling thread's last native message. */
  public static NativeException exception(int status) {
    String message = string(NtApi.nt_last_error());
    if (message.isEmpty()) {
      message = "native status " + status;
    }
    switch (status) {
      case NtApi.NT_ERR_ARGUMENT:
        return new NativeException.InvalidArgument(message);
      case NtApi.NT_ERR_SHAPE:
        return new NativeException.ShapeMismatch(message);
      case NtApi.NT_ERR_DTYPE:
        return new NativeException.WrongDType(message);
      case NtApi.NT_ERR_MEMORY:
        return new NativeException.OutOfMemory(message);
      case NtApi.NT_ERR_UNSUPPORTED:
        return new NativeException.Unsupported(message);
      case NtApi.NT_ERR_DEVICE:
        return new NativeException.DeviceError(message);
      default:
        return new NativeException.Internal(message + " (status " + status + ")");
    }
  }

  /** A native C string as a Java string ("" for null). */
  public static String string(BytePointer p) {
    return p == null || p.isNull() ? "" : p.getString();
  }
}

package dev.nemotron4j.bindings;

/**
 * A failing status of the native engine, carrying the engine's message (which names the bad
 * argument and what was expected). Each status code has its own subclass.
 */
public class NativeException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  protected NativeException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The engine's status code ({@code NT_ERR_*}). */
  public int status() {
    return status;
  }

  /** Null pointer, bad value, out-of-range index ({@code NT_ERR_ARGUMENT}). */
  public static final class InvalidArgument extends NativeException {
    private static final long serialVersionUID = 1L;

    public InvalidArgument(String message) {
      super(NtApi.NT_ERR_ARGUMENT, message);
    }
  }

  /** Mismatched or invalid shape ({@code NT_ERR_SHAPE}). */
  public static final class ShapeMismatch extends NativeException {
    private static final long serialVersionUID = 1L;

    public ShapeMismatch(String message) {
      super(NtApi.NT_ERR_SHAPE, message);
    }
  }

  /** A dtype the function does not accept ({@code NT_ERR_DTYPE}). */
  public static final class WrongDType extends NativeException {
    private static final long serialVersionUID = 1L;

    public WrongDType(String message) {
      super(NtApi.NT_ERR_DTYPE, message);
    }
  }

  /** Allocation failed or a size overflows ({@code NT_ERR_MEMORY}). */
  public static final class OutOfMemory extends NativeException {
    private static final long serialVersionUID = 1L;

    public OutOfMemory(String message) {
      super(NtApi.NT_ERR_MEMORY, message);
    }
  }

  /** A valid request this build or CPU cannot do ({@code NT_ERR_UNSUPPORTED}). */
  public static final class Unsupported extends NativeException {
    private static final long serialVersionUID = 1L;

    public Unsupported(String message) {
      super(NtApi.NT_ERR_UNSUPPORTED, message);
    }
  }

  /** No such device, or a device error ({@code NT_ERR_DEVICE}). */
  public static final class DeviceError extends NativeException {
    private static final long serialVersionUID = 1L;

    public DeviceError(String message) {
      super(NtApi.NT_ERR_DEVICE, message);
    }
  }

  /** An engine bug ({@code NT_ERR_INTERNAL}). */
  public static final class Internal extends NativeException {
    private static final long serialVersionUID = 1L;

    public Internal(String message) {
      super(NtApi.NT_ERR_INTERNAL, message);
    }
  }
}

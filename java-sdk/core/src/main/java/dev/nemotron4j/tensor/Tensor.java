package dev.nemotron4j.tensor;

import dev.nemotron4j.bindings.Native;
import dev.nemotron4j.bindings.NtApi;
import dev.nemotron4j.bindings.NtApi.nt_tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A dense, row-major tensor in off-heap memory owned by the native engine.
 *
 * <p>A tensor is {@link AutoCloseable}: closing frees its memory at once. Tensors created while
 * a {@link Scope} is open belong to it and are closed with it; others belong to the caller. A
 * tensor may also carry a gradient ({@link #grad()}), filled by {@code autograd.Tape}.
 */
public final class Tensor implements AutoCloseable {
  private static final AtomicLong LIVE = new AtomicLong();

  static {
    Engine.load();
  }

  private nt_tensor handle;
  private final Device device; // fixed for the tensor's life: views share their base's
  private final DType dtype;
  private final long[] shape;
  private final long numel;
  private Scope scope;
  private boolean requiresGrad;
  private Tensor grad;

  private Tensor(nt_tensor handle, Device device, DType dtype, long[] shape) {
    this.handle = handle;
    this.device = device;
    this.dtype = dtype;
    this.shape = shape;
    this.numel = product(shape);
    LIVE.incrementAndGet();
    Scope s = Scope.current();
    if (s != null) {
      s.adopt(this);
      scope = s;
    }
  }

  // ------------------------------------------------------------ creation

  /** A zero-filled tensor on the thread's current device ({@link Device#current()}). */
  public static Tensor zeros(DType dtype, long... shape) {
    return zerosOn(Device.current(), dtype, shape);
  }

  /** A zero-filled tensor on {@code device}. */
  public static Tensor zerosOn(Device device, DType dtype, long... shape) {
    long[] s = checkShape(shape);
    nt_tensor h = new nt_tensor();
    Native.check(NtApi.nt_tensor_new_on(h, device.code(), dtype.code(), s.length, s));
    return new Tensor(h, device, dtype, s);
  }

  /** A zero-filled F32 tensor. */
  public static Tensor zeros(long... shape) {
    return zeros(DType.F32, shape);
  }

  /** A tensor with every element {@code value}. */
  public static Tensor full(DType dtype, double value, long... shape) {
    Tensor t = zeros(dtype, shape);
    t.fill(value);
    return t;
  }

  /** An F32 tensor holding {@code data} (row-major) with the given shape. */
  public static Tensor of(float[] data, long... shape) {
    Tensor t = zeros(DType.F32, checkCount(data.length, shape));
    return t.copyFrom(data);
  }

  /** An I64 tensor holding {@code data}. */
  public static Tensor ofLongs(long[] data, long... shape) {
    Tensor t = zeros(DType.I64, checkCount(data.length, shape));
    return t.copyFrom(data);
  }

  /** An I32 tensor holding {@code data}. */
  public static Tensor ofInts(int[] data, long... shape) {
    Tensor t = zeros(DType.I32, checkCount(data.length, shape));
    if (t.device() == Device.CPU) {
      t.buffer().asIntBuffer().put(data);
    } else {
      try (IntPointer p = new IntPointer(data)) {
        Native.check(NtApi.nt_tensor_write(t.handle(), 0, p, 4L * data.length));
      }
    }
    return t;
  }

  /** A 0-dimensional F32 tensor. */
  public static Tensor scalar(float value) {
    return of(new float[] {value});
  }

  /** Normal(0, std) F32 values; element i depends only on (seed, i). */
  public static Tensor randn(long seed, float std, long... shape) {
    Tensor t = zeros(DType.F32, shape);
    Native.check(NtApi.nt_fill_normal(t.handle(), seed, 0f, std));
    return t;
  }

  /** Uniform [low, high) F32 values; element i depends only on (seed, i). */
  public static Tensor rand(long seed, float low, float high, long... shape) {
    Tensor t = zeros(DType.F32, shape);
    Native.check(NtApi.nt_fill_uniform(t.handle(), seed, low, high));
    return t;
  }

  // ---------------------------------------------------------- properties

  public DType dtype() {
    return dtype;
  }

  public Device device() {
    return device;
  }

  /** A copy of this tensor on {@code target} (a new tensor, even on the same device). */
  public Tensor to(Device target) {
    Tensor out = zerosOn(target, dtype, shape);
    try {
      Native.check(NtApi.nt_copy(out.handle(), handle()));
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
    return out;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int ndim() {
    return shape.length;
  }

  /** Size of dimension i; negative i counts from the end. */
  public long dim(int i) {
    int k = i < 0 ? shape.length + i : i;
    if (k < 0 || k >= shape.length) {
      throw new IndexOutOfBoundsException("dimension " + i + " of a " + shape.length + "-d tensor");
    }
    return shape[k];
  }

  public long numel() {
    return numel;
  }

  public long nbytes() {
    return numel * dtype.byteSize();
  }

  public boolean isClosed() {
    return handle == null;
  }

  /** The native handle, for the kernel layer. Throws if the tensor is closed. */
  public nt_tensor handle() {
    if (handle == null) {
      throw new IllegalStateException("tensor " + describe() + " is closed");
    }
    return handle;
  }

  // --------------------------------------------------------------- data

  /**
   * The tensor's memory as a little-endian buffer (no copy). Valid while the tensor is open.
   */
  public ByteBuffer buffer() {
    if (device() != Device.CPU) {
      throw new IllegalStateException(
          describe() + " lives on " + device() + "; read it with toFloatArray()/toLongArray() or copy it with to(Device.CPU)");
    }
    Pointer p = NtApi.nt_tensor_data(handle());
    if (nbytes() == 0) {
      return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
    }
    return new BytePointer(p).capacity(nbytes()).asBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The values as F32 (converted from any float dtype). */
  public float[] toFloatArray() {
    checkArraySize();
    if (device() != Device.CPU) {
      try (Tensor h = to(Device.CPU)) {
        return h.toFloatArray();
      }
    }
    if (dtype == DType.F32) {
      float[] out = new float[(int) numel];
      buffer().asFloatBuffer().get(out);
      return out;
    }
    if (!dtype.isFloatingPoint()) {
      throw new IllegalStateException("toFloatArray of a " + dtype + " tensor; use toLongArray");
    }
    try (Tensor f = to(DType.F32)) {
      return f.toFloatArray();
    }
  }

  /** The values of an I64 or I32 tensor. */
  public long[] toLongArray() {
    checkArraySize();
    if (device() != Device.CPU) {
      try (Tensor h = to(Device.CPU)) {
        return h.toLongArray();
      }
    }
    long[] out = new long[(int) numel];
    if (dtype == DType.I64) {
      buffer().asLongBuffer().get(out);
    } else if (dtype == DType.I32) {
      java.nio.IntBuffer b = buffer().asIntBuffer();
      for (int i = 0; i < out.length; i++) {
        out[i] = b.get(i);
      }
    } else {
      throw new IllegalStateException("toLongArray of a " + dtype + " tensor; expected I64 or I32");
    }
    return out;
  }

  /** The single value of a one-element tensor, as float. */
  public float item() {
    if (numel != 1) {
      throw new IllegalStateException("item() of " + describe() + "; expected one element");
    }
    if (dtype.isFloatingPoint()) {
      return toFloatArray()[0];
    }
    return toLongArray()[0];
  }

  /** Overwrites this F32 tensor with {@code data}. */
  public Tensor copyFrom(float[] data) {
    requireDType(DType.F32);
    requireCount(data.length);
    if (device() == Device.CPU) {
      buffer().asFloatBuffer().put(data);
    } else {
      try (FloatPointer p = new FloatPointer(data)) {
        Native.check(NtApi.nt_tensor_write(handle(), 0, p, 4L * data.length));
      }
    }
    return this;
  }

  /** Overwrites this I64 tensor with {@code data}. */
  public Tensor copyFrom(long[] data) {
    requireDType(DType.I64);
    requireCount(data.length);
    if (device() == Device.CPU) {
      buffer().asLongBuffer().put(data);
    } else {
      try (LongPointer p = new LongPointer(data)) {
        Native.check(NtApi.nt_tensor_write(handle(), 0, p, 8L * data.length));
      }
    }
    return this;
  }

  /** Sets every element to {@code value}. */
  public Tensor fill(double value) {
    Native.check(NtApi.nt_fill(handle(), value));
    return this;
  }

  /** A new tensor of the given dtype (rounded to nearest even; F8 saturates). */
  public Tensor to(DType target) {
    Tensor out = zerosOn(device(), target, shape);
    try {
      Native.check(NtApi.nt_convert(out.handle(), handle(), null));
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
    return out;
  }

  /** A copy of this tensor (same dtype, new memory). */
  public Tensor copy() {
    Tensor out = zerosOn(device(), dtype, shape);
    Native.check(NtApi.nt_copy(out.handle(), handle()));
    return out;
  }

  /**
   * A view of {@code shape} starting at element {@code offset}: same memory, its own handle (close
   * it like any tensor; the memory lives until every view is closed).
   */
  public Tensor view(long offset, long... newShape) {
    long[] s = checkShape(newShape);
    nt_tensor h = new nt_tensor();
    Native.check(NtApi.nt_tensor_view(h, handle(), offset, s.length, s));
    return new Tensor(h, device, dtype, s);
  }

  /**
   * A view reinterpreting this tensor's bytes from {@code byteOffset} as {@code dtype} and
   * {@code shape} (the offset must be a multiple of the dtype's size).
   */
  public Tensor viewAs(long byteOffset, DType asType, long... newShape) {
    long[] s = checkShape(newShape);
    nt_tensor h = new nt_tensor();
    Native.check(NtApi.nt_tensor_view_as(h, handle(), byteOffset, asType.code(), s.length, s));
    return new Tensor(h, device, asType, s);
  }

  /**
   * The bytes of a file as a U8 tensor, memory-mapped (private: writes never reach the file).
   * Views of it keep the mapping alive.
   */
  public static Tensor mapFile(java.nio.file.Path file) {
    nt_tensor h = new nt_tensor();
    Native.check(NtApi.nt_tensor_map_file(h, file.toAbsolutePath().toString()));
    return new Tensor(h, Device.CPU, DType.U8, new long[] {NtApi.nt_tensor_dim(h, 0)});
  }

  /** Copies {@code n} bytes of {@code src} at {@code srcOffset} into this tensor at {@code offset}. */
  public void copyBytesFrom(long offset, Tensor src, long srcOffset, long n) {
    Native.check(NtApi.nt_tensor_copy_bytes(handle(), offset, src.handle(), srcOffset, n));
  }

  /** Reads {@code n} bytes at {@code offset} into a Java array. */
  public byte[] readBytes(long offset, int n) {
    byte[] out = new byte[n];
    try (BytePointer p = new BytePointer(n)) {
      Native.check(NtApi.nt_tensor_read(handle(), offset, p, n));
      p.get(out);
    }
    return out;
  }

  /** A view with a new shape of the same element count. */
  public Tensor reshape(long... newShape) {
    long[] s = checkShape(newShape);
    if (product(s) != numel) {
      throw new IllegalArgumentException(
          "cannot reshape " + describe() + " to " + Arrays.toString(s) + ": element counts differ");
    }
    return view(0, s);
  }

  // ------------------------------------------------------------ autograd

  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** Marks this tensor as a leaf whose gradient autograd accumulates into {@link #grad()}. */
  public Tensor requiresGrad(boolean value) {
    if (value && !dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("only float tensors can require gradients, not " + dtype);
    }
    requiresGrad = value;
    return this;
  }

  /** The accumulated gradient (owned by this tensor), or null. */
  public Tensor grad() {
    return grad;
  }

  /** Replaces the gradient (the tensor takes ownership; the old one is closed). */
  public void setGrad(Tensor g) {
    if (g != null) {
      if (!Arrays.equals(g.shape, shape)) {
        throw new IllegalArgumentException(
            "gradient shape " + Arrays.toString(g.shape) + " differs from " + describe());
      }
      g.escape();
    }
    if (grad != null && grad != g) {
      grad.close();
    }
    grad = g;
  }

  /** Drops the gradient. */
  public void zeroGrad() {
    setGrad(null);
  }

  // ----------------------------------------------------------- ownership

  /** Removes this tensor from its scope: the caller now owns it and must close it. */
  public Tensor escape() {
    if (scope != null) {
      scope.forget(this);
      scope = null;
    }
    return this;
  }

  /** Moves this tensor to {@code target} (which closes it). */
  public Tensor moveTo(Scope target) {
    escape();
    target.adopt(this);
    scope = target;
    return this;
  }

  @Override
  public void close() {
    escape();
    closeOwned();
  }

  void closeOwned() {
    if (handle == null) {
      return;
    }
    NtApi.nt_tensor_free(handle);
    handle.setNull();
    handle = null;
    scope = null;
    LIVE.decrementAndGet();
    if (grad != null) {
      grad.close();
      grad = null;
    }
  }

  /** Number of Java tensors open now (for leak tests). */
  public static long liveCount() {
    return LIVE.get();
  }

  @Override
  public String toString() {
    return describe();
  }

  private String describe() {
    return "Tensor[" + dtype + ", " + Arrays.toString(shape) + (handle == null ? ", closed]" : "]");
  }

  // -------------------------------------------------------------- helpers

  private static long[] checkShape(long[] shape) {
    if (shape == null) {
      throw new IllegalArgumentException("shape is null");
    }
    if (shape.length > NtApi.NT_MAX_DIMS) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " has more than " + NtApi.NT_MAX_DIMS + " dimensions");
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has a negative dimension at " + i);
      }
    }
    return shape.clone();
  }

  private static long product(long[] shape) {
    long p = 1;
    for (long d : shape) {
      p = Math.multiplyExact(p, d);
    }
    return p;
  }

  private static long[] checkCount(int n, long[] shape) {
    long[] s = checkShape(shape);
    if (product(s) != n) {
      throw new IllegalArgumentException(
          n + " values for shape " + Arrays.toString(s) + " which holds " + product(s) + " elements");
    }
    return s;
  }

  private void requireCount(int n) {
    if (n != numel) {
      throw new IllegalArgumentException(
          n + " values for " + describe() + " which holds " + numel + " elements");
    }
  }

  private void requireDType(DType d) {
    if (dtype != d) {
      throw new IllegalStateException(describe() + " has dtype " + dtype + "; expected " + d);
    }
  }

  private void checkArraySize() {
    if (numel > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException(describe() + " is too large for a Java array");
    }
  }
}

package dev.nemotron4j.bindings;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.bindings.NtApi.*;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The raw C API through JavaCPP: loading from the jar, typed exceptions carrying the native
 * message, and bad arguments (nulls, negative and overflowing sizes, wrong shapes and dtypes)
 * rejected by the engine itself, never crashing the JVM.
 */
class NativeApiTest {
  private long liveBefore;

  @BeforeAll
  static void load() {
    Native.load();
  }

  @org.junit.jupiter.api.BeforeEach
  void countLive() {
    liveBefore = nt_live_tensors();
  }

  @AfterEach
  void noLeaks() {
    assertThat(nt_live_tensors()).isEqualTo(liveBefore);
  }

  private static nt_tensor tensor(int dtype, long... shape) {
    nt_tensor t = new nt_tensor();
    Native.check(nt_tensor_new(t, dtype, shape.length, shape));
    return t;
  }

  @Test
  void engineReportsItself() {
    assertThat(Native.string(nt_version())).startsWith("nemotron4j-engine");
    assertThat(Native.string(nt_isa())).isAnyOf("generic", "avx2", "avx512", "avx512bf16");
    assertThat(nt_num_threads()).isAtLeast(1);
    int[] count = {-1};
    Native.check(nt_cuda_device_count(count));
    assertThat(count[0]).isAtLeast(0);
    assertThat(Native.string(nt_cuda_info())).isNotEmpty();
  }

  @Test
  void tensorLifecycleAndCopies() {
    nt_tensor t = tensor(NT_F32, 2, 3);
    try {
      assertThat(nt_tensor_numel(t)).isEqualTo(6);
      assertThat(nt_tensor_nbytes(t)).isEqualTo(24);
      assertThat(nt_tensor_dim(t, 1)).isEqualTo(3);
      FloatPointer src = new FloatPointer(1, 2, 3, 4, 5, 6);
      Native.check(nt_tensor_write(t, 0, src, 24));
      Native.check(nt_scale(t, t, 2f));
      FloatPointer dst = new FloatPointer(6);
      Native.check(nt_tensor_read(t, 0, dst, 24));
      assertThat(dst.get(5)).isEqualTo(12f);
      src.close();
      dst.close();
    } finally {
      nt_tensor_free(t);
    }
  }

  @Test
  void nullArgumentsAreErrorsNotCrashes() {
    nt_tensor t = tensor(NT_F32, 4);
    try {
      NativeException e = assertThrows(NativeException.InvalidArgument.class, () -> Native.check(nt_scale(null, t, 1f)));
      assertThat(e).hasMessageThat().contains("'out' is null");
      assertThat(nt_matmul(null, null, null, 0, 0, 1f, 0f)).isEqualTo(NT_ERR_ARGUMENT);
      assertThat(nt_attention_forward(t, null, null, t, t, null, null, 1f)).isEqualTo(NT_ERR_ARGUMENT);
      assertThat(Native.string(nt_last_error())).contains("'q' is null");
      assertThat(nt_tensor_new((PointerPointer<?>) null, NT_F32, 1, new org.bytedeco.javacpp.LongPointer(4L))).isEqualTo(NT_ERR_ARGUMENT);
      assertThat(nt_tensor_write(t, 0, null, 4)).isEqualTo(NT_ERR_ARGUMENT);
      assertThat(nt_sum_squares((double[]) null, t)).isEqualTo(NT_ERR_ARGUMENT);
      assertThat(nt_set_isa((String) null)).isEqualTo(NT_ERR_ARGUMENT);
      nt_tensor_free(null); // ignored
    } finally {
      nt_tensor_free(t);
    }
  }

  @Test
  void badSizesAreErrors() {
    nt_tensor out = new nt_tensor();
    NativeException e =
        assertThrows(NativeException.ShapeMismatch.class, () -> Native.check(nt_tensor_new(out, NT_F32, 2, new long[] {3, -1})));
    assertThat(e).hasMessageThat().contains("dimension 1 is negative (-1)");
    e = assertThrows(
        NativeException.OutOfMemory.class,
        () -> Native.check(nt_tensor_new(out, NT_F32, 3, new long[] {1L << 40, 1L << 40, 4})));
    assertThat(e).hasMessageThat().contains("overflows");
    assertThrows(NativeException.OutOfMemory.class, () -> Native.check(nt_tensor_new(out, NT_F32, 1, new long[] {1L << 50})));
    assertThrows(NativeException.ShapeMismatch.class, () -> Native.check(nt_tensor_new(out, NT_F32, 9, new long[9])));
    assertThrows(NativeException.WrongDType.class, () -> Native.check(nt_tensor_new(out, 42, 1, new long[] {1})));
    assertThat(out.isNull()).isTrue();
    nt_tensor t = tensor(NT_F32, 4);
    try {
      assertThrows(NativeException.InvalidArgument.class, () -> Native.check(nt_tensor_read(t, 8, new FloatPointer(4), 16)));
      assertThrows(NativeException.InvalidArgument.class, () -> Native.check(nt_tensor_write(t, -1, new FloatPointer(1), 4)));
      nt_tensor v = new nt_tensor();
      assertThrows(NativeException.ShapeMismatch.class, () -> Native.check(nt_tensor_view(v, t, 2, 1, new long[] {3})));
    } finally {
      nt_tensor_free(t);
    }
  }

  @Test
  void mismatchedShapesAndDtypesAreErrors() {
    nt_tensor a = tensor(NT_F32, 3, 4);
    nt_tensor b = tensor(NT_F32, 5, 6);
    nt_tensor c = tensor(NT_F32, 3, 6);
    nt_tensor ids = tensor(NT_F32, 3);
    nt_tensor i64 = tensor(NT_I64, 3);
    try {
      NativeException e = assertThrows(NativeException.ShapeMismatch.class, () -> Native.check(nt_matmul(c, a, b, 0, 0, 1f, 0f)));
      assertThat(e).hasMessageThat().contains("inner dimensions differ");
      e = assertThrows(NativeException.WrongDType.class, () -> Native.check(nt_embedding_forward(c, ids, b)));
      assertThat(e).hasMessageThat().contains("'ids' has dtype F32; expected I32 or I64");
      e = assertThrows(NativeException.WrongDType.class, () -> Native.check(nt_relu2_forward(i64, i64)));
      assertThat(e).hasMessageThat().contains("expected F32");
      // out-of-range token id
      long[] bad = {0, 7, 2};
      Native.check(nt_tensor_write(i64, 0, new org.bytedeco.javacpp.LongPointer(bad), 24));
      nt_tensor emb = tensor(NT_F32, 3, 6);
      try {
        e = assertThrows(NativeException.InvalidArgument.class, () -> Native.check(nt_embedding_forward(emb, i64, b)));
        assertThat(e).hasMessageThat().contains("ids[1] = 7 is out of range [0, 5)");
      } finally {
        nt_tensor_free(emb);
      }
      // a freed handle is rejected, not dereferenced as a tensor
      nt_tensor gone = tensor(NT_F32, 2);
      nt_tensor_free(gone);
      assertThat(nt_tensor_numel(gone)).isEqualTo(-1);
    } finally {
      nt_tensor_free(a);
      nt_tensor_free(b);
      nt_tensor_free(c);
      nt_tensor_free(ids);
      nt_tensor_free(i64);
    }
  }

  @Test
  void isaSelection() {
    assertThat(nt_isa_supported("generic")).isEqualTo(1);
    assertThat(nt_isa_supported("sse9")).isEqualTo(-1);
    NativeException e = assertThrows(NativeException.InvalidArgument.class, () -> Native.check(nt_set_isa("sse9")));
    assertThat(e).hasMessageThat().contains("unknown isa 'sse9'");
    Native.check(nt_set_isa("generic"));
    assertThat(Native.string(nt_isa())).isEqualTo("generic");
    Native.check(nt_set_isa("auto"));
    assertThrows(NativeException.InvalidArgument.class, () -> Native.check(nt_set_num_threads(0)));
  }

  @Test
  void openBlasPeerIsCallable() {
    FloatPointer a = new FloatPointer(1, 2, 3, 4);
    FloatPointer b = new FloatPointer(5, 6, 7, 8);
    FloatPointer c = new FloatPointer(4);
    OpenBlas.cblas_sgemm(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
    assertThat(c.get(0)).isEqualTo(19f);
    assertThat(c.get(3)).isEqualTo(50f);
    a.close();
    b.close();
    c.close();
  }
}

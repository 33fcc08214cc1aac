package dev.nemotron4j.tensor;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.bindings.NativeException;
import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void createReadWrite() {
    try (Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)) {
      assertThat(t.dtype()).isEqualTo(DType.F32);
      assertThat(t.shape()).isEqualTo(new long[] {2, 3});
      assertThat(t.dim(-1)).isEqualTo(3);
      assertThat(t.numel()).isEqualTo(6);
      assertThat(t.nbytes()).isEqualTo(24);
      assertThat(t.device()).isEqualTo(Device.CPU);
      assertThat(t.toFloatArray()).isEqualTo(new float[] {1, 2, 3, 4, 5, 6});
      t.copyFrom(new float[] {6, 5, 4, 3, 2, 1});
      assertThat(t.toFloatArray()[0]).isEqualTo(6f);
    }
    try (Tensor s = Tensor.scalar(2.5f); Tensor i = Tensor.ofLongs(new long[] {7, -1}, 2); Tensor j = Tensor.ofInts(new int[] {3}, 1)) {
      assertThat(s.ndim()).isEqualTo(0);
      assertThat(s.item()).isEqualTo(2.5f);
      assertThat(i.toLongArray()).isEqualTo(new long[] {7, -1});
      assertThat(j.toLongArray()).isEqualTo(new long[] {3});
    }
  }

  @Test
  void viewsShareMemoryAndOutliveTheirBase() {
    Tensor base = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 6);
    Tensor v = base.view(2, 2, 2);
    Tensor r = base.reshape(3, 2);
    base.close();
    assertThat(v.toFloatArray()).isEqualTo(new float[] {2, 3, 4, 5});
    v.fill(9);
    assertThat(r.toFloatArray()).isEqualTo(new float[] {0, 1, 9, 9, 9, 9});
    v.close();
    r.close();
    assertThrows(NativeException.ShapeMismatch.class, () -> {
      try (Tensor b2 = Tensor.zeros(4)) {
        b2.view(3, 2).close();
      }
    });
  }

  @Test
  void scopeOwnsTensorsCreatedInIt() {
    Tensor kept;
    Tensor inner;
    try (Scope outer = Scope.open()) {
      Tensor a = Tensor.zeros(3);
      try (Scope s = Scope.open()) {
        inner = Tensor.zeros(2);
        kept = Tensor.zeros(4).escape();
        Tensor moved = Tensor.zeros(5).moveTo(outer);
        assertThat(s.size()).isEqualTo(1);
        assertThat(outer.size()).isEqualTo(2);
        assertThat(moved.isClosed()).isFalse();
      }
      assertThat(inner.isClosed()).isTrue();
      assertThat(a.isClosed()).isFalse();
    }
    assertThat(kept.isClosed()).isFalse();
    kept.close();
    kept.close(); // idempotent
    IllegalStateException e = assertThrows(IllegalStateException.class, kept::toFloatArray);
    assertThat(e).hasMessageThat().contains("is closed");
  }

  @Test
  void scopesCloseInnermostFirst() {
    Scope a = Scope.open();
    Scope b = Scope.open();
    assertThrows(IllegalStateException.class, a::close);
    b.close();
    a.close();
  }

  @Test
  void conversionsRoundTrip() {
    try (Scope s = Scope.open()) {
      Tensor x = Tensor.of(new float[] {1f, -2.5f, 1e-3f, 300f}, 4);
      assertThat(x.to(DType.BF16).toFloatArray()).isEqualTo(new float[] {1f, -2.5f, 9.994507E-4f, 300f});
      assertThat(x.to(DType.F16).toFloatArray()).isEqualTo(new float[] {1f, -2.5f, 0.0010004044f, 300f});
      assertThat(x.to(DType.F8_E4M3).toFloatArray()).isEqualTo(new float[] {1f, -2.5f, 0.001953125f, 288f});
      assertThat(x.copy().toFloatArray()).isEqualTo(x.toFloatArray());
    }
  }

  @Test
  void badShapesAreRejectedWithClearMessages() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -3));
    assertThat(e).hasMessageThat().contains("negative dimension at 1");
    e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
    assertThat(e).hasMessageThat().contains("3 values for shape [2, 2] which holds 4 elements");
    assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1, 1, 1, 1, 1, 1, 1, 1, 1));
    assertThrows(NativeException.OutOfMemory.class, () -> Tensor.zeros(DType.F32, 1L << 30, 1L << 30));
    assertThrows(IllegalArgumentException.class, () -> DType.parse("F64"));
    try (Tensor t = Tensor.zeros(DType.I64, 2)) {
      assertThrows(IllegalStateException.class, t::toFloatArray);
      assertThrows(IllegalArgumentException.class, () -> t.requiresGrad(true));
      NativeException n = assertThrows(NativeException.InvalidArgument.class, () -> t.fill(0.5));
      assertThat(n).hasMessageThat().contains("0.5 is not representable as I64");
    }
  }

  @Test
  void engineSettings() {
    assertThat(Engine.version()).startsWith("nemotron4j-engine");
    assertThat(Engine.supportedIsas()).contains("generic");
    assertThat(Engine.isa()).isEqualTo(Engine.supportedIsas().get(Engine.supportedIsas().size() - 1));
    assertThat(Engine.cudaDevices()).isAtLeast(0);
    assertThrows(IllegalArgumentException.class, () -> Engine.setThreads(0));
  }
}

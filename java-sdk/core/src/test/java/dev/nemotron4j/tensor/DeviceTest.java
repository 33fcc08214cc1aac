package dev.nemotron4j.tensor;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.nemotron4j.bindings.NativeException;
import org.junit.jupiter.api.Test;

/** Device selection and what happens without a GPU (the CI machine). */
class DeviceTest {

  @Test
  void parsesSettingsAndRejectsUnknownNames() {
    assertThat(Device.parse("cpu")).isEqualTo(Device.CPU);
    assertThat(Device.parse("auto")).isEqualTo(Device.preferred());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
    assertThat(e).hasMessageThat().isEqualTo("unknown device 'tpu'; expected cpu, cuda, cuda:N or auto");
    IllegalStateException missing = assertThrows(IllegalStateException.class, () -> Device.parse("cuda:99"));
    assertThat(missing).hasMessageThat().startsWith("device 'cuda:99' was asked for, but there are ");
  }

  @Test
  void useRestoresThePreviousDevice() {
    Device before = Device.current();
    try (Device.Use u = Device.use(Device.CPU)) {
      assertThat(Device.current()).isEqualTo(Device.CPU);
      try (Tensor t = Tensor.zeros(3); Tensor v = t.view(1, 2)) {
        assertThat(t.device()).isEqualTo(Device.CPU);
        assertThat(dev.nemotron4j.bindings.NtApi.nt_tensor_device(v.handle())).isEqualTo(v.device().code());
      }
    }
    assertThat(Device.current()).isEqualTo(before);
  }

  @Test
  void withoutAGpuCudaIsAClearErrorNotACrash() {
    assumeFalse(Device.cudaAvailable(), "this machine has a GPU");
    assertThat(Device.preferred()).isEqualTo(Device.CPU);
    assertThat(Engine.cudaInfo()).startsWith("no device");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Device.use(Device.CUDA));
    assertThat(e).hasMessageThat().startsWith("no CUDA device: ");
    assertThat(Device.cuda(0)).isSameInstanceAs(Device.CUDA);
    assertThat(Device.cuda(3).toString()).isEqualTo("cuda:3");
    assertThrows(IllegalStateException.class, () -> Device.use(Device.cuda(3)));
    NativeException n = assertThrows(NativeException.class, () -> Tensor.zerosOn(Device.CUDA, DType.F32, 4));
    assertThat(n).hasMessageThat().containsMatch("device 0 does not exist|no CUDA kernels");
    assertThat(Engine.liveTensors()).isAtLeast(0);
  }

  @Test
  void copiesBetweenTensorsOfTheSameDevice() {
    try (Tensor a = Tensor.of(new float[] {1, 2, 3}, 3); Tensor b = a.to(Device.CPU)) {
      assertThat(b.toFloatArray()).isEqualTo(new float[] {1, 2, 3});
      assertThat(b.handle()).isNotSameInstanceAs(a.handle());
    }
  }
}

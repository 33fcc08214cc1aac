package dev.nemotron4j.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class MainTest {
  static String capture(Runnable r) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true));
    try {
      r.run();
    } finally {
      System.setOut(old);
    }
    return buf.toString();
  }

  @Test
  void engineJson() {
    String out = capture(() -> assertThat(Main.run("engine", "--json")).isEqualTo(0));
    assertThat(out).contains("\"isa\":");
    assertThat(out).contains("\"cuda_devices\":");
  }

  @Test
  void jniBenchJson() {
    String out = capture(() -> assertThat(Main.run("bench", "jni", "--json", "--rounds", "1")).isEqualTo(0));
    assertThat(out).contains("\"kernel\":\"jni\"");
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertThat(Main.run("bench", "gemm", "--threads", "0")).isEqualTo(2);
    assertThat(Main.run("bench", "gemm", "--threads", "two")).isEqualTo(2);
    assertThat(Main.run("nonsense")).isEqualTo(2);
    assertThat(Main.run("--device", "tpu", "engine")).isEqualTo(2);
  }

  @Test
  void deviceOptionChoosesWhereTensorsGo() {
    String out = capture(() -> assertThat(Main.run("--device", "cpu", "engine", "--json")).isEqualTo(0));
    assertThat(out).contains("\"device\":\"cpu\"");
    if (!dev.nemotron4j.tensor.Device.cudaAvailable()) {
      assertThat(Main.run("--device", "cuda", "engine")).isEqualTo(2);
    }
  }
}

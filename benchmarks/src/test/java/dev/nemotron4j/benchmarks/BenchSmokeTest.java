package dev.nemotron4j.benchmarks;

import static com.google.common.truth.Truth.assertThat;

import dev.nemotron4j.tensor.DType;
import org.junit.jupiter.api.Test;

/** The benchmark code runs and reports well-formed lines (tiny sizes; no timing is asserted). */
class BenchSmokeTest {
  @Test
  void gemmLineHasTheDocumentedFields() {
    Json j = GemmBench.measure(new GemmBench.Shape(64, 48, 32, false, true, "test"), DType.BF16, 1, 1);
    String s = j.toString();
    assertThat(s).startsWith("{\"kernel\":\"gemm\",\"dtype\":\"bf16\",\"shape\":\"64x48x32\"");
    assertThat(s).contains("\"peer\":\"openblas-sgemm\"");
    assertThat((Double) j.get("gflops")).isGreaterThan(0.0);
    assertThat((Double) j.get("ratio")).isGreaterThan(0.0);
  }

  @Test
  void attentionAndJniLines() {
    Json j = AttentionBench.measure(1, 32, 2, 1, 16, 1, 1);
    assertThat(j.toString()).contains("\"peer\":\"unfused-reference\"");
    assertThat((Long) j.get("peer_scratch_bytes")).isGreaterThan(0L);
    StringBuilder sb = new StringBuilder();
    JniBench.run(1, x -> sb.append(x));
    assertThat(sb.toString()).contains("\"kernel\":\"jni\"");
  }

  @Test
  void shapesCoverConfigS() {
    assertThat(GemmBench.shapes()).hasSize(10);
    assertThat(GemmBench.shapes().get(1).text()).isEqualTo("1024x2048x512");
  }
}

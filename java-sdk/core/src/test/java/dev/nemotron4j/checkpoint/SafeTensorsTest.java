package dev.nemotron4j.checkpoint;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.model.Presets;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @Test
  void writeThenReadEveryDtype(@TempDir Path tmp) {
    Path f = tmp.resolve("t.safetensors");
    try (Scope s = Scope.open()) {
      Tensor x = Tensor.of(new float[] {1, -2, 3.5f, 1e-3f, 7, 8}, 2, 3);
      Map<String, Tensor> m = new LinkedHashMap<>();
      m.put("b.f32", x);
      m.put("a.bf16", x.to(DType.BF16));
      m.put("c.f16", x.to(DType.F16));
      m.put("d.e4m3", x.to(DType.F8_E4M3));
      m.put("e.e5m2", x.to(DType.F8_E5M2));
      m.put("f.i64", Tensor.ofLongs(new long[] {5, -6}, 2));
      m.put("g.scalar", Tensor.scalar(2.5f));
      SafeTensors.write(f, m, Map.of("format", "pt"));
      try (SafeTensors st = SafeTensors.open(f)) {
        assertThat(st.entries().keySet()).containsExactly("a.bf16", "b.f32", "c.f16", "d.e4m3", "e.e5m2", "f.i64", "g.scalar").inOrder();
        assertThat(st.metadata()).containsExactly("format", "pt");
        for (Map.Entry<String, Tensor> e : m.entrySet()) {
          Tensor back = st.tensor(e.getKey());
          assertThat(back.dtype()).isEqualTo(e.getValue().dtype());
          assertThat(back.shape()).isEqualTo(e.getValue().shape());
          assertThat(back.buffer()).isEqualTo(e.getValue().buffer());
        }
        assertThat(st.tensor("g.scalar").ndim()).isEqualTo(0);
      }
      // 8 + N is a multiple of 8
      long n = ByteBuffer.wrap(readBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertThat((8 + n) % 8).isEqualTo(0);
    }
  }

  /** Opening and viewing tensors maps the file: no engine memory, no Java heap copy of the data. */
  @Test
  void tensorsAreMappedNotCopied(@TempDir Path tmp) {
    Path f = tmp.resolve("big.safetensors");
    try (Scope s = Scope.open()) {
      SafeTensors.write(f, Map.of("w", Tensor.randn(4, 1f, 4096, 4096)), null); // 64 MiB
    }
    long before = dev.nemotron4j.tensor.Engine.liveBytes();
    try (SafeTensors st = SafeTensors.open(f); Tensor w = st.tensor("w"); Tensor ref = Tensor.randn(4, 1f, 16)) {
      assertThat(dev.nemotron4j.tensor.Engine.liveBytes() - before).isLessThan(1024L); // only the 16-float reference
      assertThat(w.numel()).isEqualTo(4096L * 4096);
      float[] head = new float[16];
      w.buffer().asFloatBuffer().get(head);
      assertThat(head).isEqualTo(ref.toFloatArray());
    }
  }

  @Test
  void misalignedTensorsAreCopied(@TempDir Path tmp) throws Exception {
    // a 3-byte U8 tensor first puts the F32 one at an odd offset
    String header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[3,11]}}";
    ByteBuffer data = ByteBuffer.allocate(11).order(ByteOrder.LITTLE_ENDIAN);
    data.put(new byte[] {1, 2, 3}).putFloat(1.5f).putFloat(-2f);
    Path f = tmp.resolve("m.safetensors");
    Files.write(f, file(header, data.array()));
    try (SafeTensors st = SafeTensors.open(f); Tensor b = st.tensor("b")) {
      assertThat(b.toFloatArray()).isEqualTo(new float[] {1.5f, -2f});
    }
  }

  @Test
  void shardedSaveAndLoadWithDtypeConversion(@TempDir Path tmp) {
    try (NemotronForCausalLM m = NemotronForCausalLM.create(Presets.get("nemotron-test"), 3)) {
      Checkpoint.save(m, tmp, DType.BF16, 40_000); // forces several shards
      assertThat(Files.exists(tmp.resolve(Checkpoint.INDEX))).isTrue();
      assertThat(Files.exists(tmp.resolve("model-00001-of-" + String.format("%05d", countShards(tmp)) + ".safetensors")))
          .isTrue();
      try (NemotronForCausalLM back = new NemotronForCausalLM(m.config()); Checkpoint ck = Checkpoint.open(tmp)) {
        ck.loadInto(back);
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
          try (Tensor want = e.getValue().value().to(DType.BF16); Tensor w32 = want.to(DType.F32)) {
            assertThat(back.namedParameters().get(e.getKey()).value().toFloatArray()).isEqualTo(w32.toFloatArray());
          }
        }
      }
    }
  }

  private static int countShards(Path dir) {
    try (var s = Files.list(dir)) {
      return (int) s.filter(p -> p.getFileName().toString().startsWith("model-")).count();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  @Test
  void missingAndMisshapenTensorsAreErrors(@TempDir Path tmp) {
    try (NemotronForCausalLM m = new NemotronForCausalLM(Presets.get("nemotron-test"));
        Scope s = Scope.open()) {
      SafeTensors.write(tmp.resolve(Checkpoint.SINGLE), Map.of("lm_head.weight", Tensor.zeros(97, 65)), null);
      try (Checkpoint ck = Checkpoint.open(tmp)) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ck.loadInto(m));
        assertThat(e).hasMessageThat().contains("lacks 23 tensor(s)");
      }
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.open(tmp.resolve("none")));
    assertThat(e).hasMessageThat().contains("no model.safetensors");
  }

  // ------------------------------------------------------------ malformed files

  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.array();
  }

  static byte[] readBytes(Path f) {
    try {
      return Files.readAllBytes(f);
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  private static String open(Path tmp, byte[] bytes) throws Exception {
    Path f = tmp.resolve("bad.safetensors");
    Files.write(f, bytes);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.open(f).close());
    return e.getMessage();
  }

  @Test
  void malformedFilesGiveClearErrors(@TempDir Path tmp) throws Exception {
    String ok = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    assertThat(open(tmp, new byte[5])).contains("file has 5 bytes");
    byte[] longHeader = file(ok, new byte[8]);
    ByteBuffer.wrap(longHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
    assertThat(open(tmp, longHeader)).contains("does not fit in the file");
    byte[] negative = file(ok, new byte[8]);
    ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5);
    assertThat(open(tmp, negative)).contains("does not fit in the file");
    assertThat(open(tmp, file(ok, new byte[4]))).contains("outside the data of 4 bytes");
    assertThat(open(tmp, file("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8])))
        .contains("holds 8 bytes but F32 [3] needs 12");
    assertThat(open(tmp, file("{\"x\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8])))
        .contains("unknown dtype 'F64'");
    assertThat(open(tmp, file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", new byte[8]))).contains("overlap");
    assertThat(open(tmp, file("{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
        + "\"data_offsets\":[0,8]}}", new byte[8]))).contains("overflows");
    assertThat(open(tmp, file("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8])))
        .contains("bad dimension -2");
    assertThat(open(tmp, file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8])))
        .contains("outside the data");
    assertThat(open(tmp, file("{\"x\":", new byte[8]))).contains("not valid JSON");
    assertThat(open(tmp, file("[1,2,3]", new byte[8]))).contains("not a JSON object");
    assertThat(open(tmp, file("{\"__metadata__\":{\"a\":1}}", new byte[0]))).contains("is not a string");
    assertThat(open(tmp, file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}",
        new byte[4]))).contains("at most 8");
    String deep = "[".repeat(5000) + "]".repeat(5000);
    assertThat(open(tmp, file(deep, new byte[0]))).contains("not valid JSON");
  }

  /** Random corruptions of a real checkpoint: a clean exception or a valid file, nothing else. */
  @Test
  void fuzzedFilesNeverCrashHangOrExhaustMemory(@TempDir Path tmp) throws Exception {
    Path good = tmp.resolve("good.safetensors");
    try (Scope s = Scope.open()) {
      SafeTensors.write(good, Map.of("w", Tensor.randn(1, 1f, 3, 5), "b", Tensor.zeros(DType.BF16, 7),
          "i", Tensor.ofLongs(new long[] {1, 2}, 2)), Map.of("k", "v"));
    }
    byte[] base = Files.readAllBytes(good);
    Random r = new Random(99);
    Path f = tmp.resolve("fuzz.safetensors");
    int rejected = 0;
    for (int trial = 0; trial < 400; trial++) {
      byte[] b;
      switch (trial % 4) {
        case 0: // truncate
          b = java.util.Arrays.copyOf(base, r.nextInt(base.length));
          break;
        case 1: // flip bytes anywhere (mostly the header)
          b = base.clone();
          for (int k = 0; k < 1 + r.nextInt(4); k++) {
            b[r.nextInt(Math.min(b.length, 200))] = (byte) r.nextInt(256);
          }
          break;
        case 2: // rewrite the header length
          b = base.clone();
          ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, r.nextLong() >> r.nextInt(64));
          break;
        default: // replace digits in the JSON with large numbers
          String text = new String(base, 8, base.length - 8, StandardCharsets.ISO_8859_1);
          String mutated = text.replaceFirst("\\d+", Long.toString(Math.abs(r.nextLong()) >> r.nextInt(60)));
          b = new byte[8 + mutated.length()];
          System.arraycopy(base, 0, b, 0, 8);
          System.arraycopy(mutated.getBytes(StandardCharsets.ISO_8859_1), 0, b, 8, mutated.length());
      }
      Files.write(f, b);
      try (SafeTensors st = SafeTensors.open(f); Scope s = Scope.open()) {
        for (String name : st.entries().keySet()) {
          st.tensor(name).buffer(); // every tensor of an accepted file is readable
        }
      } catch (IllegalArgumentException e) {
        rejected++;
        assertThat(e).hasMessageThat().isNotEmpty();
      }
    }
    assertThat(rejected).isGreaterThan(200);
  }

  @Test
  void indexMustNameFilesInTheFolder(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve(Checkpoint.INDEX), "{\"weight_map\":{\"a\":\"../../etc/passwd\"}}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.open(tmp));
    assertThat(e).hasMessageThat().contains("must be a plain file name");
    Files.writeString(tmp.resolve(Checkpoint.INDEX), "{\"weight_map\":{\"a\":\"x.safetensors\"}}");
    try (Scope s = Scope.open()) {
      SafeTensors.write(tmp.resolve("x.safetensors"), Map.of("b", Tensor.zeros(1)), null);
    }
    e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.open(tmp));
    assertThat(e).hasMessageThat().contains("does not hold it");
    List.of(1).size();
  }
}

package dev.nemotron4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.model.KvCache;
import dev.nemotron4j.model.NemotronConfig;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Engine;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Greedy decoding throughput with a KV cache, batch 1, on a random-weight model of a config in
 * the PyTorch peer's format (Hugging Face fields plus {@code batch}, {@code seq}, {@code
 * decode_tokens}), as the peer measures it: a 16-token prompt, prefill plus {@code
 * decode_tokens} greedy steps. Also the memory roofline: weight bytes read per token against the
 * measured read bandwidth.
 */
public final class DecodeBench {
  private DecodeBench() {}

  /** A bench config: the model and the peer's extra fields. */
  public record BenchConfig(NemotronConfig model, int batch, int seq, int decodeTokens) {}

  public static BenchConfig readConfig(Path file) {
    try {
      JsonNode n = new ObjectMapper().readTree(Files.readString(file));
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException(file + " must hold a JSON object");
      }
      ObjectNode o = (ObjectNode) n;
      int batch = o.has("batch") ? o.remove("batch").asInt() : 4;
      int seq = o.has("seq") ? o.remove("seq").asInt() : 256;
      int decode = o.has("decode_tokens") ? o.remove("decode_tokens").asInt() : 64;
      if (!o.has("model_type")) {
        o.put("model_type", "nemotron");
      }
      if (batch <= 0 || seq <= 0 || decode <= 0) {
        throw new IllegalArgumentException(file + ": batch, seq and decode_tokens must be > 0");
      }
      return new BenchConfig(NemotronConfig.fromJson(o.toString()), batch, seq, decode);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  public static Json run(Path configFile, int threads, DType weights, int prompt, Path peerDir) {
    BenchConfig bc = readConfig(configFile);
    Engine.setThreads(threads);
    NemotronConfig c = bc.model();
    Json j = new Json().put("kernel", "decode").put("config", configFile.getFileName().toString())
        .put("dtype", weights == DType.BF16 ? "bf16" : "f32").put("threads", threads).put("isa", Engine.isa())
        .put("batch", 1).put("prompt_tokens", prompt).put("decode_tokens", bc.decodeTokens());
    try (NemotronForCausalLM m = NemotronForCausalLM.create(c, 0)) {
      if (weights != DType.F32) {
        m.castLinearWeights(weights);
      }
      long[] ids = new long[prompt];
      SplittableRandom r = new SplittableRandom(1);
      for (int i = 0; i < prompt; i++) {
        ids[i] = r.nextInt(c.vocabSize());
      }
      greedy(m, ids, 4); // warm-up
      double best = Double.MAX_VALUE;
      for (int rep = 0; rep < 3; rep++) {
        long t0 = System.nanoTime();
        greedy(m, ids, bc.decodeTokens());
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      double tps = bc.decodeTokens() / best;
      long bytes = bytesPerToken(m);
      double gbps = Kernels.readBandwidth(512L << 20, 5);
      double roof = gbps * 1e9 / bytes;
      j.put("decode_tokens_per_s", tps).put("weight_bytes_per_token", bytes).put("read_gbps", gbps)
          .put("roofline_tokens_per_s", roof).put("roofline_fraction", tps / roof);
    }
    if (peerDir != null) {
      Map<String, Object> peer = PeerProcess.torchBench(peerDir, configFile, threads);
      Object ptps = peer.get("decode_tokens_per_s");
      j.put("peer", String.valueOf(peer.getOrDefault("peer", "pytorch")));
      if (ptps instanceof Number) {
        double p = ((Number) ptps).doubleValue();
        j.put("peer_decode_tokens_per_s", p).put("ratio", (Double) j.get("decode_tokens_per_s") / p);
      }
    }
    return j;
  }

  /** Prefill then {@code steps} greedy tokens; returns the tokens. */
  static long[] greedy(NemotronForCausalLM m, long[] prompt, int steps) {
    int v = m.config().vocabSize();
    long[] out = new long[steps];
    try (KvCache cache = m.newCache(1, prompt.length + steps + 1)) {
      float[] l;
      try (Scope s = Scope.open()) {
        l = m.prefill(Tensor.ofLongs(prompt, 1, prompt.length), new long[] {prompt.length}, cache).toFloatArray();
      }
      for (int k = 0; k < steps; k++) {
        int best = 0;
        for (int i = 1; i < v; i++) {
          if (l[i] > l[best]) {
            best = i;
          }
        }
        out[k] = best;
        try (Scope s = Scope.open()) {
          l = m.decode(Tensor.ofLongs(new long[] {best}, 1), cache).toFloatArray();
        }
      }
    }
    return out;
  }

  /** Bytes of weights one decoding step reads: every matrix but the embedding, of which one row. */
  static long bytesPerToken(NemotronForCausalLM m) {
    long bytes = 0;
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      Tensor v = e.getValue().value();
      bytes += e.getKey().endsWith("embed_tokens.weight") ? v.dim(1) * v.dtype().byteSize() : v.nbytes();
    }
    return bytes;
  }
}

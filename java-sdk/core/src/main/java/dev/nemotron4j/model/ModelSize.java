package dev.nemotron4j.model;

import dev.nemotron4j.tensor.DType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parameter counts and memory needs of a configuration, computed from its shape alone (nothing
 * is allocated).
 */
public final class ModelSize {
  private ModelSize() {}

  /** Parameters of one decoder layer. */
  public static long perLayer(NemotronConfig c) {
    long h = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim() * h;
    long kv = 2L * c.numKvHeads() * c.headDim() * h;
    long o = h * (long) c.numHeads() * c.headDim();
    long mlp = 2L * c.intermediateSize() * h;
    long norms = 4 * h; // two LayerNorm1P, weight and bias
    return q + kv + o + mlp + norms;
  }

  /** All parameters: embedding, layers, final norm, and lm_head (or the reward head). */
  public static long parameters(NemotronConfig c) {
    long h = c.hiddenSize();
    long head = c.isRewardModel() ? (long) c.numLabels() * h : (long) c.vocabSize() * h;
    return (long) c.vocabSize() * h + c.numLayers() * perLayer(c) + 2 * h + head;
  }

  /** Bytes of the weights stored in {@code dtype}. */
  public static long weightBytes(NemotronConfig c, DType dtype) {
    return parameters(c) * dtype.byteSize();
  }

  /** Key + value cache bytes per token of context, over all layers. */
  public static long kvCacheBytesPerToken(NemotronConfig c, DType dtype) {
    return 2L * c.numLayers() * c.numKvHeads() * c.headDim() * dtype.byteSize();
  }

  /**
   * Training memory with AdamW, without activations: weights in {@code compute} dtype, plus F32
   * master weights when that is narrower, F32 gradients and two F32 moments.
   */
  public static long trainingBytes(NemotronConfig c, DType compute) {
    long p = parameters(c);
    long master = compute == DType.F32 ? 0 : 4 * p;
    return p * compute.byteSize() + master + 4 * p + 8 * p;
  }

  /** A summary for reports and the CLI (keys are stable). */
  public static Map<String, Object> summary(NemotronConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("architecture", c.architecture());
    m.put("parameters", parameters(c));
    m.put("parameters_per_layer", perLayer(c));
    Map<String, Long> w = new LinkedHashMap<>();
    for (DType d : new DType[] {DType.F32, DType.BF16, DType.F16, DType.F8_E4M3}) {
      w.put(d.name(), weightBytes(c, d));
    }
    m.put("weight_bytes", w);
    Map<String, Long> kv = new LinkedHashMap<>();
    kv.put(DType.F32.name(), kvCacheBytesPerToken(c, DType.F32));
    kv.put(DType.BF16.name(), kvCacheBytesPerToken(c, DType.BF16));
    m.put("kv_cache_bytes_per_token", kv);
    Map<String, Long> t = new LinkedHashMap<>();
    t.put("F32", trainingBytes(c, DType.F32));
    t.put("BF16_mixed", trainingBytes(c, DType.BF16));
    m.put("training_bytes_without_activations", t);
    return m;
  }
}

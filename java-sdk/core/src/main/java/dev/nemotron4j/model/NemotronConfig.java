package dev.nemotron4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * The Nemotron-4 architecture's hyper-parameters, read from and written to a Hugging Face
 * {@code config.json} ({@code NemotronForCausalLM} field names).
 *
 * @param architecture {@code NemotronForCausalLM} or {@code NemotronForSequenceClassification}
 * @param vocabSize vocabulary size V
 * @param hiddenSize model width C
 * @param intermediateSize MLP width F
 * @param numLayers decoder layers L
 * @param numHeads query heads NH
 * @param numKvHeads key/value heads NKV (NH must be a multiple)
 * @param headDim per-head width HD
 * @param maxPositions the longest sequence the model is meant for
 * @param ropeTheta rotary base
 * @param partialRotaryFactor fraction of each head's dims that rotate
 * @param normEps LayerNorm1P epsilon
 * @param bosTokenId begin-of-sequence id, or null
 * @param eosTokenId end-of-sequence id, or null
 * @param padTokenId padding id, or null
 * @param initializerRange std of the random initialization of new weights
 * @param numLabels outputs of the reward head (0 for a causal LM)
 * @param torchDtype the checkpoint's dtype as Hugging Face names it ("float32", "bfloat16")
 */
public record NemotronConfig(
    String architecture,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int maxPositions,
    double ropeTheta,
    double partialRotaryFactor,
    double normEps,
    Integer bosTokenId,
    Integer eosTokenId,
    Integer padTokenId,
    double initializerRange,
    int numLabels,
    String torchDtype) {

  public static final String CAUSAL_LM = "NemotronForCausalLM";
  public static final String SEQUENCE_CLASSIFICATION = "NemotronForSequenceClassification";
  private static final ObjectMapper JSON = new ObjectMapper();

  public NemotronConfig {
    validate(
        architecture, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, maxPositions,
        ropeTheta, partialRotaryFactor, normEps, numLabels);
  }

  private static void validate(
      String architecture, int vocab, int hidden, int ffn, int layers, int heads, int kvHeads, int headDim, int maxPos,
      double theta, double frac, double eps, int numLabels) {
    if (!CAUSAL_LM.equals(architecture) && !SEQUENCE_CLASSIFICATION.equals(architecture)) {
      throw new IllegalArgumentException(
          "architecture '" + architecture + "' is not supported; expected " + CAUSAL_LM + " or " + SEQUENCE_CLASSIFICATION);
    }
    positive("vocab_size", vocab);
    positive("hidden_size", hidden);
    positive("intermediate_size", ffn);
    positive("num_hidden_layers", layers);
    positive("num_attention_heads", heads);
    positive("num_key_value_heads", kvHeads);
    positive("head_dim", headDim);
    positive("max_position_embeddings", maxPos);
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads (" + heads + ") must be a multiple of num_key_value_heads (" + kvHeads + ")");
    }
    if (!(frac > 0 && frac <= 1)) {
      throw new IllegalArgumentException("partial_rotary_factor must be in (0, 1], got " + frac);
    }
    int rot = (int) (headDim * frac);
    if (rot < 2 || rot % 2 != 0) {
      throw new IllegalArgumentException(
          "rotary dim head_dim * partial_rotary_factor = " + headDim + " * " + frac + " = " + rot
              + " must be even and at least 2");
    }
    if (!(theta > 0) || Double.isInfinite(theta)) {
      throw new IllegalArgumentException("rope_theta must be finite and > 0, got " + theta);
    }
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("norm_eps must be finite and > 0, got " + eps);
    }
    if (SEQUENCE_CLASSIFICATION.equals(architecture) ? numLabels <= 0 : numLabels != 0) {
      throw new IllegalArgumentException(
          "num_labels = " + numLabels + " for " + architecture
              + (numLabels <= 0 ? "; a reward model needs num_labels >= 1" : "; a causal LM has none"));
    }
  }

  private static void positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + v);
    }
  }

  /** Rotated dims per head: {@code int(head_dim * partial_rotary_factor)}. */
  public int rotaryDim() {
    return (int) (headDim * partialRotaryFactor);
  }

  /** Query heads per key/value head. */
  public int kvGroups() {
    return numHeads / numKvHeads;
  }

  public boolean isRewardModel() {
    return SEQUENCE_CLASSIFICATION.equals(architecture);
  }

  /** This configuration as a reward model with {@code labels} outputs. */
  public NemotronConfig asRewardModel(int labels) {
    return new NemotronConfig(
        SEQUENCE_CLASSIFICATION, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
        maxPositions, ropeTheta, partialRotaryFactor, normEps, bosTokenId, eosTokenId, padTokenId, initializerRange,
        labels, torchDtype);
  }

  /** This configuration as a causal LM. */
  public NemotronConfig asCausalLm() {
    return new NemotronConfig(
        CAUSAL_LM, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, maxPositions,
        ropeTheta, partialRotaryFactor, normEps, bosTokenId, eosTokenId, padTokenId, initializerRange, 0, torchDtype);
  }

  // ------------------------------------------------------------------ JSON

  /** Parses a Hugging Face config.json text. */
  public static NemotronConfig fromJson(String json) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("config.json is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("config.json must hold a JSON object");
    }
    String modelType = text(n, "model_type", null);
    if (!"nemotron".equals(modelType)) {
      throw new IllegalArgumentException("model_type is '" + modelType + "'; expected 'nemotron'");
    }
    String act = text(n, "hidden_act", "relu2");
    if (!"relu2".equals(act)) {
      throw new IllegalArgumentException("hidden_act '" + act + "' is not supported; Nemotron uses 'relu2'");
    }
    for (String flag : new String[] {"attention_bias", "mlp_bias", "tie_word_embeddings"}) {
      if (n.has(flag) && n.get(flag).asBoolean(false)) {
        throw new IllegalArgumentException(flag + " = true is not supported (Nemotron-4 has " + flag + " = false)");
      }
    }
    String arch = CAUSAL_LM;
    if (n.has("architectures") && n.get("architectures").isArray() && n.get("architectures").size() > 0) {
      arch = n.get("architectures").get(0).asText();
    }
    int hidden = integer(n, "hidden_size", null);
    int heads = integer(n, "num_attention_heads", null);
    if (!n.hasNonNull("num_key_value_heads")) {
      throw new IllegalArgumentException(
          "config.json has no num_key_value_heads; expected the number of key/value heads (Nemotron-4 uses GQA)");
    }
    int headDim = n.hasNonNull("head_dim") ? integer(n, "head_dim", null) : hidden / Math.max(1, heads);
    int labels = SEQUENCE_CLASSIFICATION.equals(arch) ? integer(n, "num_labels", null) : 0;
    return new NemotronConfig(
        arch,
        integer(n, "vocab_size", null),
        hidden,
        integer(n, "intermediate_size", null),
        integer(n, "num_hidden_layers", null),
        heads,
        integer(n, "num_key_value_heads", null),
        headDim,
        integer(n, "max_position_embeddings", 4096),
        number(n, "rope_theta", 10000.0),
        number(n, "partial_rotary_factor", 0.5),
        number(n, "norm_eps", 1e-5),
        optionalInt(n, "bos_token_id"),
        optionalInt(n, "eos_token_id"),
        optionalInt(n, "pad_token_id"),
        number(n, "initializer_range", 0.02),
        labels,
        text(n, "torch_dtype", "float32"));
  }

  /** Reads {@code config.json} (a file, or the file inside a model folder). */
  public static NemotronConfig read(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no config.json at " + file);
    }
    try {
      return fromJson(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** The Hugging Face config.json text. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode a = o.putArray("architectures");
    a.add(architecture);
    o.put("model_type", "nemotron");
    o.put("vocab_size", vocabSize);
    o.put("hidden_size", hiddenSize);
    o.put("intermediate_size", intermediateSize);
    o.put("num_hidden_layers", numLayers);
    o.put("num_attention_heads", numHeads);
    o.put("num_key_value_heads", numKvHeads);
    o.put("head_dim", headDim);
    o.put("max_position_embeddings", maxPositions);
    o.put("rope_theta", ropeTheta);
    o.put("partial_rotary_factor", partialRotaryFactor);
    o.put("norm_eps", normEps);
    o.put("hidden_act", "relu2");
    o.put("tie_word_embeddings", false);
    o.put("attention_bias", false);
    o.put("attention_dropout", 0.0);
    o.put("mlp_bias", false);
    putOptional(o, "bos_token_id", bosTokenId);
    putOptional(o, "eos_token_id", eosTokenId);
    putOptional(o, "pad_token_id", padTokenId);
    o.put("torch_dtype", torchDtype);
    o.put("initializer_range", initializerRange);
    o.put("use_cache", true);
    if (isRewardModel()) {
      o.put("num_labels", numLabels);
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes config.json into {@code dir} atomically. */
  public void write(Path dir) {
    AtomicFiles.writeString(dir.resolve("config.json"), toJson());
  }

  private static void putOptional(ObjectNode o, String key, Integer v) {
    if (v == null) {
      o.putNull(key);
    } else {
      o.put(key, v);
    }
  }

  private static String text(JsonNode n, String key, String dflt) {
    JsonNode v = n.get(key);
    return v == null || v.isNull() ? dflt : v.asText();
  }

  private static int integer(JsonNode n, String key, Integer dflt) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      if (dflt == null) {
        throw new IllegalArgumentException("config.json has no " + key);
      }
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException(key + " must be an integer, got " + v);
    }
    return v.intValue();
  }

  private static Integer optionalInt(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isArray()) { // some configs list several eos ids; the first is the primary one
      Iterator<JsonNode> it = v.elements();
      return it.hasNext() ? it.next().intValue() : null;
    }
    if (!v.isIntegralNumber()) {
      throw new IllegalArgumentException(key + " must be an integer or null, got " + v);
    }
    return v.intValue();
  }

  private static double number(JsonNode n, String key, double dflt) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException(key + " must be a number, got " + v);
    }
    return v.doubleValue();
  }
}

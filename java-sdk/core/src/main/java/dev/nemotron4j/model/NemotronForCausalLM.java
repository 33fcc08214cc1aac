package dev.nemotron4j.model;

import dev.nemotron4j.nn.Init;
import dev.nemotron4j.nn.Linear;
import dev.nemotron4j.nn.Module;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;
import java.nio.file.Path;

/**
 * Hugging Face {@code NemotronForCausalLM}: the decoder ({@code model.*}) and an untied {@code
 * lm_head}. Training forward/backward through {@link #logits} under a tape; incremental decoding
 * through {@link #prefill} and {@link #decode} with a {@link KvCache}.
 */
public final class NemotronForCausalLM extends Module {
  private final NemotronConfig config;
  private final NemotronModel model;
  private final Linear lmHead;

  /** A model with zero weights; call {@link #initialize(long)} or load a checkpoint. */
  public NemotronForCausalLM(NemotronConfig config) {
    if (config.isRewardModel()) {
      throw new IllegalArgumentException("config is a reward model (" + config.architecture() + "); use NemotronRewardModel");
    }
    this.config = config;
    model = register("model", new NemotronModel(config));
    lmHead = register("lm_head", new Linear(config.hiddenSize(), config.vocabSize(),
        Init.normal((float) config.initializerRange())));
  }

  /** A randomly initialized model (deterministic in seed). */
  public static NemotronForCausalLM create(NemotronConfig config, long seed) {
    NemotronForCausalLM m = new NemotronForCausalLM(config);
    m.initialize(seed);
    return m;
  }

  /** Loads {@code config.json} and the safetensors weights of a model folder. */
  public static NemotronForCausalLM load(Path dir) {
    NemotronConfig c = NemotronConfig.read(dir);
    if (c.isRewardModel()) {
      c = c.asCausalLm();
    }
    return ModelFiles.loadWeights(dir, new NemotronForCausalLM(c));
  }

  /** Writes config.json and the weights (as {@code dtype}) into {@code dir}. */
  public void save(Path dir, DType dtype) {
    ModelFiles.save(this, config, dir, dtype);
  }

  public NemotronConfig config() {
    return config;
  }

  public NemotronModel backbone() {
    return model;
  }

  public Linear lmHead() {
    return lmHead;
  }

  /** Final-norm hidden states [B, T, C]; lens [B] nullable (right padding). */
  public Tensor hidden(Tensor ids, Tensor lens) {
    return model.forward(ids, lens, null);
  }

  /** Logits [B, T, V] of ids [B, T]; lens [B] nullable (right padding). */
  public Tensor logits(Tensor ids, Tensor lens) {
    return lmHead.forward(hidden(ids, lens));
  }

  /**
   * Logits of packed rows: positions and segStarts [B, T] give each token's position inside its
   * document and its document's first index (attention stays inside documents).
   */
  public Tensor logits(Tensor ids, Tensor lens, Tensor positions, Tensor segStarts) {
    return lmHead.forward(model.forward(ids, lens, positions, segStarts, null));
  }

  public KvCache newCache(int batch, int capacity) {
    return new KvCache(config, batch, capacity);
  }

  /**
   * Runs the prompts ids [B, T] (right-padded to lens) into an empty cache and returns the
   * logits [B, V] of each row's last prompt token.
   */
  public Tensor prefill(Tensor ids, long[] lens, KvCache cache) {
    long b = ids.dim(0), t = ids.dim(1);
    if (lens.length != b) {
      throw new IllegalArgumentException(lens.length + " lengths for a batch of " + b);
    }
    for (int i = 0; i < b; i++) {
      if (cache.length(i) != 0) {
        throw new IllegalStateException("prefill needs an empty cache; call reset()");
      }
      if (lens[i] < 1 || lens[i] > t) {
        throw new IllegalArgumentException("prompt length " + lens[i] + " of row " + i + " is outside [1, " + t + "]");
      }
    }
    Tensor lt = Tensor.ofLongs(lens.clone(), b);
    Tensor h = model.forward(ids, lt, cache);
    cache.setLengths(lens);
    return lmHead.forward(NemotronModel.lastTokenStates(h, lens));
  }

  /** Feeds one token per row (tokens [B]) and returns the next logits [B, V]. */
  public Tensor decode(Tensor tokens, KvCache cache) {
    if (tokens.ndim() != 1 || tokens.dim(0) != cache.batch()) {
      throw new IllegalArgumentException("decode takes one token per cache row: [" + cache.batch() + "], got " + tokens);
    }
    return lmHead.forward(model.decode(tokens, cache));
  }

  /**
   * Casts every linear projection's weights (the decoder's and lm_head) to {@code dtype}, e.g.
   * BF16 to halve the bytes decoding reads; F8_E4M3 is FP8 inference: the decoder's projections
   * get E4M3 weights with per-row scales and run FP8 GEMMs on per-row-quantized activations
   * (lm_head keeps its dtype). For inference: such weights take no gradients.
   */
  public void castLinearWeights(DType dtype) {
    if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F8_E4M3) {
      throw new IllegalArgumentException("cannot run linear layers in " + dtype + "; expected F32, BF16 or F8_E4M3");
    }
    if (dtype == DType.F8_E4M3) {
      // FP8 inference: the decoder's projections in E4M3 with per-row scales; lm_head stays
      for (Linear l : model.linears()) {
        l.quantizeFp8();
      }
      return;
    }
    for (Linear l : model.linears()) {
      l.weight().set(l.weight().value().to(dtype));
    }
    lmHead.weight().set(lmHead.weight().value().to(dtype));
  }
}

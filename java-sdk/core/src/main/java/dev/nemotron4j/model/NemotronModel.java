package dev.nemotron4j.model;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.nn.Embedding;
import dev.nemotron4j.nn.Init;
import dev.nemotron4j.nn.LayerNorm1P;
import dev.nemotron4j.nn.Linear;
import dev.nemotron4j.nn.Module;
import dev.nemotron4j.nn.ModuleList;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;

/**
 * The Nemotron-4 decoder ({@code model.*} in Hugging Face names): token embedding, pre-norm
 * blocks of LayerNorm1P, grouped-query attention with partial RoPE and a squared-ReLU MLP, and
 * the final LayerNorm1P. Differentiable through {@link Ops} when a tape records.
 */
public final class NemotronModel extends Module {
  private final NemotronConfig config;
  private final Embedding embedTokens;
  private final ModuleList<DecoderLayer> layers = new ModuleList<>();
  private final LayerNorm1P norm;

  NemotronModel(NemotronConfig c) {
    this.config = c;
    Init init = Init.normal((float) c.initializerRange());
    embedTokens = register("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize(), init));
    register("layers", layers);
    for (int i = 0; i < c.numLayers(); i++) {
      layers.add(new DecoderLayer(c, init));
    }
    norm = register("norm", new LayerNorm1P(c.hiddenSize(), (float) c.normEps()));
  }

  public NemotronConfig config() {
    return config;
  }

  /** One pre-norm block. */
  static final class DecoderLayer extends Module {
    final LayerNorm1P inputLayernorm;
    final LayerNorm1P postAttentionLayernorm;
    final Linear qProj;
    final Linear kProj;
    final Linear vProj;
    final Linear oProj;
    final Linear upProj;
    final Linear downProj;
    private final NemotronConfig c;

    DecoderLayer(NemotronConfig c, Init init) {
      this.c = c;
      long h = c.hiddenSize(), q = (long) c.numHeads() * c.headDim(), kv = (long) c.numKvHeads() * c.headDim();
      inputLayernorm = register("input_layernorm", new LayerNorm1P(h, (float) c.normEps()));
      Group attn = register("self_attn", new Group());
      qProj = attn.add("q_proj", new Linear(h, q, init));
      kProj = attn.add("k_proj", new Linear(h, kv, init));
      vProj = attn.add("v_proj", new Linear(h, kv, init));
      oProj = attn.add("o_proj", new Linear(q, h, init));
      postAttentionLayernorm = register("post_attention_layernorm", new LayerNorm1P(h, (float) c.normEps()));
      Group mlp = register("mlp", new Group());
      upProj = mlp.add("up_proj", new Linear(h, c.intermediateSize(), init));
      downProj = mlp.add("down_proj", new Linear(c.intermediateSize(), h, init));
    }

    /** x [B, T, C] -> [B, T, C]; k and v (after RoPE) go to {@code cache} when it is given. */
    Tensor forward(Tensor x, Tensor positions, Tensor lens, Tensor segStarts, KvCache cache, int layer) {
      long b = x.dim(0), t = x.dim(1);
      Tensor h = inputLayernorm.forward(x);
      Tensor q = Ops.rope(Ops.reshape(qProj.forward(h), b, t, c.numHeads(), c.headDim()), positions, c.rotaryDim(),
          (float) c.ropeTheta());
      Tensor k = Ops.rope(Ops.reshape(kProj.forward(h), b, t, c.numKvHeads(), c.headDim()), positions, c.rotaryDim(),
          (float) c.ropeTheta());
      Tensor v = Ops.reshape(vProj.forward(h), b, t, c.numKvHeads(), c.headDim());
      if (cache != null) {
        cache.write(layer, k, v, lens);
      }
      Tensor a = Ops.attention(q, k, v, lens, segStarts, (float) (1.0 / Math.sqrt(c.headDim())));
      x = Ops.add(x, oProj.forward(Ops.reshape(a, b, t, (long) c.numHeads() * c.headDim())));
      Tensor m = downProj.forward(Ops.relu2(upProj.forward(postAttentionLayernorm.forward(x))));
      return Ops.add(x, m);
    }

    /** One new token per sequence against the cache: x [B, C] at positions pos [B]. */
    Tensor decode(Tensor x, Tensor pos, Tensor posPlusOne, KvCache cache, int layer) {
      long b = x.dim(0);
      Tensor h = inputLayernorm.forward(x);
      Tensor q = Ops.rope(Ops.reshape(qProj.forward(h), b, c.numHeads(), c.headDim()), pos, c.rotaryDim(),
          (float) c.ropeTheta());
      Tensor k = Ops.rope(Ops.reshape(kProj.forward(h), b, 1, c.numKvHeads(), c.headDim()), pos, c.rotaryDim(),
          (float) c.ropeTheta());
      Tensor v = Ops.reshape(vProj.forward(h), b, 1, c.numKvHeads(), c.headDim());
      cache.append(layer, k, v, pos);
      Tensor a = Tensor.zeros(DType.F32, b, c.numHeads(), c.headDim());
      Kernels.attentionDecode(a, q, cache.keys(layer), cache.values(layer), posPlusOne,
          (float) (1.0 / Math.sqrt(c.headDim())));
      x = Ops.add(x, oProj.forward(Ops.reshape(a, b, (long) c.numHeads() * c.headDim())));
      Tensor m = downProj.forward(Ops.relu2(upProj.forward(postAttentionLayernorm.forward(x))));
      return Ops.add(x, m);
    }
  }

  /** A named group of modules without computation of its own (self_attn, mlp). */
  static final class Group extends Module {
    <M extends Module> M add(String name, M m) {
      return register(name, m);
    }
  }

  /** 0 .. T-1, the positions of every row (Hugging Face's default position_ids). */
  static Tensor positions(long t) {
    long[] p = new long[(int) t];
    for (int i = 0; i < t; i++) {
      p[i] = i;
    }
    return Tensor.ofLongs(p, t);
  }

  /**
   * The final-norm hidden states [B, T, C] of ids [B, T] (I64/I32); lens [B] (nullable) are the
   * rows' lengths under right padding. With a cache, keys and values are written to it.
   */
  public Tensor forward(Tensor ids, Tensor lens, KvCache cache) {
    return forward(ids, lens, null, null, cache);
  }

  /**
   * As above for packed rows: positions [B, T] (nullable: 0 .. T-1 in every row) restart at each
   * document, and segStarts [B, T] (nullable) keep attention inside documents.
   */
  public Tensor forward(Tensor ids, Tensor lens, Tensor positions, Tensor segStarts, KvCache cache) {
    if (ids.ndim() != 2) {
      throw new IllegalArgumentException("input ids must be [batch, time], got " + ids);
    }
    Tensor pos = positions != null ? positions : positions(ids.dim(1));
    Tensor x = embedTokens.forward(ids);
    for (int i = 0; i < layers.size(); i++) {
      x = layers.get(i).forward(x, pos, lens, segStarts, cache, i);
    }
    return norm.forward(x);
  }

  /**
   * The rows of h [B, T, C] at each sequence's last token, lens[b] - 1 (lens null: T), as [B, C].
   * The callers check lens is in [1, T] before their forward pass.
   */
  static Tensor lastTokenStates(Tensor h, long[] lens) {
    long b = h.dim(0), t = h.dim(1);
    long[] last = new long[(int) b];
    for (int i = 0; i < b; i++) {
      last[i] = i * t + (lens == null ? t : lens[i]) - 1;
    }
    return Ops.embedding(Tensor.ofLongs(last, b), Ops.reshape(h, b * t, h.dim(2)));
  }

  /** Final-norm hidden states [B, C] of one new token per row at the cache's positions. */
  Tensor decode(Tensor tokens, KvCache cache) {
    Tensor pos = cache.positions();
    Tensor posPlusOne = cache.positionsPlusOne();
    Tensor x = embedTokens.forward(tokens);
    for (int i = 0; i < layers.size(); i++) {
      x = layers.get(i).decode(x, pos, posPlusOne, cache, i);
    }
    cache.advance();
    return norm.forward(x);
  }

  /** Every decoder layer's linear projections (for dtype casts). */
  Iterable<Linear> linears() {
    java.util.List<Linear> out = new java.util.ArrayList<>();
    for (DecoderLayer l : layers.items()) {
      out.add(l.qProj);
      out.add(l.kProj);
      out.add(l.vProj);
      out.add(l.oProj);
      out.add(l.upProj);
      out.add(l.downProj);
    }
    return out;
  }
}

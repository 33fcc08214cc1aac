package dev.nemotron4j.sdg.backend;

import dev.nemotron4j.generate.Generator;
import dev.nemotron4j.generate.SamplingConfig;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A {@link ChatBackend} on a loaded {@link NemotronForCausalLM} and its SentencePiece tokenizer.
 *
 * <p>Each conversation is rendered with {@link ChatTemplate#encodePrompt} and continued with
 * {@link Generator}: rows (one per conversation and sample; one per conversation when greedy, its
 * completion then repeated {@code n} times) are generated {@code batchSize} at a time in one {@code
 * generate} call. Generation stops at the template's markers ({@code <extra_id_1>}, {@code <extra_id_0>}), the
 * tokenizer's EOS (when it has one), the stop strings (cut before) or after {@code maxTokens}
 * tokens; the text is returned with surrounding whitespace trimmed. Token ids the model can emit
 * but the tokenizer does not have (a padded vocabulary) decode as the unknown piece.
 *
 * <p><b>Reproducibility.</b> Temperature 0 is greedy. Otherwise sample {@code j} of conversation
 * {@code i} draws from a generator seeded with {@code seed * 0x9e3779b97f4a7c15 + (i * n + j)},
 * whatever the batch size: the same request and seed give the same completions whether rows are
 * generated one at a time or together. (The seed of each batch is chosen so that the {@link
 * Generator}'s per-row seeds land on these values.)
 *
 * <p>The backend does not own the model (closing it leaves the model open) unless built with
 * {@code ownsModel}, as {@link #load} does. Calls are serialized: the model is used by one call at a
 * time.
 */
public final class LocalBackend implements ChatBackend {
  /** The multiplier of the generator's per-row seeds ({@code seed * GOLDEN + row}). */
  static final long GOLDEN = 0x9e3779b97f4a7c15L;
  /** The multiplicative inverse of {@link #GOLDEN} modulo 2^64. */
  static final long GOLDEN_INVERSE = inverse(GOLDEN);

  private final String label;
  private final NemotronForCausalLM model;
  private final SentencePieceModel tokenizer;
  private final ChatTemplate template;
  private final Generator generator;
  private final int batchSize;
  private final boolean ownsModel;
  private final List<Long> stopIds;
  private boolean closed;

  /** A backend that does not own {@code model}; {@code label} names it in {@link #name()} ("local:" + label). */
  public LocalBackend(String label, NemotronForCausalLM model, SentencePieceModel tokenizer, int batchSize) {
    this(label, model, tokenizer, batchSize, false);
  }

  /**
   * A backend over {@code model}, closed with the backend when {@code ownsModel}.
   *
   * @param label names the model in {@link #name()}, e.g. its folder
   * @param batchSize the most rows (conversation samples) per {@code generate} call (>= 1)
   */
  public LocalBackend(
      String label, NemotronForCausalLM model, SentencePieceModel tokenizer, int batchSize, boolean ownsModel) {
    if (label == null || label.isBlank()) {
      throw new IllegalArgumentException("label must name the model (e.g. its folder), got "
          + (label == null ? "null" : "'" + label + "'"));
    }
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(tokenizer, "tokenizer");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    int vocab = model.config().vocabSize();
    if (tokenizer.vocabSize() > vocab) {
      throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize()
          + " pieces but the model's vocab_size is " + vocab + ": expected vocab_size >= the tokenizer's pieces");
    }
    this.label = label;
    this.model = model;
    this.tokenizer = tokenizer;
    this.template = new ChatTemplate(tokenizer);
    this.batchSize = batchSize;
    this.ownsModel = ownsModel;
    List<Long> stops = new ArrayList<>();
    stops.add((long) template.stopId());
    // a reply ends at either chat marker: <extra_id_0> would start a system turn
    stops.add((long) template.systemMarkerId());
    if (tokenizer.eosId() >= 0 && tokenizer.eosId() != template.stopId()) {
      stops.add((long) tokenizer.eosId());
    }
    this.stopIds = List.copyOf(stops);
    this.generator = new Generator(model, this::decode);
  }

  /**
   * Loads the model folder {@code modelDir} and the tokenizer ({@code modelDir/tokenizer.model} when
   * {@code tokenizerFile} is null) into a backend that owns the model.
   */
  public static LocalBackend load(Path modelDir, Path tokenizerFile, int batchSize) {
    Objects.requireNonNull(modelDir, "modelDir");
    Path tok = tokenizerFile != null ? tokenizerFile : modelDir.resolve("tokenizer.model");
    SentencePieceModel tokenizer;
    try {
      tokenizer = SentencePieceModel.load(tok);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the tokenizer " + tok + ": " + e, e);
    }
    NemotronForCausalLM model = NemotronForCausalLM.load(modelDir);
    try {
      return new LocalBackend(modelDir.toString(), model, tokenizer, batchSize, true);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return "local:" + label;
  }

  @Override
  public String toString() {
    return "LocalBackend[" + name() + ", batchSize " + batchSize + "]";
  }

  public int batchSize() {
    return batchSize;
  }

  @Override
  public synchronized List<List<String>> complete(List<List<ChatTemplate.Message>> conversations, Sampling sampling) {
    Objects.requireNonNull(sampling, "sampling");
    Conversations.check(conversations);
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
    int maxPositions = model.config().maxPositions();
    List<long[]> prompts = new ArrayList<>(conversations.size());
    for (int i = 0; i < conversations.size(); i++) {
      int[] ids;
      try {
        ids = template.encodePrompt(conversations.get(i));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("conversation " + i + ": " + e.getMessage(), e);
      }
      if ((long) ids.length + sampling.maxTokens() > maxPositions) {
        throw new IllegalArgumentException("conversation " + i + " is a prompt of " + ids.length + " tokens: with maxTokens "
            + sampling.maxTokens() + " that is more than the model's max_position_embeddings " + maxPositions);
      }
      long[] p = new long[ids.length];
      for (int t = 0; t < ids.length; t++) {
        p[t] = ids[t];
      }
      prompts.add(p);
    }
    float temperature = (float) sampling.temperature();
    float topP = Math.max((float) sampling.topP(), Float.MIN_VALUE);
    boolean greedy = temperature == 0f;
    int n = sampling.n();
    int perConversation = greedy ? 1 : n;
    int rows = prompts.size() * perConversation;
    List<String> texts = new ArrayList<>(rows);
    for (int k0 = 0; k0 < rows; k0 += batchSize) {
      int k1 = Math.min(rows, k0 + batchSize);
      List<long[]> batch = new ArrayList<>(k1 - k0);
      for (int k = k0; k < k1; k++) {
        batch.add(prompts.get(k / perConversation));
      }
      SamplingConfig cfg = greedy
          ? SamplingConfig.greedy(sampling.maxTokens())
          : SamplingConfig.sample(sampling.maxTokens(), temperature, 0, topP, batchSeed(sampling.seed(), k0));
      cfg = cfg.withStops(stopIds, sampling.stop());
      for (Generator.Result r : generator.generate(batch, cfg)) {
        texts.add(r.text().strip());
      }
    }
    List<List<String>> out = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      out.add(greedy
          ? Collections.nCopies(n, texts.get(i))
          : List.copyOf(texts.subList(i * n, (i + 1) * n)));
    }
    return out;
  }

  /**
   * The {@link SamplingConfig} seed of a batch whose first row is global row {@code k0}: the
   * generator seeds row {@code r} with {@code cfgSeed * GOLDEN + r}, which this makes {@code seed *
   * GOLDEN + k0 + r}.
   */
  static long batchSeed(long seed, long k0) {
    return seed + k0 * GOLDEN_INVERSE;
  }

  /** The text of generated ids; ids beyond the tokenizer's pieces become the unknown piece. */
  private String decode(long[] ids) {
    int v = tokenizer.vocabSize();
    int unk = tokenizer.unkId();
    int[] out = new int[ids.length];
    int m = 0;
    for (long id : ids) {
      if (id >= 0 && id < v) {
        out[m++] = (int) id;
      } else if (unk >= 0) {
        out[m++] = unk;
      }
    }
    return tokenizer.decode(m == out.length ? out : java.util.Arrays.copyOf(out, m));
  }

  static long inverse(long odd) {
    long x = odd; // correct to 3 bits: odd * odd == 1 (mod 8)
    for (int i = 0; i < 5; i++) {
      x *= 2 - odd * x; // Newton: doubles the correct bits
    }
    return x;
  }

  /** Closes the model if the backend owns it; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ownsModel) {
      model.close();
    }
  }
}

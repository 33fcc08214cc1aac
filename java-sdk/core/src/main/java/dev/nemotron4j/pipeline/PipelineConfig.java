package dev.nemotron4j.pipeline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything the weak-to-strong pipeline does, as one record (JSON keys in snake_case). {@link
 * #defaults} gives the built-in sizes; a JSON file overrides any subset of the keys.
 *
 * @param countries invented countries in the toy world's fact base
 * @param corpusDocuments pretraining documents
 * @param qaFraction fraction of them that are question-and-answer pages
 * @param tokenizerVocab pieces of the BPE tokenizer trained on the corpus
 * @param model the model shape (vocab follows the tokenizer)
 * @param pretrain base-model pretraining
 * @param seqLen pretraining sequence length
 * @param annotatedPrompts prompts of the "human-annotated" set (5 labelled responses each)
 * @param annotatedHeldOut of those, prompts held out to measure the reward model
 * @param annotationNoise probability that an annotator moves an attribute by one
 * @param rewardModel reward-model training (HelpSteer2 regression from the base model)
 * @param weak the weak initial generator
 * @param topics SDG: topics, subtopics per topic, questions per subtopic
 * @param twoTurnFraction fraction of questions turned into two-turn prompts
 * @param instructionVariants copies of each question with different verifiable instructions
 * @param nearDuplicateJaccard prompts at least this similar (word 3-gram Jaccard) to an earlier
 *     one are dropped
 * @param heldOutPrompts held-out evaluation prompts (two instruction variants per question; their
 *     questions are never trained on)
 * @param devPrompts development prompts that pick the best model of each round
 * @param maxNewTokens generation length
 * @param generationBatch rows per generation call
 * @param quality judge weights of a response's quality (ground_truth, instructions, reward)
 * @param rounds the rounds, in order
 */
public record PipelineConfig(
    int countries, int corpusDocuments, double qaFraction, int tokenizerVocab, Shape model, Train pretrain, int seqLen,
    int annotatedPrompts, int annotatedHeldOut, double annotationNoise, Train rewardModel, Weak weak, int topics,
    int subtopics, int questions, double twoTurnFraction, int instructionVariants, double nearDuplicateJaccard, int heldOutPrompts,
    int devPrompts, int maxNewTokens, int generationBatch, Map<String, Double> quality, List<Round> rounds) {

  /** The model shape. */
  public record Shape(int hidden, int ffn, int layers, int heads, int kvHeads, int headDim, int maxPositions) {}

  /** A training run: epochs over its data, micro-batch, peak learning rate, warmup steps. */
  public record Train(double epochs, int batch, double lr, int warmup) {}

  /** The weak generator: probabilities of a right answer, of following each instruction, of padding. */
  public record Weak(double pCorrect, double pFollow, double pVerbose) {}

  /**
   * One round of the weak-to-strong loop: the best model so far (and/or the weak generator)
   * answers {@code prompts} prompts {@code samples} times; the judged responses become SFT data
   * (the best acceptable response per prompt) or preference pairs (best vs worst, at least {@code
   * margin} apart in quality), and the best model so far is trained on them.
   *
   * @param algorithm sft, dpo or rpo
   * @param generators "weak" and/or "policy" (the best model so far)
   * @param beta preference temperature (dpo, rpo)
   * @param eta reward scale (rpo)
   * @param sftWeight weight of the SFT term on chosen responses (dpo, rpo)
   */
  public record Round(String name, String algorithm, List<String> generators, int prompts, int samples,
      double temperature, Train train, double beta, double eta, double sftWeight, double margin) {}

  static final ObjectMapper JSON = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  public PipelineConfig {
    positive("countries", countries);
    positive("corpus_documents", corpusDocuments);
    fraction("qa_fraction", qaFraction);
    if (tokenizerVocab < 64) {
      throw new IllegalArgumentException("tokenizer_vocab must be >= 64, got " + tokenizerVocab);
    }
    positive("seq_len", seqLen);
    positive("annotated_prompts", annotatedPrompts);
    if (annotatedHeldOut < 1 || annotatedHeldOut >= annotatedPrompts) {
      throw new IllegalArgumentException("annotated_held_out must be in [1, annotated_prompts), got " + annotatedHeldOut);
    }
    fraction("annotation_noise", annotationNoise);
    fraction("weak.p_correct", weak.pCorrect());
    fraction("weak.p_follow", weak.pFollow());
    fraction("weak.p_verbose", weak.pVerbose());
    positive("topics", topics);
    positive("subtopics", subtopics);
    positive("questions", questions);
    fraction("two_turn_fraction", twoTurnFraction);
    positive("instruction_variants", instructionVariants);
    if (!(nearDuplicateJaccard > 0 && nearDuplicateJaccard <= 1)) {
      throw new IllegalArgumentException("near_duplicate_jaccard must be in (0, 1], got " + nearDuplicateJaccard);
    }
    positive("held_out_prompts", heldOutPrompts);
    positive("dev_prompts", devPrompts);
    positive("max_new_tokens", maxNewTokens);
    positive("generation_batch", generationBatch);
    check("pretrain", pretrain);
    check("reward_model", rewardModel);
    for (String k : quality.keySet()) {
      if (!Set.of("ground_truth", "instructions", "reward").contains(k)) {
        throw new IllegalArgumentException("quality has an unknown judge '" + k + "': expected ground_truth, instructions, reward");
      }
    }
    if (rounds.isEmpty()) {
      throw new IllegalArgumentException("rounds is empty: expected at least one round");
    }
    Set<String> names = new java.util.HashSet<>();
    for (Round r : rounds) {
      String where = "round '" + r.name() + "'";
      if (r.name() == null || !r.name().matches("[a-z0-9][a-z0-9-]*")) {
        throw new IllegalArgumentException("a round name must be lowercase letters, digits and '-', got '" + r.name() + "'");
      }
      if (Set.of("weak-generator", "base").contains(r.name()) || !names.add(r.name())) {
        throw new IllegalArgumentException(where + ": the name is taken (names must be unique and not weak-generator or base)");
      }
      if (!Set.of("sft", "dpo", "rpo").contains(r.algorithm())) {
        throw new IllegalArgumentException(where + ": algorithm must be sft, dpo or rpo, got '" + r.algorithm() + "'");
      }
      if (r.generators().isEmpty() || !Set.of("weak", "policy").containsAll(r.generators())) {
        throw new IllegalArgumentException(where + ": generators must be a non-empty subset of [weak, policy], got "
            + r.generators());
      }
      positive(where + ".prompts", r.prompts());
      positive(where + ".samples", r.samples());
      if (!r.algorithm().equals("sft") && r.samples() < 2) {
        throw new IllegalArgumentException(where + ": preference rounds need samples >= 2, got " + r.samples());
      }
      if (!(r.temperature() >= 0)) {
        throw new IllegalArgumentException(where + ".temperature must be >= 0, got " + r.temperature());
      }
      check(where + ".train", r.train());
      if (!(r.beta() > 0) || !(r.eta() >= 0) || !(r.sftWeight() >= 0) || !(r.margin() >= 0)) {
        throw new IllegalArgumentException(where + ": beta must be > 0 and eta, sft_weight, margin >= 0; got "
            + r.beta() + ", " + r.eta() + ", " + r.sftWeight() + ", " + r.margin());
      }
    }
    quality = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(quality)); // a fixed order: settings.json and sums are stable
    rounds = List.copyOf(rounds);
  }

  private static void positive(String name, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + v);
    }
  }

  private static void fraction(String name, double v) {
    if (!(v >= 0 && v <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], got " + v);
    }
  }

  private static void check(String name, Train t) {
    if (!(t.epochs() > 0) || t.batch() < 1 || !(t.lr() > 0) || t.warmup() < 0) {
      throw new IllegalArgumentException(name + " needs epochs > 0, batch >= 1, lr > 0, warmup >= 0; got " + t);
    }
  }

  /** The built-in sizes: {@code small} (the default, minutes on 2 cores) and {@code medium}. */
  public static PipelineConfig defaults(String size) {
    Map<String, Double> quality = new LinkedHashMap<>();
    quality.put("ground_truth", 2.0);
    quality.put("instructions", 2.0);
    quality.put("reward", 0.5);
    boolean medium;
    switch (size.toLowerCase(Locale.ROOT)) {
      case "small": medium = false; break;
      case "medium": medium = true; break;
      default: throw new IllegalArgumentException("unknown size '" + size + "': expected small or medium");
    }
    Shape shape = medium ? new Shape(192, 768, 6, 6, 2, 32, 256) : new Shape(128, 512, 4, 4, 2, 32, 256);
    Train pretrain = new Train(12, 16, medium ? 1.5e-3 : 2e-3, 20);
    Train rm = new Train(3, 16, 5e-4, 10);
    int k = medium ? 2 : 1;
    // SFT on the weak generator's verified responses; DPO on weak + policy samples; two RPO rounds on
    // the policy's own samples. The preference rounds keep an SFT term on the chosen responses and a
    // small reward scale (eta): RPO's target log-ratio gap is eta * (quality gap) / beta.
    List<Round> rounds = List.of(
        new Round("sft", "sft", List.of("weak"), 1500 * k, 4, 1.0, new Train(3, 16, 1e-3, 10), 0.1, 0, 0, 0),
        new Round("dpo", "dpo", List.of("weak", "policy"), 1500 * k, 4, 0.8, new Train(2, 8, 5e-5, 5), 0.3, 0, 1.0, 0.5),
        new Round("rpo-1", "rpo", List.of("policy"), 1500 * k, 8, 0.8, new Train(2, 8, 5e-5, 5), 0.1, 0.1, 1.0, 0.5),
        new Round("rpo-2", "rpo", List.of("policy"), 1500 * k, 8, 0.8, new Train(2, 8, 5e-5, 5), 0.1, 0.1, 1.0, 0.5));
    return new PipelineConfig(
        /* countries */ 40, /* corpus_documents */ 3000 * k, /* qa_fraction */ 0.6,
        /* tokenizer_vocab */ 1024, shape, pretrain, /* seq_len */ 128,
        /* annotated_prompts */ 4000 * k, /* annotated_held_out */ 100, /* annotation_noise */ 0.15, rm,
        new Weak(0.6, 0.5, 0.3), /* topics */ 5, /* subtopics */ 40, /* questions */ 10 * k, /* two_turn_fraction */ 0.2,
        /* instruction_variants */ 2, /* near_duplicate_jaccard */ 0.9, /* held_out_prompts */ 500, /* dev_prompts */ 100,
        /* max_new_tokens */ 24, /* generation_batch */ 64, quality, rounds);
  }

  /** The defaults of {@code size} with the keys of the JSON file {@code overrides} replaced (objects merge). */
  public static PipelineConfig read(String size, Path overrides) {
    ObjectNode base = JSON.valueToTree(defaults(size));
    JsonNode o;
    try {
      o = JSON.readTree(Files.readString(overrides));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read pipeline config " + overrides + ": " + e.getMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException(overrides + " must hold a JSON object, got " + o);
    }
    merge(base, (ObjectNode) o, overrides.toString());
    return fromJson(base, overrides.toString());
  }

  private static void merge(ObjectNode into, ObjectNode from, String where) {
    for (var it = from.fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode cur = into.get(e.getKey());
      if (cur == null) {
        throw new IllegalArgumentException(where + ": unknown key '" + e.getKey() + "'; expected one of "
            + iterable(into.fieldNames()));
      }
      if (cur.isObject() && e.getValue().isObject() && !e.getKey().equals("quality")) {
        merge((ObjectNode) cur, (ObjectNode) e.getValue(), where + "." + e.getKey());
      } else {
        into.set(e.getKey(), e.getValue());
      }
    }
  }

  private static List<String> iterable(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  static PipelineConfig fromJson(JsonNode json, String where) {
    try {
      return JSON.treeToValue(json, PipelineConfig.class);
    } catch (IOException e) {
      Throwable c = e;
      while (c.getCause() != null && !(c instanceof IllegalArgumentException)) {
        c = c.getCause();
      }
      String msg = c instanceof IllegalArgumentException ? c.getMessage()
          : (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
      throw new IllegalArgumentException("bad pipeline config " + where + ": " + msg, e);
    }
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

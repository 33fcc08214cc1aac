package dev.nemotron4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.align.dpo.PreferenceRunner;
import dev.nemotron4j.align.rm.RewardRunner;
import dev.nemotron4j.align.sft.SftRunner;
import dev.nemotron4j.data.Jsonl;
import dev.nemotron4j.io.AtomicFiles;
import dev.nemotron4j.model.NemotronConfig;
import dev.nemotron4j.model.NemotronRewardModel;
import dev.nemotron4j.sdg.Dedup;
import dev.nemotron4j.sdg.InstructionAugmentation;
import dev.nemotron4j.sdg.Judges;
import dev.nemotron4j.sdg.PromptGeneration;
import dev.nemotron4j.sdg.ResponseGeneration;
import dev.nemotron4j.sdg.SdgRecords;
import dev.nemotron4j.sdg.Selection;
import dev.nemotron4j.sdg.Templates;
import dev.nemotron4j.sdg.backend.ChatBackend;
import dev.nemotron4j.sdg.backend.LocalBackend;
import dev.nemotron4j.sdg.backend.Sampling;
import dev.nemotron4j.tokenizer.BpeTrainer;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import dev.nemotron4j.train.Pretraining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The project's main job: the Nemotron-4 weak-to-strong alignment loop, end to end, on the
 * built-in toy world. tokenizer → base model → reward model (on the annotated set) → synthetic
 * prompts → rounds (SFT, DPO, RPO, ...: each round's generator is the best model so far, its
 * responses judged by ground truth, the instruction checkers and the reward model) → held-out
 * evaluation of every stage → report.
 *
 * <p>Every step writes its output under the run folder and is skipped when its output is already
 * there, so an interrupted run continues where it stopped (SDG stages continue mid-file). The
 * same seed and config give the same numbers.
 */
public final class Pipeline {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final Path out;
  private final long seed;
  private final PipelineConfig cfg;
  private final boolean progress;
  private final long started = System.nanoTime();
  private ToyWorld world;
  private Path tokenizer;
  private SentencePieceModel sp;

  private Pipeline(Path out, long seed, PipelineConfig cfg, boolean progress) {
    this.out = out.toAbsolutePath().normalize();
    this.seed = seed;
    this.cfg = cfg;
    this.progress = progress;
  }

  /** Runs (or continues) the pipeline into {@code out}; returns metrics.json's content. */
  public static ObjectNode run(Path out, long seed, PipelineConfig cfg, boolean progress) {
    return new Pipeline(out, seed, cfg, progress).run();
  }

  /** Seconds of earlier invocations on this run folder (an interrupted run continues its clock). */
  private double priorSeconds;

  private double seconds() {
    return priorSeconds + (System.nanoTime() - started) / 1e9;
  }

  private void log(String fmt, Object... args) {
    double s = seconds();
    if (Files.isDirectory(out)) {
      AtomicFiles.writeString(out.resolve("elapsed.json"), F.objectNode().put("seconds", s).toString() + "\n");
    }
    System.err.printf(Locale.ROOT, "[pipeline %5.0fs] %s%n", s, String.format(Locale.ROOT, fmt, args));
  }

  private SplittableRandom rng(String purpose) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ SdgRecords.id(purpose).hashCode());
  }

  private ObjectNode run() {
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the run folder " + out, e);
    }
    checkSettings();
    if (Files.isRegularFile(out.resolve("elapsed.json"))) {
      priorSeconds = read(out.resolve("elapsed.json")).path("seconds").asDouble(0);
    }
    world = new ToyWorld(seed, cfg.countries());
    log("toy world: %d countries; run folder %s", cfg.countries(), out);

    // held-out evaluation and development prompts, drawn first: nothing that trains may contain their questions
    List<ObjectNode> heldOut = evalPrompts("heldout", cfg.heldOutPrompts(), 2, Set.of());
    Set<String> evalQuestions = new HashSet<>();
    heldOut.forEach(p -> evalQuestions.add(p.get("question").asText()));
    List<ObjectNode> dev = evalPrompts("dev", cfg.devPrompts(), 1, evalQuestions);
    dev.forEach(p -> evalQuestions.add(p.get("question").asText()));

    Path corpus = corpus(evalQuestions);
    trainTokenizer(corpus, evalQuestions);
    Path base = pretrain(corpus);
    Path rm = rewardModel(base, evalQuestions);
    ObjectNode report = F.objectNode();
    try (NemotronRewardModel rewardModel = NemotronRewardModel.load(rm)) {
      Judges.Judge reward = Judges.rewardModel(rewardModel, sp, NemotronRewardModel.HELPSTEER2_WEIGHTS, 32);
      double rmAccuracy = rmAccuracy(reward);
      log("reward model pairwise accuracy on held-out annotated pairs: %.3f", rmAccuracy);
      List<Judges.Judge> judges = List.of(groundTruth(), Judges.instructions(), reward);
      List<ObjectNode> pool = syntheticPrompts(evalQuestions, judges);
      ToyBackend weak = weakGenerator();

      Map<String, Evaluation.Metrics> stages = new LinkedHashMap<>();
      stages.put("weak-generator", evaluate("weak-generator", weak, heldOut, reward));
      try (LocalBackend b = LocalBackend.load(base.resolve("final"), tokenizer, cfg.generationBatch())) {
        stages.put("base", evaluate("base", b, heldOut, reward));
      }
      ArrayNode rounds = F.arrayNode();
      Path best = base.resolve("final");
      double bestDev = Double.NEGATIVE_INFINITY;
      String bestName = "base";
      for (int i = 0; i < cfg.rounds().size(); i++) {
        PipelineConfig.Round r = cfg.rounds().get(i);
        ObjectNode info = round(i, r, best, bestName, pool, weak, judges);
        Path model = out.resolve("rounds").resolve(r.name()).resolve("final");
        double devScore;
        try (LocalBackend b = LocalBackend.load(model, tokenizer, cfg.generationBatch())) {
          devScore = devScore(r.name(), b, dev, judges);
          stages.put(r.name(), evaluate(r.name(), b, heldOut, reward));
        }
        info.put("dev_quality", devScore);
        boolean better = devScore >= bestDev;
        log("%s: dev quality %.3f (best so far: %s %.3f)%s", r.name(), devScore, bestName, bestDev,
            better ? " -> the next round starts from it" : " -> the next round keeps " + bestName);
        if (better) {
          best = model;
          bestDev = devScore;
          bestName = r.name();
        }
        info.put("best_after", bestName);
        rounds.add(info);
      }
      report = Report.write(out, seed, cfg, stages, rmAccuracy, rounds, seconds());
      log("report: %s", out.resolve("report.md"));
    }
    return report;
  }

  /** The run folder keeps its settings; a different config or seed there is an error, not a silent mix. */
  private void checkSettings() {
    ObjectNode s = F.objectNode();
    s.put("seed", seed);
    try {
      s.set("config", PipelineConfig.JSON.readTree(cfg.toJson()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path f = out.resolve("settings.json");
    String text = s.toPrettyString() + "\n";
    if (Files.isRegularFile(f)) {
      try {
        if (!PipelineConfig.JSON.readTree(Files.readString(f)).equals(PipelineConfig.JSON.readTree(text))) {
          throw new IllegalArgumentException(out + " holds a pipeline run with other settings (see " + f
              + "); choose another --out, or the same --seed, --size and --config to continue it");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      log("continuing the run in %s", out);
    } else {
      AtomicFiles.writeString(f, text);
    }
  }

  // ------------------------------------------------------------------ data

  /**
   * Prompts of the world with a known answer: distinct questions, not in {@code avoid}, each with
   * {@code variants} different sets of instructions (the evaluation reads every question in more
   * than one way without using up more of the world's questions).
   */
  private List<ObjectNode> evalPrompts(String name, int n, int variants, Set<String> avoid) {
    Path f = out.resolve("data").resolve(name + "-prompts.jsonl");
    if (Files.isRegularFile(f)) {
      return objects(f);
    }
    SplittableRandom r = rng(name);
    Set<String> used = new HashSet<>(avoid);
    List<ObjectNode> list = new ArrayList<>();
    for (int tries = 0; list.size() < n && tries < 200 * n; tries++) {
      ToyWorld.Question q = world.question(r);
      if (!used.add(q.text())) {
        continue;
      }
      Set<String> sets = new HashSet<>();
      for (int v = 0; v < variants && list.size() < n; v++) {
        List<ToyWorld.Instruction> ins = world.instructions(r);
        String text = ToyWorld.promptText(q.text(), ins);
        if (!sets.add(text)) {
          continue;
        }
        ObjectNode p = SdgRecords.prompt(SdgRecords.id(name, text), text, name,
            SdgRecords.provenance(name, "toy-world", "toy-world.question", seed));
        p.put("question", q.text());
        p.put("answer", q.answer());
        p.set("instructions", ToyWorld.instructionsJson(ins));
        list.add(p);
      }
    }
    if (list.size() < n) {
      throw new IllegalArgumentException("the toy world has too few distinct questions for " + n + " " + name
          + " prompts; lower the count or raise 'countries'");
    }
    Jsonl.write(f, list);
    return list;
  }

  private Path corpus(Set<String> evalQuestions) {
    Path f = out.resolve("data").resolve("corpus.jsonl");
    if (!Files.isRegularFile(f)) {
      List<ObjectNode> docs = new ArrayList<>();
      for (String d : world.corpus(rng("corpus"), cfg.corpusDocuments(), cfg.qaFraction(), evalQuestions)) {
        docs.add(F.objectNode().put("text", d));
      }
      Jsonl.write(f, docs);
      List<ObjectNode> facts = new ArrayList<>();
      for (String c : world.countries()) {
        facts.add(F.objectNode().put("country", c).put("capital", world.capital(c)));
      }
      Jsonl.write(out.resolve("data").resolve("world-facts.jsonl"), facts);
      log("corpus: %d documents", docs.size());
    }
    return f;
  }

  /** A BPE model trained on the corpus and on chat-like text of the world (none of the evaluation questions). */
  private void trainTokenizer(Path corpus, Set<String> evalQuestions) {
    tokenizer = out.resolve("tokenizer").resolve("tokenizer.model");
    if (!Files.isRegularFile(tokenizer)) {
      List<String> text = new ArrayList<>();
      for (ObjectNode d : objects(corpus)) {
        text.add(d.get("text").asText());
      }
      SplittableRandom r = rng("tokenizer");
      for (int i = 0; i < cfg.corpusDocuments() / 2; i++) {
        ToyWorld.Question q = world.question(r);
        if (evalQuestions.contains(q.text())) {
          continue;
        }
        List<ToyWorld.Instruction> ins = world.instructions(r);
        text.add(ToyWorld.promptText(q.text(), ins));
        text.add(ToyWorld.ideal((r.nextBoolean() ? "Sure, the answer is " : "") + q.answer(), ins));
      }
      for (Templates.Template t : List.of(Templates.TOPICS, Templates.SUBTOPICS, Templates.QUESTIONS, Templates.FOLLOW_UP,
          Templates.JUDGE, Templates.MATH)) {
        text.add(t.text());
      }
      BpeTrainer.train(text, BpeTrainer.Options.defaults(cfg.tokenizerVocab()), tokenizer);
      log("tokenizer: BPE, %d pieces, trained on %d sentences", cfg.tokenizerVocab(), text.size());
    }
    try {
      sp = SentencePieceModel.load(tokenizer);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the tokenizer " + tokenizer, e);
    }
  }

  private Path pretrain(Path corpus) {
    Path dir = out.resolve("base");
    if (!Files.isRegularFile(dir.resolve("final").resolve("config.json"))) {
      PipelineConfig.Shape s = cfg.model();
      int vocab = (sp.vocabSize() + 63) / 64 * 64;
      NemotronConfig mc = new NemotronConfig(NemotronConfig.CAUSAL_LM, vocab, s.hidden(), s.ffn(), s.layers(), s.heads(),
          s.kvHeads(), s.headDim(), s.maxPositions(), 10000.0, 0.5, 1e-5, 2, 3, null, 0.02, 0, "bfloat16");
      AtomicFiles.writeString(dir.resolve("model-config.json"), mc.toJson());
      ObjectNode c = trainConfig(dir, cfg.pretrain(), 1);
      c.set("model", F.objectNode().put("config", "model-config.json").put("seed", seed));
      c.put("seq_len", cfg.seqLen());
      c.set("data", F.arrayNode().add(F.objectNode().put("path", rel(dir, corpus))));
      log("pretraining the base model (%s parameters)", String.format(Locale.ROOT, "%.2fM", dev.nemotron4j.model.ModelSize.parameters(mc) / 1e6));
      Pretraining.run(writeConfig(dir, c));
    }
    return dir;
  }

  private Path rewardModel(Path base, Set<String> evalQuestions) {
    Path dir = out.resolve("rm");
    Path train = out.resolve("data").resolve("annotated-train.jsonl");
    Path held = out.resolve("data").resolve("annotated-heldout.jsonl");
    if (!Files.isRegularFile(held)) {
      List<ObjectNode> rows = Annotation.build(world, cfg.annotatedPrompts(), cfg.annotationNoise(), rng("annotation"),
          evalQuestions);
      // the prompts come in random order: the first ones are held out
      Set<String> heldIds = new HashSet<>();
      List<ObjectNode> a = new ArrayList<>(), b = new ArrayList<>();
      for (ObjectNode o : rows) {
        if (heldIds.size() < cfg.annotatedHeldOut()) {
          heldIds.add(o.get("prompt_id").asText());
        }
      }
      for (ObjectNode o : rows) {
        (heldIds.contains(o.get("prompt_id").asText()) ? b : a).add(o);
      }
      Jsonl.write(train, a);
      Jsonl.write(held, b);
      log("annotated set: %d labelled responses to train on, %d held out", a.size(), b.size());
    }
    if (!Files.isRegularFile(dir.resolve("final").resolve("config.json"))) {
      ObjectNode c = trainConfig(dir, cfg.rewardModel(), 2);
      c.put("model", rel(dir, base.resolve("final")));
      c.put("mode", "regression");
      c.set("data", F.arrayNode().add(F.objectNode().put("path", rel(dir, train))));
      log("training the reward model (HelpSteer2 regression, from the base model)");
      RewardRunner.run(writeConfig(dir, c));
    }
    return dir.resolve("final");
  }

  /** The reward model's pairwise accuracy on the held-out annotated set (its scores go to rm/heldout-scores.jsonl). */
  private double rmAccuracy(Judges.Judge reward) {
    List<ObjectNode> rows = objects(out.resolve("data").resolve("annotated-heldout.jsonl"));
    double[] s = Annotation.scores(rows, reward);
    List<ObjectNode> scored = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      scored.add(rows.get(i).deepCopy().put("rm_reward", s[i]));
    }
    Jsonl.write(out.resolve("rm").resolve("heldout-scores.jsonl"), scored);
    return Annotation.pairwiseAccuracy(rows, s);
  }

  private Judges.Judge groundTruth() {
    return Judges.groundTruth(p -> world.solve(SdgRecords.lastUser(p)), ToyWorld::answerCorrect);
  }

  private ToyBackend weakGenerator() {
    PipelineConfig.Weak w = cfg.weak();
    return new ToyBackend(world, w.pCorrect(), w.pFollow(), w.pVerbose());
  }

  /**
   * The synthetic prompt pool: open Q&amp;A (topics → subtopics → questions) and math problems
   * from the weak generator; exact duplicates and the evaluation questions removed; a fraction
   * made two-turn (first answers that are wrong by ground truth are dropped); verifiable
   * instructions appended; near-duplicates removed.
   */
  private List<ObjectNode> syntheticPrompts(Set<String> evalQuestions, List<Judges.Judge> judges) {
    Path dir = out.resolve("sdg");
    Path f = dir.resolve("prompts.jsonl");
    if (Files.isRegularFile(f)) {
      return objects(f);
    }
    ToyBackend gen = weakGenerator();
    PromptGeneration pg = new PromptGeneration(gen, seed, 32, progress);
    List<ObjectNode> questions = new ArrayList<>(pg.openQa(dir, cfg.topics(), cfg.subtopics(), cfg.questions()));
    List<ObjectNode> keywords = new ArrayList<>();
    for (int i = 0; i < cfg.subtopics() * 2; i++) {
      keywords.add(F.objectNode().put("id", SdgRecords.id("keyword", Integer.toString(i))).put("text", "addition " + i));
    }
    questions.addAll(pg.math(dir.resolve("math.jsonl"), keywords));
    int generated = questions.size();
    List<ObjectNode> known = new ArrayList<>();
    int unanswerable = 0, contaminated = 0;
    for (ObjectNode q : questions) {
      String text = SdgRecords.lastUser(q);
      if (world.solve(text).isEmpty()) {
        unanswerable++;
      } else if (Dedup.contaminated(text, evalQuestions)) {
        contaminated++;
      } else {
        known.add(q);
      }
    }
    List<ObjectNode> unique = Dedup.filter(known, SdgRecords::lastUser, 1.0);
    // two-turn prompts: the weak generator answers, then plays the user
    SplittableRandom r = rng("two-turn");
    List<ObjectNode> firstTurns = new ArrayList<>();
    for (ObjectNode q : unique) {
      if (r.nextDouble() < cfg.twoTurnFraction()) {
        firstTurns.add(q);
      }
    }
    List<ObjectNode> twoTurn = new ArrayList<>();
    int wrongFirst = 0;
    for (ObjectNode p : pg.twoTurn(dir.resolve("two-turn.jsonl"), firstTurns)) {
      List<dev.nemotron4j.tokenizer.ChatTemplate.Message> m = SdgRecords.messages(p);
      Optional<String> a = world.solve(m.get(0).content());
      boolean firstOk = a.isPresent() && ToyWorld.answerCorrect(m.get(1).content(), a.get());
      String follow = m.get(2).content();
      if (!firstOk) {
        wrongFirst++;
      } else if (world.solve(follow).isPresent() && !Dedup.contaminated(follow, evalQuestions)) {
        twoTurn.add(p);
      }
    }
    List<ObjectNode> all = new ArrayList<>(unique);
    all.addAll(twoTurn);
    List<ObjectNode> augmented = InstructionAugmentation.augment(all, rr -> ToyWorld.instructionsJson(world.instructions(rr)),
        seed, cfg.instructionVariants());
    List<ObjectNode> pool = Dedup.filter(augmented, SdgRecords::text, cfg.nearDuplicateJaccard());
    Jsonl.write(f, pool);
    ObjectNode stats = F.objectNode();
    stats.put("generated_questions", generated).put("unanswerable", unanswerable).put("contaminated", contaminated)
        .put("after_exact_dedup", unique.size()).put("two_turn", twoTurn.size()).put("two_turn_wrong_first_answer", wrongFirst)
        .put("after_near_dedup", pool.size());
    AtomicFiles.writeString(dir.resolve("prompt-stats.json"), stats.toPrettyString() + "\n");
    log("synthetic prompts: %d questions generated -> %d in the pool (%d two-turn)", generated, pool.size(), twoTurn.size());
    return pool;
  }

  // ---------------------------------------------------------------- rounds

  private ObjectNode round(int index, PipelineConfig.Round r, Path start, String startName, List<ObjectNode> pool,
      ToyBackend weak, List<Judges.Judge> judges) {
    Path dir = out.resolve("rounds").resolve(r.name());
    ObjectNode info = F.objectNode();
    info.put("name", r.name());
    info.put("algorithm", r.algorithm());
    info.put("starts_from", startName);
    Path statsFile = dir.resolve("data-stats.json");
    if (Files.isRegularFile(dir.resolve("final").resolve("config.json")) && Files.isRegularFile(statsFile)) {
      info.set("data", read(statsFile));
      return info;
    }
    // prompts of this round: a seeded sample of the pool
    List<ObjectNode> shuffled = new ArrayList<>(pool);
    SplittableRandom rr = rng("round-" + r.name());
    for (int i = shuffled.size() - 1; i > 0; i--) {
      java.util.Collections.swap(shuffled, i, rr.nextInt(i + 1));
    }
    List<ObjectNode> prompts = shuffled.subList(0, Math.min(r.prompts(), shuffled.size()));
    List<ChatBackend> gens = new ArrayList<>();
    LocalBackend policy = null;
    try {
      for (String g : r.generators()) {
        if (g.equals("weak")) {
          gens.add(weak);
        } else {
          policy = LocalBackend.load(start, tokenizer, cfg.generationBatch());
          gens.add(policy);
        }
      }
      log("%s: %d prompts x %d samples from %s", r.name(), prompts.size(), r.samples(), String.join(" + ", r.generators()));
      Sampling sampling = new Sampling(cfg.maxNewTokens(), r.temperature(), 1.0, r.samples(), seed * 1000 + index, List.of());
      List<ObjectNode> responses = ResponseGeneration.run(r.name(), dir.resolve("responses.jsonl"), prompts, gens, sampling,
          judges, cfg.generationBatch(), progress);
      boolean sft = r.algorithm().equals("sft");
      // SFT responses and chosen responses must be verified: right answer, every instruction followed
      Selection.Policy policyCfg = new Selection.Policy(cfg.quality(), true, true, r.margin(), 400);
      Selection.Stats st = new Selection.Stats();
      ObjectNode stats = F.objectNode();
      stats.put("prompts", prompts.size());
      stats.put("responses", responses.size());
      stats.set("mean_scores", meanScores(responses));
      ObjectNode c = trainConfig(dir, r.train(), 100 + index);
      c.put("model", rel(dir, start));
      List<ObjectNode> data;
      if (sft) {
        data = Selection.sft(prompts, responses, policyCfg, st);
        Path d = dir.resolve("sft-data.jsonl");
        Jsonl.write(d, data);
        c.set("data", F.arrayNode().add(F.objectNode().put("path", rel(dir, d))));
        stats.put("examples", data.size());
      } else {
        data = Selection.preferences(prompts, responses, policyCfg, st);
        Path d = dir.resolve("preference-data.jsonl");
        Jsonl.write(d, data);
        c.set("data", F.arrayNode().add(F.objectNode().put("path", rel(dir, d))));
        c.put("loss", r.algorithm());
        c.put("beta", r.beta());
        c.put("eta", r.eta());
        c.put("alpha", r.sftWeight());
        stats.put("pairs", data.size());
        double gap = 0;
        for (ObjectNode o : data) {
          gap += (o.get("chosen_reward").asDouble() - o.get("rejected_reward").asDouble()) / Math.max(1, data.size());
        }
        stats.put("mean_quality_gap", gap);
        if (policy != null && !data.isEmpty()) {
          stats.set("llm_judge", llmJudgeAgreement(data.subList(0, Math.min(200, data.size())), weak));
        }
      }
      stats.set("selection", st.toJson());
      log("%s: %s", r.name(), stats.toString());
      if (policy != null) {
        policy.close();
        policy = null;
      }
      Path config = writeConfig(dir, c);
      if (data.isEmpty()) {
        // nothing passed the filters: the round cannot train, and its model is the one it started from
        log("%s: no training data passed selection; the round keeps %s unchanged", r.name(), startName);
        stats.put("skipped", "no training data passed selection");
        copyModel(start, dir.resolve("final"));
      } else if (sft) {
        SftRunner.run(config);
      } else {
        PreferenceRunner.run(config, r.algorithm());
      }
      AtomicFiles.writeString(statsFile, stats.toPrettyString() + "\n");
      info.set("data", stats);
      return info;
    } finally {
      if (policy != null) {
        policy.close();
      }
    }
  }

  /** How often a position-swapped LLM judge (the weak generator) gives a consistent verdict, and agrees with the selection. */
  private ObjectNode llmJudgeAgreement(List<ObjectNode> pairs, ChatBackend judge) {
    List<ObjectNode> prompts = new ArrayList<>();
    List<String> chosen = new ArrayList<>(), rejected = new ArrayList<>();
    for (ObjectNode p : pairs) {
      prompts.add(F.objectNode().set("messages", p.get("prompt")));
      chosen.add(p.get("chosen").asText());
      rejected.add(p.get("rejected").asText());
    }
    List<Judges.Verdict> v = Judges.llmPairwise(judge, prompts, chosen, rejected, seed);
    int consistent = 0, agree = 0;
    for (Judges.Verdict x : v) {
      if (x != Judges.Verdict.INCONSISTENT) {
        consistent++;
        if (x == Judges.Verdict.FIRST) {
          agree++;
        }
      }
    }
    ObjectNode o = F.objectNode();
    o.put("pairs", v.size());
    o.put("consistent", v.isEmpty() ? 0 : (double) consistent / v.size());
    o.put("agrees_with_selection", consistent == 0 ? 0 : (double) agree / consistent);
    return o;
  }

  private static ObjectNode meanScores(List<ObjectNode> responses) {
    Map<String, double[]> acc = new LinkedHashMap<>();
    for (ObjectNode r : responses) {
      for (var it = r.get("scores").fields(); it.hasNext(); ) {
        var e = it.next();
        if (!e.getValue().isNull()) {
          double[] a = acc.computeIfAbsent(e.getKey(), k -> new double[2]);
          a[0] += e.getValue().asDouble();
          a[1]++;
        }
      }
    }
    ObjectNode o = F.objectNode();
    acc.forEach((k, a) -> o.put(k, a[0] / a[1]));
    return o;
  }

  // ------------------------------------------------------------- evaluation

  private Evaluation.Metrics evaluate(String name, ChatBackend b, List<ObjectNode> heldOut, Judges.Judge reward) {
    Path f = out.resolve("eval").resolve(name + ".json");
    if (Files.isRegularFile(f)) {
      return Evaluation.Metrics.fromJson(read(f));
    }
    log("evaluating %s on %d held-out prompts", name, heldOut.size());
    Evaluation.Metrics m = Evaluation.evaluate(name, b, heldOut, world, reward, cfg.maxNewTokens(), cfg.generationBatch());
    Jsonl.write(out.resolve("eval").resolve(name + "-responses.jsonl"), m.records());
    AtomicFiles.writeString(f, m.toJson().toPrettyString() + "\n");
    log("%s: answer accuracy %.3f, IFEval prompt strict %.3f, instruction strict %.3f, reward %.3f", name,
        m.answerAccuracy(), m.ifevalPromptStrict(), m.ifevalInstructionStrict(), m.reward());
    return m;
  }

  /** Mean quality (the selection weights over the judges) of greedy replies to the development prompts. */
  private double devScore(String name, ChatBackend b, List<ObjectNode> dev, List<Judges.Judge> judges) {
    Path f = out.resolve("eval").resolve(name + "-dev.json");
    if (Files.isRegularFile(f)) {
      return read(f).get("quality").asDouble();
    }
    List<String> responses = Evaluation.respond(b, dev, cfg.maxNewTokens(), cfg.generationBatch());
    double total = 0;
    List<double[]> all = new ArrayList<>();
    for (Judges.Judge j : judges) {
      all.add(j.score(dev, responses));
    }
    for (int i = 0; i < dev.size(); i++) {
      ObjectNode scored = F.objectNode();
      scored.set("scores", Judges.scores(judges, all, i));
      total += Selection.quality(scored, cfg.quality());
    }
    double q = total / dev.size();
    AtomicFiles.writeString(f, F.objectNode().put("quality", q).toPrettyString() + "\n");
    return q;
  }

  // --------------------------------------------------------------- helpers

  /** Copies a model folder (config, weights, tokenizer), publishing it with an atomic rename. */
  private static void copyModel(Path from, Path to) {
    Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
    try {
      if (Files.isDirectory(tmp)) {
        try (var s = Files.list(tmp)) {
          for (Path p : s.toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(tmp);
      try (var s = Files.list(from)) {
        for (Path p : s.toList()) {
          if (Files.isRegularFile(p)) {
            Files.copy(p, tmp.resolve(p.getFileName()));
          }
        }
      }
      Files.move(tmp, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the model " + from + " to " + to, e);
    }
  }

  /** The shared keys of a training config (see RunSettings). */
  private ObjectNode trainConfig(Path dir, PipelineConfig.Train t, long seedOffset) {
    ObjectNode c = F.objectNode();
    c.put("out", ".");
    c.put("seed", seed * 1000 + seedOffset);
    c.put("tokenizer", rel(dir, tokenizer));
    c.put("epochs", t.epochs());
    c.put("batch", t.batch());
    c.put("progress", progress);
    c.set("optimizer", F.objectNode().put("lr", t.lr()).put("warmup_steps", t.warmup()).put("schedule", "cosine"));
    c.set("length", F.objectNode().put("max", cfg.model().maxPositions()).put("mode", "truncate"));
    return c;
  }

  private static Path writeConfig(Path dir, ObjectNode c) {
    Path f = dir.resolve("train.json");
    AtomicFiles.writeString(f, c.toPrettyString() + "\n");
    return f;
  }

  private static String rel(Path dir, Path target) {
    return dir.toAbsolutePath().normalize().relativize(target.toAbsolutePath().normalize()).toString();
  }

  private static List<ObjectNode> objects(Path f) {
    List<ObjectNode> out = new ArrayList<>();
    for (Jsonl.Row r : Jsonl.readAll(f)) {
      out.add(r.json());
    }
    return out;
  }

  private static ObjectNode read(Path f) {
    try {
      JsonNode n = PipelineConfig.JSON.readTree(Files.readString(f));
      if (!n.isObject()) {
        throw new IllegalArgumentException(f + " must hold a JSON object");
      }
      return (ObjectNode) n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }
}

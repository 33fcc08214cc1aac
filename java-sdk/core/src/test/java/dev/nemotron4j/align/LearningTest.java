package dev.nemotron4j.align;

import static com.google.common.truth.Truth.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.align.dpo.PreferenceEval;
import dev.nemotron4j.align.dpo.PreferenceTask;
import dev.nemotron4j.align.sft.SftTask;
import dev.nemotron4j.data.ChatExample;
import dev.nemotron4j.data.ExampleEncoder;
import dev.nemotron4j.data.LengthPolicy;
import dev.nemotron4j.data.PreferenceTokens;
import dev.nemotron4j.data.Sequence;
import dev.nemotron4j.data.TextExample;
import dev.nemotron4j.model.LmLoss;
import dev.nemotron4j.model.NemotronConfig;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.model.Presets;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Fixtures;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import dev.nemotron4j.train.OptimizerConfig;
import dev.nemotron4j.train.Pretraining;
import dev.nemotron4j.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proof that the algorithms learn, on tiny models (seconds each). */
class LearningTest {
  static final Path TOK = Fixtures.shared().resolve("fixtures/tokenizer/tokenizer-identity/tokenizer.model");

  /** A small model over the identity tokenizer's 1400 pieces. */
  static NemotronConfig small() {
    return new NemotronConfig(NemotronConfig.CAUSAL_LM, 1400, 64, 128, 2, 4, 2, 16, 256, 10000, 0.5, 1e-5, 1, 2, null,
        0.05, 0, "float32");
  }

  static final String[] NOUNS = {"cat", "dog", "bird", "fish", "horse", "mouse"};
  static final String[] VERBS = {"sees", "likes", "chases", "finds"};

  @Test
  void pretrainingBeatsTheUnigramEntropy(@TempDir Path tmp) throws Exception {
    // a corpus with structure: "the <noun> <verb> the <noun>." sentences
    SplittableRandom r = new SplittableRandom(5);
    StringBuilder docs = new StringBuilder();
    for (int d = 0; d < 200; d++) {
      StringBuilder s = new StringBuilder();
      for (int k = 0; k < 4; k++) {
        s.append("the ").append(NOUNS[r.nextInt(NOUNS.length)]).append(' ').append(VERBS[r.nextInt(VERBS.length)])
            .append(" the ").append(NOUNS[r.nextInt(NOUNS.length)]).append(". ");
      }
      docs.append("{\"text\": \"").append(s.toString().trim()).append("\"}\n");
    }
    Files.writeString(tmp.resolve("corpus.jsonl"), docs);
    Files.writeString(tmp.resolve("model.json"), small().toJson());
    Files.writeString(tmp.resolve("run.json"), "{\"out\": \"run\", \"model\": {\"config\": \"model.json\", \"seed\": 1},"
        + " \"tokenizer\": \"" + TOK + "\", \"data\": [{\"path\": \"corpus.jsonl\"}], \"seq_len\": 64, \"batch\": 8,"
        + " \"steps\": 60, \"progress\": false, \"optimizer\": {\"lr\": 0.003, \"warmup_steps\": 5, \"schedule\": \"cosine\"}}");
    ObjectNode res = Pretraining.run(tmp.resolve("run.json"));
    // unigram entropy of the token stream
    SentencePieceModel sp = SentencePieceModel.load(TOK);
    Map<Integer, Integer> counts = new HashMap<>();
    long n = 0;
    for (TextExample t : TextExample.read(tmp.resolve("corpus.jsonl"))) {
      for (int id : sp.encode(t.text())) {
        counts.merge(id, 1, Integer::sum);
        n++;
      }
    }
    double h = 0;
    for (int c : counts.values()) {
      h -= (double) c / n * Math.log((double) c / n);
    }
    double last = res.get("final_loss").asDouble();
    assertThat(last).isLessThan(0.6 * h);
    assertThat(Files.exists(tmp.resolve("run/final/model.safetensors"))).isTrue();
    assertThat(Files.readAllLines(tmp.resolve("run/metrics.jsonl"))).hasSize(60);
  }

  /** NLL of the tokens of {@code seqs} where {@code mask} marks them (target convention). */
  static double nll(NemotronForCausalLM m, List<int[]> ids, List<int[]> mask) {
    double sum = 0;
    long count = 0;
    for (int i = 0; i < ids.size(); i++) {
      try (Scope s = Scope.open()) {
        int[] x = ids.get(i);
        long[] l = new long[x.length];
        for (int j = 0; j < x.length; j++) {
          l[j] = x[j];
        }
        long[] tm = new long[x.length];
        for (int j = 0; j < x.length; j++) {
          tm[j] = mask.get(i)[j];
        }
        long[] targets = LmLoss.targets(l, 1, x.length, null, tm);
        long k = 0;
        for (long t : targets) {
          if (t != LmLoss.IGNORE) {
            k++;
          }
        }
        if (k == 0) {
          continue;
        }
        Tensor logits = m.logits(Tensor.ofLongs(l, 1, x.length), null);
        sum += LmLoss.nextTokenLoss(logits, targets).item() * k;
        count += k;
      }
    }
    return sum / count;
  }

  /**
   * Users always ask in one fixed style; the assistant answers with the noun they named. Trained on
   * assistant tokens only, a model does not learn to write the users' turns; trained on every
   * token, it does.
   */
  @Test
  void assistantOnlyMaskingChangesWhatIsLearned(@TempDir Path tmp) throws Exception {
    SentencePieceModel sp = SentencePieceModel.load(TOK);
    ExampleEncoder enc = new ExampleEncoder(sp, LengthPolicy.truncate(128));
    SplittableRandom r = new SplittableRandom(9);
    List<Sequence> masked = new ArrayList<>(), full = new ArrayList<>();
    List<int[]> evalIds = new ArrayList<>(), userMask = new ArrayList<>(), asstMask = new ArrayList<>();
    for (int i = 0; i < 140; i++) {
      String noun = NOUNS[r.nextInt(NOUNS.length)];
      ChatExample ex = ChatExample.of("please tell me about the " + noun + " and the way it walks", noun);
      Sequence s = enc.chat(ex).orElseThrow();
      if (i < 120) {
        masked.add(s);
        int[] all = new int[s.length()];
        java.util.Arrays.fill(all, 1);
        all[0] = 0;
        full.add(new Sequence(s.ids(), all));
      } else {
        evalIds.add(s.ids());
        asstMask.add(s.targetMask());
        int[] u = new int[s.length()];
        // the user's turn: every token that is neither a target of the assistant nor a marker
        String render = dev.nemotron4j.tokenizer.ChatTemplate.render(ex.messages());
        int userStart = indexOf(s.ids(), sp.pieceToId("<extra_id_1>"), 0) + 1;
        int userEnd = indexOf(s.ids(), sp.pieceToId("<extra_id_1>"), userStart);
        for (int j = userStart + 2; j < userEnd; j++) {
          u[j] = 1;
        }
        assertThat(render).contains("please tell me");
        userMask.add(u);
      }
    }
    double[][] nll = new double[2][2];
    for (int variant = 0; variant < 2; variant++) {
      try (NemotronForCausalLM m = NemotronForCausalLM.create(small(), 4)) {
        SftTask task = new SftTask(m, List.of(variant == 0 ? masked : full), new double[] {1}, 1, 8);
        new Trainer<>("sft", m, task, OptimizerConfig.of(3e-3f),
            new Trainer.Config(50, 1, 0, 1, tmp.resolve("v" + variant), DType.F32, false)).run();
        nll[variant][0] = nll(m, evalIds, asstMask);
        nll[variant][1] = nll(m, evalIds, userMask);
      }
    }
    // both learn the answers; only the unmasked model learns to imitate the user
    assertThat(nll[0][0]).isLessThan(1.0);
    assertThat(nll[1][1]).isLessThan(1.0);
    assertThat(nll[0][1]).isGreaterThan(3 * nll[1][1]);
  }

  static int indexOf(int[] a, int v, int from) {
    for (int i = from; i < a.length; i++) {
      if (a[i] == v) {
        return i;
      }
    }
    return -1;
  }

  /** Chosen responses use "good" tokens 10..19, rejected ones "bad" tokens 20..29. */
  static PreferenceTokens pair(SplittableRandom r, int goodInChosen, int goodInRejected, Float rc, Float rl) {
    int[] prompt = new int[3 + r.nextInt(3)];
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = 40 + r.nextInt(50);
    }
    return new PreferenceTokens(prompt, response(r, goodInChosen), response(r, goodInRejected), rc, rl);
  }

  static int[] response(SplittableRandom r, int good) {
    int[] x = new int[4];
    for (int i = 0; i < 4; i++) {
      x[i] = i < good ? 10 + r.nextInt(10) : 20 + r.nextInt(10);
    }
    // shuffle positions
    for (int i = 3; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
    return x;
  }

  @Test
  void dpoRaisesHeldOutPreferenceAccuracy(@TempDir Path tmp) {
    SplittableRandom r = new SplittableRandom(3);
    List<PreferenceTokens> train = new ArrayList<>(), held = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      train.add(pair(r, 4, 0, null, null));
    }
    for (int i = 0; i < 40; i++) {
      held.add(pair(r, 4, 0, null, null));
    }
    try (NemotronForCausalLM policy = NemotronForCausalLM.create(Presets.get("nemotron-test"), 2);
        NemotronForCausalLM reference = NemotronForCausalLM.create(Presets.get("nemotron-test"), 2)) {
      for (Parameter p : reference.parameters()) {
        p.value().requiresGrad(false);
      }
      double before = PreferenceEval.evaluate(policy, reference, held, 0.5, 1, 0, false, 8).summary().get("accuracy");
      PreferenceTask task = new PreferenceTask(policy, reference, true, train,
          new PreferenceTask.Settings(PreferenceLoss.Kind.DPO, 0.5, 1, 0, false), 1, 8);
      new Trainer<>("dpo", policy, task, OptimizerConfig.of(2e-3f),
          new Trainer.Config(40, 1, 0, 1, tmp, DType.F32, false)).run();
      double after = PreferenceEval.evaluate(policy, reference, held, 0.5, 1, 0, false, 8).summary().get("accuracy");
      assertThat(before).isEqualTo(0.0); // identical models: no pair is preferred yet
      assertThat(after).isGreaterThan(0.9);
    }
  }

  @Test
  void rpoMakesTheImplicitRewardGapTrackTheRewardGap(@TempDir Path tmp) {
    SplittableRandom r = new SplittableRandom(4);
    List<PreferenceTokens> train = new ArrayList<>();
    for (int i = 0; i < 96; i++) {
      int gc = 1 + r.nextInt(4), gl = r.nextInt(gc); // the reward is the number of good tokens
      train.add(pair(r, gc, gl, (float) gc, (float) gl));
    }
    try (NemotronForCausalLM policy = NemotronForCausalLM.create(Presets.get("nemotron-test"), 5);
        NemotronForCausalLM reference = NemotronForCausalLM.create(Presets.get("nemotron-test"), 5)) {
      for (Parameter p : reference.parameters()) {
        p.value().requiresGrad(false);
      }
      PreferenceTask task = new PreferenceTask(policy, reference, true, train,
          new PreferenceTask.Settings(PreferenceLoss.Kind.RPO_BWD_KL, 0.5, 1.0, 0, false), 1, 16);
      new Trainer<>("rpo", policy, task, OptimizerConfig.of(2e-3f),
          new Trainer.Config(60, 1, 0, 1, tmp, DType.F32, false)).run();
      PreferenceEval.Report rep = PreferenceEval.evaluate(policy, reference, train, 0.5, 1.0, 0, false, 16);
      double[] x = new double[train.size()], y = new double[train.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = rep.pairs().get(i).margin();
        y[i] = rep.pairs().get(i).chosenReward() - rep.pairs().get(i).rejectedReward();
      }
      assertThat(correlation(x, y)).isGreaterThan(0.8);
    }
  }

  static double correlation(double[] x, double[] y) {
    double mx = 0, my = 0;
    for (int i = 0; i < x.length; i++) {
      mx += x[i] / x.length;
      my += y[i] / y.length;
    }
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }
}

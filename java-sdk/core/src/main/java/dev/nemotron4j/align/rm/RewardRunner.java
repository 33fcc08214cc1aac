package dev.nemotron4j.align.rm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.data.ExampleEncoder;
import dev.nemotron4j.data.PreferenceExample;
import dev.nemotron4j.data.PreferenceTokens;
import dev.nemotron4j.data.RewardExample;
import dev.nemotron4j.data.RewardTokens;
import dev.nemotron4j.io.ConfigNode;
import dev.nemotron4j.model.NemotronRewardModel;
import dev.nemotron4j.train.DataSources;
import dev.nemotron4j.train.ModelSpec;
import dev.nemotron4j.train.RunSettings;
import dev.nemotron4j.train.Runs;
import dev.nemotron4j.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code nemotron4j train rm}: the HelpSteer2-style reward model. Config: the shared keys of
 * {@link RunSettings}, {@code model} (a causal LM or reward model folder, or a fresh preset),
 * {@code tokenizer}, {@code data}, {@code mode} ({@code regression} on HelpSteer2 rows, or {@code
 * pairwise} Bradley-Terry on preference rows), {@code attribute_weights} (the scalar reward's
 * weights; default HelpSteer2's), {@code steps} or {@code epochs}, {@code eval_data}.
 */
public final class RewardRunner {
  private RewardRunner() {}

  public static ObjectNode run(Path configFile) {
    Path base = configFile.toAbsolutePath().getParent();
    ConfigNode c = ConfigNode.read(configFile);
    RunSettings rs = RunSettings.parse(c, base, 1e-5f);
    ModelSpec spec = ModelSpec.parse(c.raw("model"), base, c.path());
    Path tokPath = Runs.tokenizerPath(c, base, true);
    String mode = c.str("mode", "regression");
    if (!mode.equals("regression") && !mode.equals("pairwise")) {
      throw new IllegalArgumentException(c.path() + ".mode must be regression or pairwise, got '" + mode + "'");
    }
    float[] weights = NemotronRewardModel.HELPSTEER2_WEIGHTS.clone();
    if (c.has("attribute_weights")) {
      com.fasterxml.jackson.databind.JsonNode w = c.raw("attribute_weights");
      if (!w.isArray() || w.size() != 5) {
        throw new IllegalArgumentException(c.path() + ".attribute_weights must be a list of 5 numbers, got " + w);
      }
      for (int i = 0; i < 5; i++) {
        weights[i] = (float) w.get(i).asDouble();
      }
    }
    ExampleEncoder enc = new ExampleEncoder(Runs.tokenizer(tokPath), rs.length());
    List<RewardTokens> reg = null, regEval = null;
    List<PreferenceTokens> pairs = null, pairEval = null;
    if (mode.equals("regression")) {
      reg = flat(DataSources.read(c.objects("data"), base, DataSources.jsonl(RewardExample::parse), c.path()).map(enc::reward));
      if (c.has("eval_data")) {
        regEval = flat(DataSources.read(c.objects("eval_data"), base, DataSources.jsonl(RewardExample::parse), c.path())
            .map(enc::reward));
      }
    } else {
      pairs = flat(DataSources.read(c.objects("data"), base, DataSources.jsonl(PreferenceExample::parse), c.path())
          .map(enc::preference));
      if (c.has("eval_data")) {
        pairEval = flat(DataSources.read(c.objects("eval_data"), base, DataSources.jsonl(PreferenceExample::parse), c.path())
            .map(enc::preference));
      }
    }
    int n = reg != null ? reg.size() : pairs.size();
    long steps = Runs.steps(c, n, (long) rs.batch() * rs.gradAccum());
    c.finish();
    ObjectNode lengths = Runs.lengthStats("reward data", enc.stats());
    try (NemotronRewardModel m = spec.rewardModel(5)) {
      RewardTask task = reg != null ? RewardTask.regression(m, reg, rs.seed(), rs.batch())
          : RewardTask.pairwise(m, pairs, weights, rs.seed(), rs.batch());
      Trainer.Result r = new Trainer<>("rm", m, task, rs.optimizer(), rs.trainer(steps, rs.out())).run();
      Path fin = Runs.saveFinal(m, rs.out().resolve("final"), tokPath);
      ObjectNode o = Runs.summary("rm", r, fin);
      o.put("mode", mode);
      o.set("data", lengths);
      if (regEval != null) {
        RewardEval.regression(m, regEval, rs.batch()).forEach(o.putObject("eval")::put);
      }
      if (pairEval != null) {
        RewardEval.pairwise(m, pairEval, weights, rs.batch()).forEach(o.putObject("eval")::put);
      }
      return o;
    }
  }

  private static <T> List<T> flat(DataSources<T> d) {
    List<T> out = new ArrayList<>();
    d.sources().forEach(out::addAll);
    return out;
  }
}

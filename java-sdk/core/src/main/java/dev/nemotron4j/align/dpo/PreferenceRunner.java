package dev.nemotron4j.align.dpo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.align.PreferenceLoss;
import dev.nemotron4j.data.ExampleEncoder;
import dev.nemotron4j.data.PreferenceExample;
import dev.nemotron4j.data.PreferenceTokens;
import dev.nemotron4j.io.ConfigNode;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import dev.nemotron4j.train.DataSources;
import dev.nemotron4j.train.ModelSpec;
import dev.nemotron4j.train.RunSettings;
import dev.nemotron4j.train.Runs;
import dev.nemotron4j.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code nemotron4j train dpo} and {@code train rpo}: preference optimization. Config: the shared
 * keys of {@link RunSettings}, {@code model} (the policy's start), {@code tokenizer} (for text
 * rows), {@code data}, {@code loss} (dpo | rpo (= rpo_bwd_kl) | rpo_fwd_kl | rpo_sq | ipo),
 * {@code beta}, {@code eta}, {@code alpha} (SFT term), {@code average_logprobs}, {@code
 * reference} ({@code {"mode": "precompute" | "in_memory"}}), {@code steps} or {@code epochs},
 * {@code eval_data}, and {@code iterations}: a count, or a list of {@code {"data", "steps" |
 * "epochs"}}; each iteration starts from the previous one's result and uses it as reference.
 */
public final class PreferenceRunner {
  private PreferenceRunner() {}

  public static ObjectNode run(Path configFile, String defaultLoss) {
    Path base = configFile.toAbsolutePath().getParent();
    ConfigNode c = ConfigNode.read(configFile);
    RunSettings rs = RunSettings.parse(c, base, 5e-6f);
    ModelSpec spec = ModelSpec.parse(c.raw("model"), base, c.path());
    Path tokPath = Runs.tokenizerPath(c, base, false);
    SentencePieceModel sp = Runs.tokenizer(tokPath);
    PreferenceLoss.Kind kind = PreferenceLoss.Kind.parse(c.str("loss", defaultLoss));
    PreferenceTask.Settings settings = new PreferenceTask.Settings(kind, c.number("beta", 0.1), c.number("eta", 1.0),
        c.number("alpha", 0.0), c.bool("average_logprobs", false));
    ConfigNode ref = c.obj("reference");
    boolean precompute = true;
    if (ref != null) {
      String mode = ref.str("mode", "precompute");
      ref.finish();
      if (!mode.equals("precompute") && !mode.equals("in_memory")) {
        throw new IllegalArgumentException(ref.path() + ".mode must be precompute or in_memory, got '" + mode + "'");
      }
      precompute = mode.equals("precompute");
    }
    ExampleEncoder enc = sp != null ? new ExampleEncoder(sp, rs.length()) : ExampleEncoder.idsOnly(rs.length());
    // iterations: a count over the same data, or a list with their own data
    List<ConfigNode> iterCfg = new ArrayList<>();
    JsonNode iters = c.raw("iterations");
    List<List<PreferenceTokens>> iterData = new ArrayList<>();
    if (iters != null && iters.isArray()) {
      for (int i = 0; i < iters.size(); i++) {
        ConfigNode it = new ConfigNode(iters.get(i), c.path() + ".iterations[" + i + "]");
        iterData.add(flatten(DataSources.read(it.objects("data"), base, DataSources.jsonl(PreferenceExample::parse), it.path())
            .map(enc::preference)));
        iterCfg.add(it);
      }
    } else {
      int n = iters == null ? 1 : iters.asInt(0);
      if (n < 1 || (iters != null && !iters.isIntegralNumber())) {
        throw new IllegalArgumentException(c.path() + ".iterations must be a positive integer or a list, got " + iters);
      }
      List<PreferenceTokens> d = flatten(DataSources.read(c.objects("data"), base,
          DataSources.jsonl(PreferenceExample::parse), c.path()).map(enc::preference));
      for (int i = 0; i < n; i++) {
        iterData.add(d);
        iterCfg.add(c);
      }
    }
    List<PreferenceTokens> eval = c.has("eval_data") ? flatten(DataSources.read(c.objects("eval_data"), base,
        DataSources.jsonl(PreferenceExample::parse), c.path()).map(enc::preference)) : List.of();
    long[] steps = new long[iterCfg.size()];
    for (int i = 0; i < steps.length; i++) {
      ConfigNode it = iterCfg.get(i);
      steps[i] = Runs.steps(it, iterData.get(i).size(), (long) rs.batch() * rs.gradAccum());
      if (it != c) {
        it.finish();
      }
    }
    c.finish();
    ObjectNode lengths = Runs.lengthStats("preference data", enc.stats());
    String algo = kind == PreferenceLoss.Kind.DPO ? "dpo" : kind.name().toLowerCase(java.util.Locale.ROOT);
    ArrayNode results = JsonNodeFactory.instance.arrayNode();
    try (NemotronForCausalLM policy = spec.causalLm()) {
      for (int i = 0; i < steps.length; i++) {
        Path dir = steps.length == 1 ? rs.out() : rs.out().resolve("iteration-" + (i + 1));
        ObjectNode r;
        try (NemotronForCausalLM reference = frozenCopy(policy)) {
          PreferenceTask task = new PreferenceTask(policy, reference, precompute, iterData.get(i), settings, rs.seed() + i,
              rs.batch());
          Trainer.Result tr = new Trainer<>(algo + (steps.length > 1 ? "-" + (i + 1) : ""), policy, task, rs.optimizer(),
              rs.trainer(steps[i], dir)).run();
          r = Runs.summary(algo, tr, dir);
          r.put("iteration", i + 1);
          if (!eval.isEmpty()) {
            PreferenceEval.Report rep = PreferenceEval.evaluate(policy, reference, eval, settings.beta(), settings.eta(),
                settings.alpha(), settings.average(), rs.batch());
            ObjectNode e = r.putObject("eval");
            rep.summary().forEach(e::put);
          }
        }
        results.add(r);
      }
      Path fin = Runs.saveFinal(policy, rs.out().resolve("final"), tokPath);
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("algorithm", algo);
      o.set("iterations", results);
      o.set("data", lengths);
      o.put("model", fin.toString());
      ObjectNode last = (ObjectNode) results.get(results.size() - 1);
      last.fields().forEachRemaining(e -> {
        if (!o.has(e.getKey())) {
          o.set(e.getKey(), e.getValue());
        }
      });
      return o;
    }
  }

  /** A frozen copy of a model (the reference of the next iteration). */
  static NemotronForCausalLM frozenCopy(NemotronForCausalLM m) {
    NemotronForCausalLM copy = new NemotronForCausalLM(m.config());
    for (Map.Entry<String, Parameter> e : copy.namedParameters().entrySet()) {
      dev.nemotron4j.kernels.Kernels.copy(e.getValue().value(), m.namedParameters().get(e.getKey()).value());
      e.getValue().value().requiresGrad(false);
    }
    return copy;
  }

  private static List<PreferenceTokens> flatten(DataSources<PreferenceTokens> d) {
    List<PreferenceTokens> out = new ArrayList<>();
    d.sources().forEach(out::addAll);
    return out;
  }
}

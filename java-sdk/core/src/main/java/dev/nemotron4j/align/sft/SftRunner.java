package dev.nemotron4j.align.sft;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.data.ChatExample;
import dev.nemotron4j.data.ExampleEncoder;
import dev.nemotron4j.data.Sequence;
import dev.nemotron4j.io.ConfigNode;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.train.DataSources;
import dev.nemotron4j.train.ModelSpec;
import dev.nemotron4j.train.OptimizerConfig;
import dev.nemotron4j.train.RunSettings;
import dev.nemotron4j.train.Runs;
import dev.nemotron4j.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code nemotron4j train sft}: staged supervised fine-tuning as the report runs it (code SFT,
 * then general SFT with some of the first stage mixed back in). Config: the shared keys of
 * {@link RunSettings}, {@code model}, {@code tokenizer}, and {@code stages}: a list of {@code
 * {"name", "data": [{"path", "weight"}], "mix": [{"stage": i, "fraction": f}], "epochs" | "steps",
 * "batch", "grad_accum", "optimizer"}}; data rows are {@code {"messages": [...]}} or {@code
 * {"prompt", "response"}}; the loss is on assistant tokens only. Without {@code stages}, the top
 * level's {@code data} is one stage.
 */
public final class SftRunner {
  private SftRunner() {}

  public static ObjectNode run(Path configFile) {
    Path base = configFile.toAbsolutePath().getParent();
    ConfigNode c = ConfigNode.read(configFile);
    RunSettings rs = RunSettings.parse(c, base, 1e-4f);
    ModelSpec spec = ModelSpec.parse(c.raw("model"), base, c.path());
    Path tokPath = Runs.tokenizerPath(c, base, true);
    List<ConfigNode> stages = c.objects("stages");
    boolean single = stages.isEmpty();
    List<ConfigNode> topData = single ? c.objects("data") : List.of();
    if (single) {
      stages = List.of(c);
    }
    ExampleEncoder enc = new ExampleEncoder(Runs.tokenizer(tokPath), rs.length());
    // read every stage's data first, so errors show before any training
    List<DataSources<Sequence>> data = new ArrayList<>();
    List<ConfigNode> stageCfg = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      ConfigNode s = stages.get(i);
      List<ConfigNode> specs = single ? topData : s.objects("data");
      DataSources<ChatExample> chats = DataSources.read(specs, base, DataSources.jsonl(ChatExample::parse), s.path());
      data.add(chats.map(enc::chat));
      stageCfg.add(s);
    }
    ObjectNode lengths = Runs.lengthStats("sft data", enc.stats());
    // every stage's settings, checked before any training
    record Stage(String name, List<List<Sequence>> sources, double[] weights, int batch, int accum, OptimizerConfig opt,
        long steps, Path dir) {}
    List<Stage> plan = new ArrayList<>();
    for (int i = 0; i < stageCfg.size(); i++) {
      ConfigNode s = stageCfg.get(i);
      String name = single ? "sft" : s.str("name", "stage-" + i);
      List<List<Sequence>> sources = new ArrayList<>(data.get(i).sources());
      List<Double> weights = new ArrayList<>();
      double mixed = 0;
      List<ConfigNode> mix = single ? List.of() : s.objects("mix");
      for (ConfigNode mx : mix) {
        int from = (int) mx.integer("stage", -1);
        double f = mx.number("fraction", 0.1);
        mx.finish();
        if (from < 0 || from >= i) {
          throw new IllegalArgumentException(mx.path() + ".stage must name an earlier stage (0.." + (i - 1) + "), got " + from);
        }
        if (!(f > 0 && f < 1)) {
          throw new IllegalArgumentException(mx.path() + ".fraction must be in (0, 1), got " + f);
        }
        mixed += f;
        sources.addAll(data.get(from).sources());
        for (double w : normalized(data.get(from).weights())) {
          weights.add(f * w);
        }
      }
      if (mixed >= 1) {
        throw new IllegalArgumentException(s.path() + ".mix fractions add up to " + mixed + "; they must stay below 1");
      }
      List<Double> own = new ArrayList<>();
      for (double w : normalized(data.get(i).weights())) {
        own.add((1 - mixed) * w);
      }
      own.addAll(weights);
      double[] w = own.stream().mapToDouble(Double::doubleValue).toArray();
      int batch = single ? rs.batch() : s.positiveInt("batch", rs.batch());
      int accum = single ? rs.gradAccum() : s.positiveInt("grad_accum", rs.gradAccum());
      OptimizerConfig opt = single || !s.has("optimizer") ? rs.optimizer()
          : RunSettings.optimizer(s.obj("optimizer"), rs.optimizer().lr());
      long steps = Runs.steps(s, data.get(i).totalSize(), (long) batch * accum);
      if (!single) {
        s.finish();
      }
      plan.add(new Stage(name, sources, w, batch, accum, opt, steps, single ? rs.out() : rs.out().resolve(name)));
    }
    c.finish();
    ArrayNode results = JsonNodeFactory.instance.arrayNode();
    try (NemotronForCausalLM m = spec.causalLm()) {
      for (int i = 0; i < plan.size(); i++) {
        Stage st = plan.get(i);
        Trainer.Config tc = new Trainer.Config(st.steps(), st.accum(), rs.checkpointEvery(), rs.keepCheckpoints(), st.dir(),
            rs.compute(), rs.progress());
        SftTask task = new SftTask(m, st.sources(), st.weights(), rs.seed() + i, st.batch());
        Trainer.Result r = new Trainer<>(st.name(), m, task, st.opt(), tc).run();
        ObjectNode sum = Runs.summary("sft", r, st.dir());
        sum.put("stage", st.name());
        results.add(sum);
      }
      Path fin = Runs.saveFinal(m, rs.out().resolve("final"), tokPath);
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("algorithm", "sft");
      o.set("stages", results);
      o.set("data", lengths);
      o.put("model", fin.toString());
      if (results.size() > 0) {
        o.put("final_loss", results.get(results.size() - 1).get("final_loss").asDouble());
      }
      return o;
    }
  }

  private static double[] normalized(double[] w) {
    double s = 0;
    for (double x : w) {
      s += x;
    }
    double[] o = new double[w.length];
    for (int i = 0; i < w.length; i++) {
      o[i] = w[i] / s;
    }
    return o;
  }
}

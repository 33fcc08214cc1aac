package dev.nemotron4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.data.ExampleEncoder;
import dev.nemotron4j.data.Sequence;
import dev.nemotron4j.data.TextExample;
import dev.nemotron4j.io.ConfigNode;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import java.nio.file.Path;

/**
 * {@code nemotron4j train pretrain}: (continued) pretraining on text. Config keys: the shared ones
 * of {@link RunSettings}, plus {@code model}, {@code tokenizer}, {@code data} (JSONL {"text"} or
 * plain-text files, weighted), {@code seq_len}, {@code steps} (or {@code epochs} over the
 * documents).
 */
public final class Pretraining {
  private Pretraining() {}

  public static ObjectNode run(Path configFile) {
    Path base = configFile.toAbsolutePath().getParent();
    ConfigNode c = ConfigNode.read(configFile);
    RunSettings rs = RunSettings.parse(c, base, 3e-4f);
    ModelSpec spec = ModelSpec.parse(c.raw("model"), base, c.path());
    Path tokPath = Runs.tokenizerPath(c, base, true);
    int t = c.positiveInt("seq_len", 256);
    DataSources<TextExample> text = DataSources.read(c.objects("data"), base, TextExample::read, c.path());
    SentencePieceModel sp = Runs.tokenizer(tokPath);
    ExampleEncoder enc = new ExampleEncoder(sp, rs.length());
    DataSources<Sequence> docs = text.map(enc::text);
    long tokens = 0;
    for (java.util.List<Sequence> s : docs.sources()) {
      for (Sequence q : s) {
        tokens += q.length();
      }
    }
    long steps = Runs.steps(c, (int) Math.min(Integer.MAX_VALUE, tokens / t), (long) rs.batch() * rs.gradAccum());
    c.finish();
    ObjectNode lengths = Runs.lengthStats("pretraining data", enc.stats());
    try (NemotronForCausalLM m = spec.causalLm()) {
      if (m.config().vocabSize() < sp.vocabSize()) {
        throw new IllegalArgumentException("the model's vocabulary (" + m.config().vocabSize()
            + ") is smaller than the tokenizer's (" + sp.vocabSize() + ")");
      }
      PretrainTask task = new PretrainTask(m, docs.sources(), docs.weights(), rs.seed(), t, rs.batch());
      Trainer.Result r = new Trainer<>("pretrain", m, task, rs.optimizer(), rs.trainer(steps, rs.out())).run();
      Path fin = Runs.saveFinal(m, rs.out().resolve("final"), tokPath);
      ObjectNode o = Runs.summary("pretrain", r, fin);
      o.set("data", lengths);
      return o;
    }
  }
}

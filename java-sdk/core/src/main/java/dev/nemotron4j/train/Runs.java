package dev.nemotron4j.train;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.data.LengthPolicy;
import dev.nemotron4j.io.ConfigNode;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.model.NemotronRewardModel;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Helpers shared by the training runs: tokenizer, final model folder, summaries. */
public final class Runs {
  private static final Logger LOG = LoggerFactory.getLogger(Runs.class);

  private Runs() {}

  /** The config's {@code tokenizer} (a SentencePiece .model), or null when absent and optional. */
  public static Path tokenizerPath(ConfigNode c, Path base, boolean required) {
    String t = c.str("tokenizer", null);
    if (t == null) {
      if (required) {
        throw new IllegalArgumentException(c.path() + " has no 'tokenizer' (a SentencePiece .model file); text data needs one");
      }
      return null;
    }
    Path p = base.resolve(t);
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException(c.path() + ".tokenizer: no file at " + p);
    }
    return p;
  }

  public static SentencePieceModel tokenizer(Path p) {
    if (p == null) {
      return null;
    }
    try {
      return SentencePieceModel.load(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer " + p, e);
    }
  }

  /** Saves the trained model (F32) with its tokenizer into {@code dir}. */
  public static Path saveFinal(NemotronForCausalLM m, Path dir, Path tokenizer) {
    m.save(dir, DType.F32);
    copyTokenizer(dir, tokenizer);
    return dir;
  }

  public static Path saveFinal(NemotronRewardModel m, Path dir, Path tokenizer) {
    m.save(dir, DType.F32);
    copyTokenizer(dir, tokenizer);
    return dir;
  }

  private static void copyTokenizer(Path dir, Path tokenizer) {
    if (tokenizer == null) {
      return;
    }
    try {
      Files.copy(tokenizer, dir.resolve("tokenizer.model"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the tokenizer into " + dir, e);
    }
  }

  /** Logs and returns the length-policy counters (how many examples were truncated or rejected). */
  public static ObjectNode lengthStats(String what, LengthPolicy.Stats s) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, Long> e : s.asMap().entrySet()) {
      o.put(e.getKey(), e.getValue());
    }
    if (s.truncated() + s.rejectedTooLong() + s.rejectedEmpty() > 0) {
      LOG.warn("{}: {} example(s) truncated, {} rejected as too long, {} rejected as empty (of {})", what, s.truncated(),
          s.rejectedTooLong(), s.rejectedEmpty(), s.total());
    } else {
      LOG.info("{}: {} example(s)", what, s.total());
    }
    return o;
  }

  /** A run summary: final metrics and where things went. */
  public static ObjectNode summary(String algorithm, Trainer.Result r, Path finalDir) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("algorithm", algorithm);
    o.put("steps", r.steps());
    if (!r.losses().isEmpty()) {
      o.put("first_loss", r.losses().get(0));
      o.put("final_loss", r.losses().get(r.losses().size() - 1));
    }
    r.lastMetrics().forEach(o::put);
    o.put("model", finalDir.toString());
    return o;
  }

  /** Optimizer steps for {@code epochs} over {@code examples} with {@code perStep} examples a step. */
  public static long steps(ConfigNode c, int examples, long perStep) {
    boolean hasSteps = c.has("steps"), hasEpochs = c.has("epochs");
    if (hasSteps && hasEpochs) {
      throw new IllegalArgumentException(c.path() + " sets both 'steps' and 'epochs'; choose one");
    }
    if (hasSteps) {
      long s = c.integer("steps", 1);
      if (s < 1) {
        throw new IllegalArgumentException(c.path() + ".steps must be >= 1, got " + s);
      }
      return s;
    }
    double epochs = c.number("epochs", 1.0);
    if (!(epochs > 0)) {
      throw new IllegalArgumentException(c.path() + ".epochs must be > 0, got " + epochs);
    }
    return Math.max(1, (long) Math.ceil(epochs * examples / perStep));
  }
}

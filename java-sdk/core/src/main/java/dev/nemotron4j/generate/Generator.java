package dev.nemotron4j.generate;

import dev.nemotron4j.model.KvCache;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Generates continuations of a batch of prompts with a KV cache: one prefill of the right-padded
 * prompts, then one decode step per new token for every row.
 */
public final class Generator {
  /** Why a row stopped. */
  public enum Finish {
    LENGTH,
    STOP_ID,
    STOP_STRING
  }

  /** One row's output: new token ids, their text (null without a decoder) and why it ended. */
  public record Result(long[] ids, String text, Finish finish) {}

  private final NemotronForCausalLM model;
  private final Function<long[], String> decoder;

  /** {@code decoder} turns ids into text (for stop strings and results); nullable. */
  public Generator(NemotronForCausalLM model, Function<long[], String> decoder) {
    this.model = model;
    this.decoder = decoder;
  }

  /** A generator on token ids only (results carry no text). */
  public Generator(NemotronForCausalLM model) {
    this(model, (Function<long[], String>) null);
  }

  /** A generator that decodes text with a SentencePiece tokenizer. */
  public Generator(NemotronForCausalLM model, dev.nemotron4j.tokenizer.SentencePieceModel tokenizer) {
    this(model, ids -> {
      int[] i32 = new int[ids.length];
      for (int i = 0; i < ids.length; i++) {
        i32[i] = (int) ids[i];
      }
      return tokenizer.decode(i32);
    });
  }

  /** One prompt (e.g. from a tokenizer or the chat template). */
  public Result generate(int[] prompt, SamplingConfig cfg) {
    long[] p = new long[prompt.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = prompt[i];
    }
    return generate(List.of(p), cfg).get(0);
  }

  /** A batch of prompts of any lengths. */
  public List<Result> generate(List<long[]> prompts, SamplingConfig cfg) {
    if (prompts.isEmpty()) {
      return List.of();
    }
    if (!cfg.stopStrings().isEmpty() && decoder == null) {
      throw new IllegalArgumentException("stop strings need a tokenizer to decode text");
    }
    int b = prompts.size(), v = model.config().vocabSize();
    int maxLen = 0;
    long[] lens = new long[b];
    for (int r = 0; r < b; r++) {
      long[] p = prompts.get(r);
      if (p.length == 0) {
        throw new IllegalArgumentException("prompt " + r + " is empty");
      }
      for (long id : p) {
        if (id < 0 || id >= v) {
          throw new IllegalArgumentException("prompt " + r + " has token id " + id + " outside [0, " + v + ")");
        }
      }
      lens[r] = p.length;
      maxLen = Math.max(maxLen, p.length);
    }
    long[] padded = new long[b * maxLen];
    long[][] history = new long[b][];
    int[] histLen = new int[b];
    for (int r = 0; r < b; r++) {
      System.arraycopy(prompts.get(r), 0, padded, r * maxLen, prompts.get(r).length);
      history[r] = Arrays.copyOf(prompts.get(r), prompts.get(r).length + cfg.maxNewTokens());
      histLen[r] = prompts.get(r).length;
    }
    Sampler[] samplers = new Sampler[b];
    for (int r = 0; r < b; r++) {
      samplers[r] = new Sampler(cfg, r);
    }
    List<List<Long>> out = new ArrayList<>();
    Finish[] finish = new Finish[b];
    String[] cut = new String[b];
    for (int r = 0; r < b; r++) {
      out.add(new ArrayList<>());
    }
    int capacity = maxLen + Math.max(1, cfg.maxNewTokens());
    try (KvCache cache = model.newCache(b, capacity)) {
      float[] logits;
      try (Scope s = Scope.open()) {
        logits = model.prefill(Tensor.ofLongs(padded, b, maxLen), lens, cache).toFloatArray();
      }
      for (int step = 0; step < cfg.maxNewTokens(); step++) {
        long[] next = new long[b];
        boolean anyActive = false;
        for (int r = 0; r < b; r++) {
          if (finish[r] != null) {
            next[r] = history[r][histLen[r] - 1]; // keep feeding something; ignored
            continue;
          }
          int tok = samplers[r].next(logits, r * v, v, history[r], histLen[r]);
          next[r] = tok;
          if (cfg.stopIds().contains((long) tok)) {
            finish[r] = Finish.STOP_ID;
            continue;
          }
          out.get(r).add((long) tok);
          history[r][histLen[r]++] = tok;
          if (!cfg.stopStrings().isEmpty()) {
            String text = decoder.apply(toArray(out.get(r)));
            for (String stop : cfg.stopStrings()) {
              int at = text.indexOf(stop);
              if (at >= 0) {
                finish[r] = Finish.STOP_STRING;
                cut[r] = text.substring(0, at);
                break;
              }
            }
          }
          anyActive |= finish[r] == null;
        }
        if (!anyActive || step == cfg.maxNewTokens() - 1) {
          break;
        }
        try (Scope s = Scope.open()) {
          logits = model.decode(Tensor.ofLongs(next, b), cache).toFloatArray();
        }
      }
    }
    List<Result> results = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      long[] ids = toArray(out.get(r));
      String text = null;
      if (cut[r] != null) {
        text = cut[r];
        ids = trimToText(ids, text);
      } else if (decoder != null) {
        text = decoder.apply(ids);
      }
      results.add(new Result(ids, text, finish[r] == null ? Finish.LENGTH : finish[r]));
    }
    return results;
  }

  /** The shortest prefix of ids whose text still starts with (covers) {@code text}. */
  private long[] trimToText(long[] ids, String text) {
    for (int n = 0; n <= ids.length; n++) {
      long[] p = Arrays.copyOf(ids, n);
      if (decoder.apply(p).length() >= text.length()) {
        return p;
      }
    }
    return ids;
  }

  private static long[] toArray(List<Long> l) {
    long[] a = new long[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }
}

package dev.nemotron4j.sdg.backend;

import java.util.List;

/**
 * How a {@link ChatBackend} samples completions.
 *
 * @param maxTokens the most new tokens per completion (>= 1)
 * @param temperature 0 for greedy decoding, else the softmax temperature (finite, > 0)
 * @param topP nucleus sampling mass in (0, 1] (1: no cut)
 * @param n completions per conversation (>= 1)
 * @param seed makes sampling reproducible (fully for {@link LocalBackend}; a remote endpoint may
 *     only honour it on a best-effort basis)
 * @param stop strings that end a completion (not included in it); none may be empty
 */
public record Sampling(int maxTokens, double temperature, double topP, int n, long seed, List<String> stop) {
  public Sampling {
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and >= 0 (0 = greedy), got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
    if (stop == null) {
      throw new IllegalArgumentException("stop must be a list (empty for none), got null");
    }
    for (int i = 0; i < stop.size(); i++) {
      if (stop.get(i) == null || stop.get(i).isEmpty()) {
        throw new IllegalArgumentException("stop string " + i + " is " + (stop.get(i) == null ? "null" : "empty")
            + ": expected non-empty text");
      }
    }
    stop = List.copyOf(stop);
  }

  /** One greedy completion of up to {@code maxTokens} tokens, no stop strings. */
  public static Sampling greedy(int maxTokens) {
    return new Sampling(maxTokens, 0, 1, 1, 0, List.of());
  }

  /** Whether decoding is greedy ({@code temperature == 0}). */
  public boolean isGreedy() {
    return temperature == 0;
  }
}

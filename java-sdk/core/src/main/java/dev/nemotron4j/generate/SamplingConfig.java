package dev.nemotron4j.generate;

import java.util.List;

/**
 * How to pick tokens. Greedy takes the argmax; otherwise logits are divided by {@code
 * temperature}, cut to the {@code topK} most likely (0: no cut) and to the smallest set whose
 * probability reaches {@code topP} (1: no cut), then sampled with a per-row generator seeded from
 * {@code seed}: the same inputs and seed give the same output. A repetition penalty above 1
 * discourages tokens already in the row (logits > 0 divided by it, < 0 multiplied, as Hugging
 * Face does). Generation of a row ends at {@code maxNewTokens}, at a stop id (not included in
 * the output) or when its text contains a stop string (text and ids cut before it).
 */
public record SamplingConfig(
    int maxNewTokens,
    boolean greedy,
    float temperature,
    int topK,
    float topP,
    float repetitionPenalty,
    long seed,
    List<Long> stopIds,
    List<String> stopStrings) {

  public SamplingConfig {
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
    }
    if (!greedy && !(temperature > 0) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0 (0 = no cut), got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
    if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
      throw new IllegalArgumentException("repetitionPenalty must be finite and > 0, got " + repetitionPenalty);
    }
    stopIds = stopIds == null ? List.of() : List.copyOf(stopIds);
    stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
  }

  /** Greedy decoding of up to {@code maxNewTokens}. */
  public static SamplingConfig greedy(int maxNewTokens) {
    return new SamplingConfig(maxNewTokens, true, 1f, 0, 1f, 1f, 0, List.of(), List.of());
  }

  /** Sampling with temperature, top-k and top-p. */
  public static SamplingConfig sample(int maxNewTokens, float temperature, int topK, float topP, long seed) {
    return new SamplingConfig(maxNewTokens, false, temperature, topK, topP, 1f, seed, List.of(), List.of());
  }

  public SamplingConfig withStops(List<Long> ids, List<String> strings) {
    return new SamplingConfig(maxNewTokens, greedy, temperature, topK, topP, repetitionPenalty, seed, ids, strings);
  }

  public SamplingConfig withRepetitionPenalty(float penalty) {
    return new SamplingConfig(maxNewTokens, greedy, temperature, topK, topP, penalty, seed, stopIds, stopStrings);
  }
}

package dev.nemotron4j.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named model shapes: the published Nemotron-4 family and small ones for tests and toys. */
public final class Presets {
  private static final Map<String, NemotronConfig> PRESETS = new LinkedHashMap<>();

  static {
    // Nemotron-4 340B (technical report, table 1): 96 layers, hidden 18432, 96 heads, 8 KV heads.
    add("nemotron-4-340b", 256000, 18432, 73728, 96, 96, 8, 192, 4096);
    // Nemotron-4 15B: 32 layers, hidden 6144, 48 heads, 8 KV heads.
    add("nemotron-4-15b", 256000, 6144, 24576, 32, 48, 8, 128, 4096);
    // Minitron-4B (pruned and distilled from Nemotron-4 15B).
    add("minitron-4b", 256000, 3072, 9216, 32, 24, 8, 128, 4096);
    // The shape of ../shared/peers/pytorch/config-s.json (about 30M parameters).
    add("config-s", 8192, 512, 2048, 8, 8, 2, 64, 1024);
    // A few million parameters: the toy world and quick experiments.
    add("nemotron-tiny", 2048, 128, 512, 4, 4, 2, 32, 512);
    // The public fixtures' shape (../shared/fixtures/model): tests.
    add("nemotron-test", 97, 64, 256, 2, 4, 2, 16, 256);
  }

  private Presets() {}

  private static void add(
      String name, int vocab, int hidden, int ffn, int layers, int heads, int kvHeads, int headDim, int maxPos) {
    PRESETS.put(
        name,
        new NemotronConfig(
            NemotronConfig.CAUSAL_LM, vocab, hidden, ffn, layers, heads, kvHeads, headDim, maxPos, 10000.0, 0.5, 1e-5,
            2, 3, null, 0.02, 0, "bfloat16"));
  }

  /** All presets by name, in a stable order. */
  public static Map<String, NemotronConfig> all() {
    return Collections.unmodifiableMap(PRESETS);
  }

  public static NemotronConfig get(String name) {
    NemotronConfig c = PRESETS.get(name);
    if (c == null) {
      throw new IllegalArgumentException("unknown preset '" + name + "'; expected one of " + PRESETS.keySet());
    }
    return c;
  }
}

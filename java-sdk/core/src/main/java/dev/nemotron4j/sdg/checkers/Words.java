package dev.nemotron4j.sdg.checkers;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** Parameter pools for sampling instructions. */
final class Words {
  private Words() {}

  /** Everyday English nouns and adjectives, lowercase, for keyword instructions. */
  static final List<String> KEYWORDS = List.of(
      "river", "lantern", "harvest", "engine", "window", "garden", "market", "winter", "silver",
      "bridge", "forest", "compass", "ladder", "bottle", "thunder", "pencil", "island", "village",
      "mirror", "ticket", "blanket", "kettle", "harbor", "meadow", "signal", "anchor", "basket",
      "candle", "castle", "desert", "feather", "glacier", "hammer", "jacket", "kitchen", "library",
      "mountain", "notebook", "orchard", "painter", "pocket", "puzzle", "rocket", "saddle",
      "shadow", "spider", "tunnel", "valley", "wallet", "whistle", "yellow", "budget", "camera",
      "circus", "cotton", "dinner", "doctor", "energy", "factory", "farmer", "festival", "finger",
      "garage", "guitar", "hospital", "journey", "lemon", "magnet", "museum", "ocean", "orange",
      "pepper", "planet", "pillow", "quiet", "rabbit", "recipe", "school", "season", "secret",
      "station", "stone", "summer", "teacher", "theory", "thread", "tiger", "tomato", "traffic",
      "umbrella", "vacation", "violin", "water", "weather", "wheel", "wisdom", "wonder", "yogurt",
      "zebra", "balance", "courage", "history", "language", "memory", "network", "pattern",
      "science", "silence", "storm", "sugar", "travel", "victory", "cloud", "coffee", "detail",
      "evening", "freedom", "habit", "honey", "letter", "method", "morning", "number", "picture",
      "promise", "question", "reason", "result", "sample", "shelter", "spirit", "surface", "voice");

  /** Closing phrases for end_checker. */
  static final List<String> END_PHRASES = List.of(
      "Is there anything else I can help with?",
      "Let me know if you have any other questions.",
      "Thank you for reading.",
      "That is all for now.",
      "Hope this helps!");

  /** {@code n} distinct keywords in random order. */
  static List<String> distinct(RandomGenerator random, int n) {
    List<String> pool = new ArrayList<>(KEYWORDS);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(pool.remove(random.nextInt(pool.size())));
    }
    return out;
  }

  static <T> T pick(RandomGenerator random, List<T> options) {
    return options.get(random.nextInt(options.size()));
  }

  /** "word" for 1, "words" otherwise. */
  static String plural(int n, String word) {
    return n + " " + (n == 1 ? word : word + "s");
  }
}

package dev.nemotron4j.sdg.checkers;

import java.util.random.RandomGenerator;

/** How a count compares with its threshold; the kwarg spellings are IFEval's. */
enum Relation {
  LESS_THAN("less than", "fewer than"),
  AT_LEAST("at least", "at least");

  /** The value in kwargs. */
  final String kwarg;
  /** The words used in descriptions. */
  final String phrase;

  Relation(String kwarg, String phrase) {
    this.kwarg = kwarg;
    this.phrase = phrase;
  }

  boolean holds(int actual, int threshold) {
    return this == LESS_THAN ? actual < threshold : actual >= threshold;
  }

  /** The relation spelled {@code kwarg}, or null when there is none. */
  static Relation of(String kwarg) {
    for (Relation r : values()) {
      if (r.kwarg.equals(kwarg)) {
        return r;
      }
    }
    return null;
  }

  static Relation random(RandomGenerator random) {
    return values()[random.nextInt(2)];
  }
}

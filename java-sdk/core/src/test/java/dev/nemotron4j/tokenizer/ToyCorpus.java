package dev.nemotron4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A deterministic English-like corpus for tests: templated sentences with numbers and punctuation,
 * half of them over a fixed phrase list and half over a lexicon of pseudo-words (syllables with
 * English-like suffixes) drawn with a Zipf-like law, so that the text supports thousands of pieces.
 */
final class ToyCorpus {
  private ToyCorpus() {}

  private static final String[] ONSETS = {
    "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "tr", "ch",
    "sh", "th", "pl", "gr", "br", "cl", "fr",
  };
  private static final String[] VOWELS = {"a", "e", "i", "o", "u", "ea", "ou", "ai", "oo", "y"};
  private static final String[] CODAS = {"", "", "n", "r", "s", "t", "l", "nd", "st", "ng", "ck", "m", "rt"};
  private static final String[] SUFFIXES = {"", "", "", "s", "ed", "ing", "er", "ly", "ness", "ment", "able"};
  private static final String[] FUNCTION_WORDS = {
    "the", "a", "of", "and", "to", "in", "is", "was", "that", "it", "for", "on", "with", "as", "by", "at",
  };
  private static final String[] LEXICON = lexicon(4000);

  private static String[] lexicon(int n) {
    Random r = new Random(20240614L);
    java.util.LinkedHashSet<String> words = new java.util.LinkedHashSet<>();
    while (words.size() < n) {
      StringBuilder w = new StringBuilder();
      int syllables = 1 + r.nextInt(3);
      for (int i = 0; i < syllables; i++) {
        w.append(ONSETS[r.nextInt(ONSETS.length)]).append(VOWELS[r.nextInt(VOWELS.length)])
            .append(CODAS[r.nextInt(CODAS.length)]);
      }
      w.append(SUFFIXES[r.nextInt(SUFFIXES.length)]);
      if (w.length() > 1) {
        words.add(w.toString());
      }
    }
    return words.toArray(new String[0]);
  }

  /** A lexicon word, rank r with probability about 1/r. */
  private static String word(Random r) {
    int rank = (int) Math.pow(LEXICON.length + 1, r.nextDouble()) - 1;
    return LEXICON[Math.min(rank, LEXICON.length - 1)];
  }

  private static String pseudoSentence(Random r) {
    StringBuilder sb = new StringBuilder(capitalize(word(r)));
    int n = 4 + r.nextInt(12);
    for (int i = 0; i < n; i++) {
      sb.append(' ');
      int k = r.nextInt(20);
      if (k < 7) {
        sb.append(FUNCTION_WORDS[r.nextInt(FUNCTION_WORDS.length)]);
      } else if (k == 7) {
        sb.append(r.nextInt(2000));
      } else {
        sb.append(word(r));
      }
      if (r.nextInt(12) == 0) {
        sb.append(r.nextBoolean() ? "," : ";");
      }
    }
    sb.append(switch (r.nextInt(6)) {
      case 0 -> "?";
      case 1 -> "!";
      default -> ".";
    });
    return sb.toString();
  }

  private static final String[] SUBJECTS = {
    "the cat", "a dog", "the old man", "my sister", "our team", "the teacher", "a small bird", "the farmer",
    "his brother", "the committee", "every student", "the young engineer", "a tired traveler", "the manager",
    "her grandmother", "the doctor", "a curious child", "the baker", "our neighbor", "the pilot",
  };
  private static final String[] VERBS = {
    "found", "bought", "painted", "carried", "repaired", "counted", "described", "remembered", "ordered",
    "delivered", "collected", "measured", "discovered", "borrowed", "cleaned", "watched", "followed", "built",
  };
  private static final String[] OBJECTS = {
    "a red bicycle", "the wooden table", "three apples", "an important letter", "the broken window",
    "a heavy box", "the blue umbrella", "some fresh bread", "the long report", "a strange machine",
    "the garden fence", "a silver coin", "the train tickets", "an old photograph", "the kitchen door",
  };
  private static final String[] PLACES = {
    "in the morning", "near the river", "after dinner", "at the station", "before the storm", "in the city",
    "on Monday", "during the summer", "behind the school", "at the market",
  };
  private static final String[] NAMES = {"Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry"};

  private static String pick(Random r, String[] a) {
    return a[r.nextInt(a.length)];
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** One sentence. */
  static String sentence(Random r) {
    if (r.nextBoolean()) {
      return pseudoSentence(r);
    }
    String s = pick(r, SUBJECTS);
    String v = pick(r, VERBS);
    String o = pick(r, OBJECTS);
    String p = pick(r, PLACES);
    int a = r.nextInt(100);
    int b = r.nextInt(1000);
    return switch (r.nextInt(8)) {
      case 0 -> capitalize(s) + " " + v + " " + o + " " + p + ".";
      case 1 -> "In " + (1900 + r.nextInt(125)) + ", " + s + " " + v + " " + a + " items, and " + pick(r, NAMES)
          + " " + pick(r, VERBS) + " " + b + " more!";
      case 2 -> "Why did " + s + " say that " + pick(r, NAMES) + " " + v + " " + o + "? Nobody knows.";
      case 3 -> "\"" + capitalize(o) + "\", said " + pick(r, NAMES) + ": " + a + " + " + b + " = " + (a + b) + ".";
      case 4 -> "It costs $" + b + "." + String.format("%02d", a) + " (about " + a + "% of the price), "
          + s + " said.";
      case 5 -> capitalize(p) + ", " + s + " " + v + " " + o + "; then " + pick(r, SUBJECTS) + " "
          + pick(r, VERBS) + " it too.";
      case 6 -> pick(r, NAMES) + "'s friend didn't know where " + o + " was, so " + s + " " + v + " it.";
      default -> "Question " + (a + 1) + ": how many times has " + s + " " + v + " " + o + "? Answer: " + b + ".";
    };
  }

  /** {@code n} sentences from seed {@code seed}. */
  static List<String> sentences(long seed, int n) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(sentence(r));
    }
    return out;
  }

  /** Sentences from seed {@code seed} until they hold at least {@code bytes} characters. */
  static List<String> ofSize(long seed, long bytes) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    long total = 0;
    while (total < bytes) {
      String s = sentence(r);
      out.add(s);
      total += s.length() + 1;
    }
    return out;
  }
}

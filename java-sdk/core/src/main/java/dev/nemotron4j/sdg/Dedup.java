package dev.nemotron4j.sdg;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Exact and near-duplicate removal: exact on normalized text (case, whitespace, punctuation
 * folded), near on MinHash signatures of word 3-shingles with a Jaccard threshold (banded
 * locality-sensitive hashing, so the cost stays linear).
 */
public final class Dedup {
  private static final int HASHES = 64;
  private static final int BANDS = 16;

  private Dedup() {}

  /** The items whose text is not a duplicate of an earlier item's (the first occurrence is kept). */
  public static <T> List<T> filter(List<T> items, Function<T, String> text, double jaccard) {
    if (!(jaccard > 0 && jaccard <= 1)) {
      throw new IllegalArgumentException("jaccard threshold must be in (0, 1], got " + jaccard);
    }
    Set<String> exact = new HashSet<>();
    List<Set<Long>> keptShingles = new ArrayList<>();
    List<T> out = new ArrayList<>();
    java.util.Map<Long, List<Integer>> bandIndex = new java.util.HashMap<>();
    for (T item : items) {
      String norm = normalize(text.apply(item));
      if (!exact.add(norm)) {
        continue;
      }
      Set<Long> sh = shingles(norm);
      long[] sig = minhash(sh);
      boolean dup = false;
      Set<Integer> candidates = new HashSet<>();
      for (int b = 0; b < BANDS; b++) {
        List<Integer> c = bandIndex.get(bandKey(sig, b));
        if (c != null) {
          candidates.addAll(c);
        }
      }
      for (int c : candidates) {
        if (jaccard(sh, keptShingles.get(c)) >= jaccard) {
          dup = true;
          break;
        }
      }
      if (dup) {
        continue;
      }
      int idx = keptShingles.size();
      keptShingles.add(sh);
      for (int b = 0; b < BANDS; b++) {
        bandIndex.computeIfAbsent(bandKey(sig, b), k -> new ArrayList<>()).add(idx);
      }
      out.add(item);
    }
    return out;
  }

  /**
   * Decontamination: whether {@code text} contains any of {@code protectedTexts} (for example the
   * questions of an evaluation set), compared after normalization (case, punctuation, spaces).
   */
  public static boolean contaminated(String text, java.util.Collection<String> protectedTexts) {
    String t = " " + normalize(text) + " ";
    for (String p : protectedTexts) {
      String n = normalize(p);
      if (!n.isEmpty() && t.contains(" " + n + " ")) {
        return true;
      }
    }
    return false;
  }

  static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("[\\p{Punct}]", " ").replaceAll("\\s+", " ").strip();
  }

  static Set<Long> shingles(String norm) {
    String[] w = norm.isEmpty() ? new String[0] : norm.split(" ");
    Set<Long> out = new HashSet<>();
    if (w.length < 3) {
      out.add(hash(norm));
      return out;
    }
    for (int i = 0; i + 3 <= w.length; i++) {
      out.add(hash(w[i] + " " + w[i + 1] + " " + w[i + 2]));
    }
    return out;
  }

  static double jaccard(Set<Long> a, Set<Long> b) {
    int inter = 0;
    for (long x : a) {
      if (b.contains(x)) {
        inter++;
      }
    }
    int union = a.size() + b.size() - inter;
    return union == 0 ? 1 : (double) inter / union;
  }

  private static long[] minhash(Set<Long> sh) {
    long[] sig = new long[HASHES];
    java.util.Arrays.fill(sig, Long.MAX_VALUE);
    for (long x : sh) {
      for (int i = 0; i < HASHES; i++) {
        long h = mix(x ^ (0x9e3779b97f4a7c15L * (i + 1)));
        if (Long.compareUnsigned(h, sig[i]) < 0) {
          sig[i] = h;
        }
      }
    }
    return sig;
  }

  private static long bandKey(long[] sig, int band) {
    int r = HASHES / BANDS;
    long h = band;
    for (int i = band * r; i < (band + 1) * r; i++) {
      h = mix(h * 31 + sig[i]);
    }
    return h;
  }

  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}

package dev.nemotron4j.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Batches without packing, for SFT, preference and reward-model training: each sequence is a row,
 * padded on the right with id 0 to the longest sequence or to a fixed length. {@code targets[r, i]}
 * is the row's token {@code i + 1} when {@link Sequence#targetMask()} marks it, else
 * {@link Packer#IGNORE} (so also at padding and at the last real token).
 */
public final class Batcher {
  private Batcher() {}

  /** Pads {@code seqs} to the longest one. */
  public static PaddedBatch pad(List<Sequence> seqs) {
    Objects.requireNonNull(seqs, "seqs");
    int longest = 0;
    for (Sequence s : seqs) {
      longest = Math.max(longest, Objects.requireNonNull(s, "sequence").length());
    }
    if (longest == 0) {
      throw new IllegalArgumentException(seqs.isEmpty() ? "no sequences to batch: expected at least one"
          : "all " + seqs.size() + " sequences are empty: expected at least one token");
    }
    return pad(seqs, longest);
  }

  /** Pads {@code seqs} to {@code t} tokens; every sequence must fit. */
  public static PaddedBatch pad(List<Sequence> seqs, int t) {
    Objects.requireNonNull(seqs, "seqs");
    if (seqs.isEmpty()) {
      throw new IllegalArgumentException("no sequences to batch: expected at least one");
    }
    if (t < 1) {
      throw new IllegalArgumentException("row length is " + t + ", expected at least 1 token");
    }
    int rows = seqs.size();
    long n = (long) rows * t;
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(rows + " rows of " + t + " tokens is too large for one batch");
    }
    long[] ids = new long[(int) n];
    long[] targets = new long[(int) n];
    int[] lengths = new int[rows];
    Arrays.fill(targets, Packer.IGNORE);
    for (int r = 0; r < rows; r++) {
      Sequence s = Objects.requireNonNull(seqs.get(r), "sequence");
      int len = s.length();
      if (len > t) {
        throw new IllegalArgumentException("sequence " + r + " has " + len + " tokens, expected at most " + t);
      }
      lengths[r] = len;
      int[] sIds = s.ids();
      int[] mask = s.targetMask();
      int base = r * t;
      for (int i = 0; i < len; i++) {
        ids[base + i] = sIds[i];
        if (i + 1 < len && mask[i + 1] == 1) {
          targets[base + i] = sIds[i + 1];
        }
      }
    }
    return new PaddedBatch(rows, t, ids, lengths, targets);
  }
}

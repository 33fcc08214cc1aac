package dev.nemotron4j.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tokenized training sequence. {@code targetMask[t]} is 1 when token {@code t} is a training
 * target, i.e. the loss at position {@code t - 1} predicts it, and 0 otherwise; so
 * {@code targetMask[0]} is never useful. (This is {@link dev.nemotron4j.tokenizer.ChatTemplate}'s
 * loss-mask convention.) The arrays are not copied: treat them as immutable.
 */
public record Sequence(int[] ids, int[] targetMask) {
  public Sequence {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(targetMask, "targetMask");
    if (ids.length != targetMask.length) {
      throw new IllegalArgumentException("ids has " + ids.length + " tokens but targetMask has "
          + targetMask.length + " entries: expected one per token");
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0) {
        throw new IllegalArgumentException("ids[" + i + "] is " + ids[i] + ", expected a token id >= 0");
      }
      if (targetMask[i] != 0 && targetMask[i] != 1) {
        throw new IllegalArgumentException("targetMask[" + i + "] is " + targetMask[i] + ", expected 0 or 1");
      }
    }
  }

  /** A pretraining document: every token but the first is a target. */
  public static Sequence document(int[] ids) {
    int[] mask = new int[ids.length];
    Arrays.fill(mask, 1);
    if (mask.length > 0) {
      mask[0] = 0;
    }
    return new Sequence(ids, mask);
  }

  /** The number of tokens. */
  public int length() {
    return ids.length;
  }

  /** The number of target tokens. */
  public int targetCount() {
    int n = 0;
    for (int m : targetMask) {
      n += m;
    }
    return n;
  }

  /** The first {@code n} tokens (this sequence when it has no more). */
  public Sequence truncate(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("cannot truncate to " + n + " tokens: expected a length >= 0");
    }
    return n >= ids.length ? this : new Sequence(Arrays.copyOf(ids, n), Arrays.copyOf(targetMask, n));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sequence s && Arrays.equals(ids, s.ids) && Arrays.equals(targetMask, s.targetMask);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(ids) + Arrays.hashCode(targetMask);
  }

  @Override
  public String toString() {
    return "Sequence[ids=" + Arrays.toString(ids) + ", targetMask=" + Arrays.toString(targetMask) + "]";
  }
}

package dev.nemotron4j.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tokenized reward-model example: the ids of the whole conversation (the prompt, then the
 * response as the assistant's reply, through the chat template, ending with the stop marker) and
 * the attribute scores ({@link RewardExample#ATTRIBUTES}). The reward head reads the last token.
 * The arrays are not copied.
 */
public record RewardTokens(int[] ids, float[] attributes) {
  public RewardTokens {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(attributes, "attributes");
  }

  /** The ids as a sequence with no targets (for {@link Batcher}). */
  public Sequence sequence() {
    return new Sequence(ids, new int[ids.length]);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RewardTokens x && Arrays.equals(ids, x.ids) && Arrays.equals(attributes, x.attributes);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(ids) + Arrays.hashCode(attributes);
  }

  @Override
  public String toString() {
    return "RewardTokens[ids=" + Arrays.toString(ids) + ", attributes=" + Arrays.toString(attributes) + "]";
  }
}

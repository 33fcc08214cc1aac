package dev.nemotron4j.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tokenized preference pair: the prompt's ids (for a chat prompt, ending with the
 * {@code <extra_id_1>Assistant\n} header) and, for each response, the ids the model must produce
 * (the reply, {@code "\n"} and the stop marker), so that {@code promptIds ++ chosenIds} is the
 * whole conversation with the chosen reply. Rewards are both null or both finite. The arrays are
 * not copied.
 */
public record PreferenceTokens(int[] promptIds, int[] chosenIds, int[] rejectedIds, Float chosenReward,
    Float rejectedReward) {
  public PreferenceTokens {
    Objects.requireNonNull(promptIds, "promptIds");
    Objects.requireNonNull(chosenIds, "chosenIds");
    Objects.requireNonNull(rejectedIds, "rejectedIds");
    if ((chosenReward == null) != (rejectedReward == null)) {
      throw new IllegalArgumentException("chosen reward " + chosenReward + " and rejected reward "
          + rejectedReward + ": expected both or neither");
    }
  }

  /** The prompt and the chosen response, with the response's tokens as the targets. */
  public Sequence chosen() {
    return join(promptIds, chosenIds);
  }

  /** The prompt and the rejected response, with the response's tokens as the targets. */
  public Sequence rejected() {
    return join(promptIds, rejectedIds);
  }

  /** The longer of the two sequences' lengths. */
  public int maxLength() {
    return promptIds.length + Math.max(chosenIds.length, rejectedIds.length);
  }

  static Sequence join(int[] prompt, int[] response) {
    int[] ids = Arrays.copyOf(prompt, prompt.length + response.length);
    System.arraycopy(response, 0, ids, prompt.length, response.length);
    int[] mask = new int[ids.length];
    Arrays.fill(mask, prompt.length, ids.length, 1);
    return new Sequence(ids, mask);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PreferenceTokens x && Arrays.equals(promptIds, x.promptIds)
        && Arrays.equals(chosenIds, x.chosenIds) && Arrays.equals(rejectedIds, x.rejectedIds)
        && Objects.equals(chosenReward, x.chosenReward) && Objects.equals(rejectedReward, x.rejectedReward);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(promptIds), Arrays.hashCode(chosenIds), Arrays.hashCode(rejectedIds),
        chosenReward, rejectedReward);
  }

  @Override
  public String toString() {
    return "PreferenceTokens[promptIds=" + Arrays.toString(promptIds) + ", chosenIds=" + Arrays.toString(chosenIds)
        + ", rejectedIds=" + Arrays.toString(rejectedIds) + ", chosenReward=" + chosenReward
        + ", rejectedReward=" + rejectedReward + "]";
  }
}

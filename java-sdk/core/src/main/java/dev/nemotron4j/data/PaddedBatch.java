package dev.nemotron4j.data;

import java.util.Objects;

/**
 * Sequences padded on the right to a common length {@code t} (see {@link Batcher}); {@code ids} and
 * {@code targets} have {@code rows * t} entries, row-major.
 *
 * @param ids token ids; padding is 0
 * @param lengths each row's length before padding (its last real token is at {@code lengths[r] - 1})
 * @param targets the id the loss at each position must predict, or {@link Packer#IGNORE} (-100)
 *     where the next token is not a target, at padding and at each row's last token
 */
public record PaddedBatch(int rows, int t, long[] ids, int[] lengths, long[] targets) {
  public PaddedBatch {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(lengths, "lengths");
    Objects.requireNonNull(targets, "targets");
    long n = (long) rows * t;
    if (rows < 0 || t < 1 || ids.length != n || targets.length != n || lengths.length != rows) {
      throw new IllegalArgumentException("a padded batch of " + rows + " rows of " + t + " tokens needs ids and"
          + " targets of " + n + " entries and " + rows + " lengths, got " + ids.length + ", " + targets.length
          + " and " + lengths.length);
    }
  }
}

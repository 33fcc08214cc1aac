package dev.nemotron4j.data;

import java.util.Objects;

/**
 * Rows of exactly {@code t} packed tokens (see {@link Packer}); every array has {@code rows * t}
 * entries, row-major.
 *
 * @param ids token ids; padding is 0
 * @param targets the id the loss at each position must predict, or {@link Packer#IGNORE} (-100)
 * @param positions the position of each token within its document (restarting at 0 at each
 *     document start and at the start of a continuation); 0 for padding
 * @param segStarts for each token, the index within its row of the first token of its document
 *     segment; a padding token's own index. Attention at {@code i} may see {@code j} exactly when
 *     {@code segStarts[i] <= j <= i}
 */
public record PackedBatch(int rows, int t, long[] ids, long[] targets, long[] positions, long[] segStarts) {
  public PackedBatch {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(targets, "targets");
    Objects.requireNonNull(positions, "positions");
    Objects.requireNonNull(segStarts, "segStarts");
    long n = (long) rows * t;
    if (rows < 0 || t < 1 || ids.length != n || targets.length != n || positions.length != n || segStarts.length != n) {
      throw new IllegalArgumentException("a packed batch of " + rows + " rows of " + t + " tokens needs arrays of "
          + n + " entries, got ids " + ids.length + ", targets " + targets.length + ", positions "
          + positions.length + ", segStarts " + segStarts.length);
    }
  }

  /** The number of positions with a target. */
  public long targetCount() {
    long c = 0;
    for (long x : targets) {
      if (x != Packer.IGNORE) {
        c++;
      }
    }
    return c;
  }
}

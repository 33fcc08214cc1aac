package dev.nemotron4j.data;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;

/**
 * Sequence packing for pretraining: documents are laid end to end and cut into rows of exactly
 * {@code t} tokens, so no row holds padding except the last one {@link #flush} returns.
 *
 * <ul>
 *   <li>{@code targets[i]} is the next token of {@code i}'s document when that token is a target
 *       ({@link Sequence#targetMask()}), else {@link #IGNORE}: targets never cross documents.
 *   <li>{@code positions} restart at 0 at each document start.
 *   <li>{@code segStarts[i]} is the index within the row of the first token of {@code i}'s
 *       document (its part in this row), for a block-diagonal causal attention mask.
 *   <li>A document that does not fit in the rest of a row continues in the next row: the
 *       continuation starts at index 0 of that row with position 0 and its own segment (it cannot
 *       attend to the part in the previous row). The last token of the row before the cut still
 *       has the document's next token (the continuation's first) as its target, so no target is lost.
 *   <li>Padding (only at the end of the tail row) is id 0 with target {@link #IGNORE}, position 0,
 *       and {@code segStarts} its own index, so a pad token attends only to itself.
 * </ul>
 *
 * Empty documents are skipped. Packing is deterministic: it depends only on the documents and
 * their order. Not thread-safe.
 */
public final class Packer {
  /** The target of a position without a loss (PyTorch's {@code ignore_index}). */
  public static final long IGNORE = -100;

  private final int t;
  private final ArrayDeque<Sequence> docs = new ArrayDeque<>();
  private int offset; // tokens of docs.peekFirst() already packed
  private long pending;

  /** A packer of rows of {@code t} tokens. */
  public Packer(int t) {
    if (t < 1) {
      throw new IllegalArgumentException("row length is " + t + ", expected at least 1 token");
    }
    this.t = t;
  }

  /** The row length. */
  public int t() {
    return t;
  }

  /** Appends a document. */
  public void add(Sequence doc) {
    Objects.requireNonNull(doc, "doc");
    if (doc.length() > 0) {
      docs.addLast(doc);
      pending += doc.length();
    }
  }

  /** Tokens added and not yet packed. */
  public long pendingTokens() {
    return pending;
  }

  /** The number of full rows the pending tokens make. */
  public int fullRows() {
    return (int) Math.min(Integer.MAX_VALUE, pending / t);
  }

  /** The next {@code rows} full rows; needs {@code rows <= fullRows()}. */
  public PackedBatch take(int rows) {
    if (rows < 0 || rows > fullRows()) {
      throw new IllegalArgumentException("cannot take " + rows + " rows: " + fullRows()
          + " full rows are pending (" + pending + " tokens, rows of " + t + ")");
    }
    return build(rows);
  }

  /** All pending tokens as rows, the last one padded; a batch of 0 rows when nothing is pending. */
  public PackedBatch flush() {
    long rows = (pending + t - 1) / t;
    if (rows > Integer.MAX_VALUE) {
      throw new IllegalStateException(pending + " pending tokens make more than " + Integer.MAX_VALUE + " rows");
    }
    return build((int) rows);
  }

  /** Packs {@code docs} into rows of {@code t} tokens, the last one padded. */
  public static PackedBatch pack(List<Sequence> docs, int t) {
    Packer p = new Packer(t);
    for (Sequence d : docs) {
      p.add(d);
    }
    return p.flush();
  }

  private PackedBatch build(int rows) {
    long n = (long) rows * t;
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(rows + " rows of " + t + " tokens is too large for one batch");
    }
    long[] ids = new long[(int) n];
    long[] targets = new long[(int) n];
    long[] positions = new long[(int) n];
    long[] segStarts = new long[(int) n];
    for (int r = 0; r < rows; r++) {
      int base = r * t;
      int pos = 0;
      while (pos < t && !docs.isEmpty()) {
        Sequence doc = docs.peekFirst();
        int[] dIds = doc.ids();
        int[] mask = doc.targetMask();
        int len = Math.min(t - pos, dIds.length - offset);
        for (int k = 0; k < len; k++) {
          int i = offset + k;
          int at = base + pos + k;
          ids[at] = dIds[i];
          targets[at] = i + 1 < dIds.length && mask[i + 1] == 1 ? dIds[i + 1] : IGNORE;
          positions[at] = k;
          segStarts[at] = pos;
        }
        offset += len;
        pos += len;
        pending -= len;
        if (offset == dIds.length) {
          docs.pollFirst();
          offset = 0;
        }
      }
      for (; pos < t; pos++) {
        int at = base + pos;
        targets[at] = IGNORE;
        segStarts[at] = pos;
      }
    }
    return new PackedBatch(rows, t, ids, targets, positions, segStarts);
  }

  @Override
  public String toString() {
    return "Packer[t=" + t + ", pendingTokens=" + pending + ", documents=" + docs.size() + "]";
  }
}

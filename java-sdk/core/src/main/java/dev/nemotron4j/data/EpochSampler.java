package dev.nemotron4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.PrimitiveIterator;
import java.util.SplittableRandom;

/**
 * An endless stream of indices into a data set of {@code size} examples: epoch after epoch, each
 * epoch a permutation of {@code 0 .. size-1} that depends only on {@code seed} and the epoch
 * number. The position is a {@link Cursor} {@code (epoch, index)}; saving it and restoring it
 * (here or in a new sampler with the same size and seed) continues the stream exactly. Not
 * thread-safe.
 */
public final class EpochSampler implements PrimitiveIterator.OfInt {
  /**
   * A position: the next index returned is the {@code index}-th of epoch {@code epoch}'s
   * permutation. The end of an epoch is written as the start of the next.
   */
  public record Cursor(long epoch, int index) {
    public Cursor {
      if (epoch < 0 || index < 0) {
        throw new IllegalArgumentException("cursor (epoch " + epoch + ", index " + index
            + "): expected both >= 0");
      }
    }

    /** The start of the stream. */
    public static Cursor start() {
      return new Cursor(0, 0);
    }

    /** {@code {"epoch": ..., "index": ...}}. */
    public ObjectNode toJson() {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      o.put("epoch", epoch);
      o.put("index", index);
      return o;
    }

    /** A cursor from {@link #toJson()}'s form. */
    public static Cursor fromJson(JsonNode json) {
      Objects.requireNonNull(json, "json");
      if (!json.isObject()) {
        throw new IllegalArgumentException("sampler cursor is " + Fields.describe(json)
            + ", expected an object {\"epoch\", \"index\"}");
      }
      return new Cursor(longField(json, "epoch", Long.MAX_VALUE), (int) longField(json, "index", Integer.MAX_VALUE));
    }

    private static long longField(JsonNode json, String field, long max) {
      JsonNode n = json.get(field);
      if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0 || n.longValue() > max) {
        throw new IllegalArgumentException("sampler cursor field \"" + field + "\" is "
            + (n == null ? "missing" : Fields.describe(n)) + ", expected an integer from 0 to " + max);
      }
      return n.longValue();
    }
  }

  private final int size;
  private final long seed;
  private long epoch;
  private int index;
  private int[] perm;
  private long permEpoch = -1;

  /** A sampler over {@code size >= 1} examples, at the start. */
  public EpochSampler(int size, long seed) {
    if (size < 1) {
      throw new IllegalArgumentException("data set size is " + size + ", expected at least 1 example");
    }
    this.size = size;
    this.seed = seed;
  }

  /** A sampler over {@code size} examples, at {@code cursor}. */
  public EpochSampler(int size, long seed, Cursor cursor) {
    this(size, seed);
    restore(cursor);
  }

  public int size() {
    return size;
  }

  public long seed() {
    return seed;
  }

  /** The next {@code n} batches of {@code batch} indices each, in stream order. */
  public List<List<Integer>> batches(int n, int batch) {
    List<List<Integer>> out = new ArrayList<>(n);
    for (int m = 0; m < n; m++) {
      List<Integer> b = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        b.add(nextInt());
      }
      out.add(b);
    }
    return out;
  }

  /** The current position. */
  public Cursor cursor() {
    return new Cursor(epoch, index);
  }

  /** The number of indices returned since the start of the stream. */
  public long consumed() {
    return epoch * size + index;
  }

  /** Moves to {@code cursor}; its index must be at most the size (the size itself means the next epoch's start). */
  public void restore(Cursor cursor) {
    Objects.requireNonNull(cursor, "cursor");
    if (cursor.index() > size) {
      throw new IllegalArgumentException("cursor index " + cursor.index() + " is beyond the data set of "
          + size + " examples: expected 0 to " + size + " (was it saved with another data set?)");
    }
    epoch = cursor.epoch();
    index = cursor.index();
    if (index == size) {
      epoch++;
      index = 0;
    }
  }

  /** Epoch {@code epoch}'s order (a fresh array). */
  public int[] permutation(long epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch " + epoch + ", expected >= 0");
    }
    return epoch == permEpoch ? perm.clone() : shuffle(epoch);
  }

  private int[] shuffle(long e) {
    int[] p = new int[size];
    for (int i = 0; i < size; i++) {
      p[i] = i;
    }
    SplittableRandom rng = new SplittableRandom(mix(seed, e));
    for (int i = size - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p;
  }

  /** A well-mixed 64-bit seed from two numbers (SplitMix64's finalizer over a combination). */
  static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + (b + 1) * 0xC2B2AE3D27D4EB4FL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Always true: the stream is endless. */
  @Override
  public boolean hasNext() {
    return true;
  }

  @Override
  public int nextInt() {
    if (permEpoch != epoch) {
      perm = shuffle(epoch);
      permEpoch = epoch;
    }
    if (epoch == Long.MAX_VALUE && index == size - 1) {
      throw new NoSuchElementException("the sampler ran through " + Long.MAX_VALUE + " epochs");
    }
    int out = perm[index++];
    if (index == size) {
      epoch++;
      index = 0;
    }
    return out;
  }

  /** The next {@code n} indices. */
  public int[] next(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("cannot take " + n + " indices: expected n >= 0");
    }
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = nextInt();
    }
    return out;
  }

  @Override
  public String toString() {
    return "EpochSampler[size=" + size + ", seed=" + seed + ", epoch=" + epoch + ", index=" + index + "]";
  }
}

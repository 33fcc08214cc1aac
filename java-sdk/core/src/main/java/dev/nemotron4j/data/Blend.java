package dev.nemotron4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * A weighted mixture of several sources, e.g. staged SFT that mixes a fraction of stage 1's data
 * back into stage 2: an endless, deterministic stream in which source {@code i} has the share
 * {@code weights[i] / sum(weights)}.
 *
 * <p>The source of each step is chosen by smooth weighted round-robin: step {@code n} (from 0)
 * takes the source whose count lags its share most, i.e. the largest {@code (n + 1) * share[i] -
 * taken[i]} (the lowest index on ties). After any {@code n} steps every source has been taken
 * within one of {@code n * share[i]} times, so the mixture holds in every window, not just on
 * average. Within a source the examples come in the order of its own {@link EpochSampler}, seeded
 * from {@code seed} and the source's index: shuffled, each epoch a new permutation. A source with
 * weight 0 is never taken.
 *
 * <p>The state is the sources' cursors ({@link Cursor}); restoring it continues the stream exactly.
 * Not thread-safe.
 */
public final class Blend<T> implements Iterator<T> {
  /** Where an element came from: source {@code source}, element {@code index} of it. */
  public record Pick(int source, int index) {}

  /** The position of a blend: the cursor of each source's sampler. */
  public record Cursor(List<EpochSampler.Cursor> sources) {
    public Cursor {
      sources = List.copyOf(Objects.requireNonNull(sources, "sources"));
    }

    /** {@code {"sources": [{"epoch": ..., "index": ...}, ...]}}. */
    public ObjectNode toJson() {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      ArrayNode a = o.putArray("sources");
      for (EpochSampler.Cursor c : sources) {
        a.add(c.toJson());
      }
      return o;
    }

    /** A cursor from {@link #toJson()}'s form. */
    public static Cursor fromJson(JsonNode json) {
      Objects.requireNonNull(json, "json");
      JsonNode a = json.isObject() ? json.get("sources") : null;
      if (a == null || !a.isArray()) {
        throw new IllegalArgumentException("blend cursor is " + Fields.describe(json)
            + (json.isObject() ? " without a \"sources\" list" : "")
            + ", expected {\"sources\": [{\"epoch\", \"index\"}, ...]}");
      }
      List<EpochSampler.Cursor> out = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        try {
          out.add(EpochSampler.Cursor.fromJson(a.get(i)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("blend cursor source " + i + ": " + e.getMessage(), e);
        }
      }
      return new Cursor(out);
    }
  }

  private final List<List<? extends T>> sources;
  private final double[] share;
  private final EpochSampler[] samplers;

  /**
   * A blend of {@code sources} with {@code weights} (finite, >= 0, positive sum; a source with a
   * positive weight must not be empty), at the start.
   */
  public Blend(List<? extends List<? extends T>> sources, double[] weights, long seed) {
    Objects.requireNonNull(sources, "sources");
    Objects.requireNonNull(weights, "weights");
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("no sources to blend: expected at least one");
    }
    if (weights.length != sources.size()) {
      throw new IllegalArgumentException("got " + weights.length + " weights for " + sources.size()
          + " sources: expected one weight per source");
    }
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      if (!(Double.isFinite(weights[i]) && weights[i] >= 0)) {
        throw new IllegalArgumentException("weight " + i + " is " + weights[i] + ", expected a finite number >= 0");
      }
      sum += weights[i];
    }
    if (!(sum > 0) || !Double.isFinite(sum)) {
      throw new IllegalArgumentException("weights " + Arrays.toString(weights)
          + " sum to " + sum + ": expected a positive finite sum");
    }
    this.sources = new ArrayList<>(sources.size());
    this.share = new double[weights.length];
    this.samplers = new EpochSampler[weights.length];
    for (int i = 0; i < weights.length; i++) {
      List<? extends T> src = Objects.requireNonNull(sources.get(i), "source " + i);
      this.sources.add(src);
      share[i] = weights[i] / sum;
      if (weights[i] > 0 && src.isEmpty()) {
        throw new IllegalArgumentException("source " + i + " is empty but has weight " + weights[i]
            + ": expected at least one element (or weight 0)");
      }
      samplers[i] = src.isEmpty() ? null : new EpochSampler(src.size(), EpochSampler.mix(seed, i));
    }
  }

  /** A blend as above, at {@code cursor}. */
  public Blend(List<? extends List<? extends T>> sources, double[] weights, long seed, Cursor cursor) {
    this(sources, weights, seed);
    restore(cursor);
  }

  /** The number of sources. */
  public int sourceCount() {
    return samplers.length;
  }

  /** Elements taken from source {@code i} so far. */
  public long taken(int i) {
    return samplers[i] == null ? 0 : samplers[i].consumed();
  }

  /** Elements taken so far (all sources). */
  public long steps() {
    long n = 0;
    for (int i = 0; i < samplers.length; i++) {
      n += taken(i);
    }
    return n;
  }

  /** Where the next element comes from; advances the stream. */
  public Pick nextPick() {
    double n1 = steps() + 1.0;
    int best = -1;
    double bestLag = 0;
    for (int i = 0; i < samplers.length; i++) {
      if (share[i] == 0) {
        continue;
      }
      double lag = n1 * share[i] - taken(i);
      if (best < 0 || lag > bestLag) {
        best = i;
        bestLag = lag;
      }
    }
    return new Pick(best, samplers[best].nextInt());
  }

  /** Always true: the stream is endless. */
  @Override
  public boolean hasNext() {
    return true;
  }

  @Override
  public T next() {
    Pick p = nextPick();
    return sources.get(p.source()).get(p.index());
  }

  /** The current position. */
  public Cursor cursor() {
    List<EpochSampler.Cursor> out = new ArrayList<>(samplers.length);
    for (EpochSampler s : samplers) {
      out.add(s == null ? EpochSampler.Cursor.start() : s.cursor());
    }
    return new Cursor(out);
  }

  /** Moves to {@code cursor}, which must have one entry per source. */
  public void restore(Cursor cursor) {
    Objects.requireNonNull(cursor, "cursor");
    if (cursor.sources().size() != samplers.length) {
      throw new IllegalArgumentException("cursor has " + cursor.sources().size() + " sources, expected "
          + samplers.length + " (was it saved with another blend?)");
    }
    for (int i = 0; i < samplers.length; i++) {
      EpochSampler.Cursor c = cursor.sources().get(i);
      if (samplers[i] == null) {
        if (!c.equals(EpochSampler.Cursor.start())) {
          throw new IllegalArgumentException("cursor source " + i + " is " + c
              + " but the source is empty: expected (epoch 0, index 0)");
        }
        continue;
      }
      try {
        samplers[i].restore(c);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("cursor source " + i + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public String toString() {
    return "Blend[shares=" + Arrays.toString(share) + ", cursor=" + cursor().sources() + "]";
  }
}

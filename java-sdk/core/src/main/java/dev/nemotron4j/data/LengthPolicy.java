package dev.nemotron4j.data;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What to do with examples longer than {@code maxLength} tokens, and with empty ones.
 *
 * <ul>
 *   <li>{@link Mode#TRUNCATE} keeps the start (the prompt) and cuts the end. An example whose
 *       truncation leaves no target token (e.g. a prompt that alone fills {@code maxLength}) is
 *       rejected as too long.
 *   <li>{@link Mode#REJECT} drops the example.
 * </ul>
 *
 * An example is empty when its text, or a response (chat reply, chosen or rejected, reward-model
 * response), is blank, or when a response's ids are empty; unless {@code allowEmpty}, it is dropped.
 * {@link Stats} counts what happened.
 */
public record LengthPolicy(int maxLength, Mode mode, boolean allowEmpty) {
  /** What to do with too-long examples. */
  public enum Mode {
    TRUNCATE,
    REJECT
  }

  public LengthPolicy {
    if (maxLength < 2) {
      throw new IllegalArgumentException("maxLength is " + maxLength
          + ", expected at least 2 (a sequence needs two tokens to have a target)");
    }
    Objects.requireNonNull(mode, "mode");
  }

  /** A policy that drops empty examples. */
  public LengthPolicy(int maxLength, Mode mode) {
    this(maxLength, mode, false);
  }

  /** Truncate to {@code maxLength}; drop empty examples. */
  public static LengthPolicy truncate(int maxLength) {
    return new LengthPolicy(maxLength, Mode.TRUNCATE);
  }

  /** Drop examples longer than {@code maxLength}, and empty ones. */
  public static LengthPolicy reject(int maxLength) {
    return new LengthPolicy(maxLength, Mode.REJECT);
  }

  /** No length limit (e.g. for pretraining documents, which the {@link Packer} splits); drop empty examples. */
  public static LengthPolicy unlimited() {
    return new LengthPolicy(Integer.MAX_VALUE, Mode.TRUNCATE);
  }

  /**
   * Counters of a policy's decisions, safe to share between threads. Every example counts once:
   * {@code total = kept + rejected_too_long + rejected_empty}; {@code truncated} counts the kept
   * examples that were cut.
   */
  public static final class Stats {
    private final AtomicLong kept = new AtomicLong();
    private final AtomicLong truncated = new AtomicLong();
    private final AtomicLong rejectedTooLong = new AtomicLong();
    private final AtomicLong rejectedEmpty = new AtomicLong();

    /** Examples kept (truncated or not). */
    public long kept() {
      return kept.get();
    }

    /** Kept examples that were truncated. */
    public long truncated() {
      return truncated.get();
    }

    /** Examples dropped for their length. */
    public long rejectedTooLong() {
      return rejectedTooLong.get();
    }

    /** Examples dropped for being empty. */
    public long rejectedEmpty() {
      return rejectedEmpty.get();
    }

    /** All examples seen. */
    public long total() {
      return kept() + rejectedTooLong() + rejectedEmpty();
    }

    /** The counters by their log names: kept, truncated, rejected_too_long, rejected_empty. */
    public Map<String, Long> asMap() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("kept", kept());
      m.put("truncated", truncated());
      m.put("rejected_too_long", rejectedTooLong());
      m.put("rejected_empty", rejectedEmpty());
      return m;
    }

    void countKept(boolean wasTruncated) {
      kept.incrementAndGet();
      if (wasTruncated) {
        truncated.incrementAndGet();
      }
    }

    void countTooLong() {
      rejectedTooLong.incrementAndGet();
    }

    void countEmpty() {
      rejectedEmpty.incrementAndGet();
    }

    @Override
    public String toString() {
      return "kept=" + kept() + " truncated=" + truncated() + " rejected_too_long=" + rejectedTooLong()
          + " rejected_empty=" + rejectedEmpty();
    }
  }
}

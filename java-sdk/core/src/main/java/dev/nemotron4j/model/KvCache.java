package dev.nemotron4j.model;

import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Keys and values of every layer for a batch of sequences of different lengths, for incremental
 * decoding: {@code [batch, capacity, kv_heads, head_dim]} per layer, F32. Row b holds positions
 * {@code 0 .. length(b) - 1}.
 */
public final class KvCache implements AutoCloseable {
  private final Tensor[] keys;
  private final Tensor[] values;
  private final long[] lengths;
  private final int capacity;

  public KvCache(NemotronConfig c, int batch, int capacity) {
    if (batch <= 0 || capacity <= 0) {
      throw new IllegalArgumentException("KV cache batch and capacity must be > 0, got " + batch + ", " + capacity);
    }
    this.capacity = capacity;
    keys = new Tensor[c.numLayers()];
    values = new Tensor[c.numLayers()];
    try {
      for (int i = 0; i < c.numLayers(); i++) {
        keys[i] = Tensor.zeros(DType.F32, batch, capacity, c.numKvHeads(), c.headDim()).escape();
        values[i] = Tensor.zeros(DType.F32, batch, capacity, c.numKvHeads(), c.headDim()).escape();
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    lengths = new long[batch];
  }

  public int batch() {
    return lengths.length;
  }

  public int capacity() {
    return capacity;
  }

  /** Tokens held for row b. */
  public long length(int b) {
    return lengths[b];
  }

  Tensor keys(int layer) {
    return keys[layer];
  }

  Tensor values(int layer) {
    return values[layer];
  }

  /** Prefill: rows' keys/values [B, T, NKV, HD] at positions 0.., up to lens[b] (null: all T). */
  void write(int layer, Tensor k, Tensor v, Tensor lens) {
    if (k.dim(1) > capacity) {
      throw new IllegalArgumentException("prompt of " + k.dim(1) + " tokens exceeds the KV cache capacity " + capacity);
    }
    try (Tensor start = Tensor.zeros(DType.I64, lengths.length)) {
      Kernels.kvCacheWrite(keys[layer], k, start, lens);
      Kernels.kvCacheWrite(values[layer], v, start, lens);
    }
  }

  /** Decode: one new key/value per row [B, 1, NKV, HD] at positions pos [B]. */
  void append(int layer, Tensor k, Tensor v, Tensor pos) {
    Kernels.kvCacheWrite(keys[layer], k, pos, null);
    Kernels.kvCacheWrite(values[layer], v, pos, null);
  }

  /** Sets the rows' lengths after a prefill. */
  void setLengths(long[] lens) {
    if (lens.length != lengths.length) {
      throw new IllegalArgumentException("lengths for " + lens.length + " rows, cache has " + lengths.length);
    }
    for (long l : lens) {
      if (l < 0 || l > capacity) {
        throw new IllegalArgumentException("length " + l + " outside the KV cache capacity " + capacity);
      }
    }
    System.arraycopy(lens, 0, lengths, 0, lens.length);
  }

  /** The position of each row's next token, as an I64 tensor [B]. */
  Tensor positions() {
    for (int b = 0; b < lengths.length; b++) {
      if (lengths[b] >= capacity) {
        throw new IllegalStateException("KV cache row " + b + " is full (" + capacity + " positions)");
      }
      if (lengths[b] == 0) {
        throw new IllegalStateException("KV cache row " + b + " is empty: prefill a prompt first");
      }
    }
    return Tensor.ofLongs(lengths.clone(), lengths.length);
  }

  Tensor positionsPlusOne() {
    long[] p = lengths.clone();
    for (int i = 0; i < p.length; i++) {
      p[i]++;
    }
    return Tensor.ofLongs(p, p.length);
  }

  void advance() {
    for (int b = 0; b < lengths.length; b++) {
      lengths[b]++;
    }
  }

  /** Empties every row (the memory is reused). */
  public void reset() {
    Arrays.fill(lengths, 0);
  }

  @Override
  public void close() {
    for (Tensor t : keys) {
      if (t != null) {
        t.close();
      }
    }
    for (Tensor t : values) {
      if (t != null) {
        t.close();
      }
    }
  }
}

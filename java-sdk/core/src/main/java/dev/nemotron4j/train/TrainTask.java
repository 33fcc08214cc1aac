package dev.nemotron4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemotron4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * What a {@link Trainer} trains: deterministic micro-batches and their loss. An algorithm (pretraining,
 * SFT, reward model, DPO, RPO) is a task.
 *
 * @param <B> a micro-batch
 */
public interface TrainTask<B> {
  /** The next {@code n} micro-batches (one optimizer step's worth); advances the data cursor. */
  List<B> next(int n);

  /**
   * The units a micro-batch's loss averages over (target tokens, pairs, ...): the trainer weights
   * micro-batches by them so that accumulation equals one big batch.
   */
  double units(B batch);

  /**
   * The loss of one micro-batch, under the trainer's tape: a one-element tensor averaged over the
   * micro-batch's own units.
   */
  Loss loss(B batch);

  /** The data cursor, to resume exactly. */
  JsonNode state();

  void restore(JsonNode state);

  /** A micro-batch's loss, the tokens it processed, and metrics (averaged like the loss). */
  record Loss(Tensor value, long tokens, Map<String, Double> metrics) {}
}

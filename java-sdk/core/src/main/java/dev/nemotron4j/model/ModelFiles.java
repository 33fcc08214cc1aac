package dev.nemotron4j.model;

import dev.nemotron4j.checkpoint.Checkpoint;
import dev.nemotron4j.nn.Module;
import dev.nemotron4j.tensor.DType;
import java.nio.file.Path;

/** A model folder: {@code config.json} and safetensors weights (Hugging Face layout). */
final class ModelFiles {
  /** Weights are written in shards of at most this many bytes. */
  static final long SHARD_BYTES = 4L << 30;

  private ModelFiles() {}

  /** Loads the weights of {@code dir} into the new {@code model}; closes it if that fails. */
  static <M extends Module> M loadWeights(Path dir, M model) {
    try (Checkpoint ck = Checkpoint.open(dir)) {
      ck.loadInto(model);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return model;
  }

  /** Writes the weights (as {@code dtype}) and {@code config.json} into {@code dir}. */
  static void save(Module model, NemotronConfig config, Path dir, DType dtype) {
    Checkpoint.save(model, dir, dtype, SHARD_BYTES);
    config.write(dir);
  }
}

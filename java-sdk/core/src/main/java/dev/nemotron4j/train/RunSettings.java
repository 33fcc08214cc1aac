package dev.nemotron4j.train;

import dev.nemotron4j.data.LengthPolicy;
import dev.nemotron4j.io.ConfigNode;
import dev.nemotron4j.tensor.DType;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Settings every training config shares (JSON keys in parentheses).
 *
 * @param out run folder ({@code out}; relative to the config file)
 * @param seed model init and data order ({@code seed})
 * @param batch rows (or pairs) per micro-batch ({@code batch})
 * @param gradAccum micro-batches per optimizer step ({@code grad_accum})
 * @param checkpointEvery steps between checkpoints, 0 = last only ({@code checkpoint_every})
 * @param keepCheckpoints checkpoints kept ({@code keep_checkpoints})
 * @param compute {@code f32} or {@code bf16} (mixed precision) ({@code compute})
 * @param progress progress bar on stderr ({@code progress})
 * @param optimizer AdamW and schedule ({@code optimizer}: lr, beta1, beta2, eps, weight_decay,
 *     grad_clip, schedule, warmup_steps, min_lr_ratio)
 * @param length longest sequence and what to do with longer ones ({@code length}: max, mode
 *     truncate|reject, allow_empty)
 */
public record RunSettings(
    Path out, long seed, int batch, int gradAccum, int checkpointEvery, int keepCheckpoints, DType compute,
    boolean progress, OptimizerConfig optimizer, LengthPolicy length) {

  /** Reads the shared keys of {@code c} (the caller reads its own keys, then calls finish()). */
  public static RunSettings parse(ConfigNode c, Path base, float defaultLr) {
    Path out = base.resolve(c.requireStr("out"));
    long seed = c.integer("seed", 1);
    int batch = c.positiveInt("batch", 8);
    int accum = c.positiveInt("grad_accum", 1);
    long every = c.integer("checkpoint_every", 0);
    if (every < 0) {
      throw new IllegalArgumentException(c.path() + ".checkpoint_every must be >= 0, got " + every);
    }
    int keep = c.positiveInt("keep_checkpoints", 2);
    String compute = c.str("compute", "f32").toLowerCase(Locale.ROOT);
    DType dt;
    switch (compute) {
      case "f32": dt = DType.F32; break;
      case "bf16": dt = DType.BF16; break;
      default: throw new IllegalArgumentException(c.path() + ".compute must be f32 or bf16, got '" + compute + "'");
    }
    boolean progress = c.bool("progress", true);
    OptimizerConfig opt = optimizer(c.obj("optimizer"), defaultLr);
    LengthPolicy len = length(c.obj("length"));
    return new RunSettings(out, seed, batch, accum, (int) every, keep, dt, progress, opt, len);
  }

  public static OptimizerConfig optimizer(ConfigNode o, float defaultLr) {
    if (o == null) {
      return OptimizerConfig.of(defaultLr);
    }
    OptimizerConfig d = OptimizerConfig.of(defaultLr);
    OptimizerConfig r = new OptimizerConfig(
        (float) o.number("lr", d.lr()), (float) o.number("beta1", d.beta1()), (float) o.number("beta2", d.beta2()),
        (float) o.number("eps", d.eps()), (float) o.number("weight_decay", d.weightDecay()),
        (float) o.number("grad_clip", d.gradClip()), o.str("schedule", d.schedule()),
        (int) o.integer("warmup_steps", d.warmupSteps()), (float) o.number("min_lr_ratio", d.minLrRatio()));
    o.finish();
    return r;
  }

  static LengthPolicy length(ConfigNode l) {
    if (l == null) {
      return new LengthPolicy(1024, LengthPolicy.Mode.TRUNCATE, false);
    }
    int max = l.positiveInt("max", 1024);
    String mode = l.str("mode", "truncate").toLowerCase(Locale.ROOT);
    boolean empty = l.bool("allow_empty", false);
    l.finish();
    LengthPolicy.Mode m;
    switch (mode) {
      case "truncate": m = LengthPolicy.Mode.TRUNCATE; break;
      case "reject": m = LengthPolicy.Mode.REJECT; break;
      default: throw new IllegalArgumentException(l.path() + ".mode must be truncate or reject, got '" + mode + "'");
    }
    return new LengthPolicy(max, m, empty);
  }

  /** The trainer settings of a run of {@code steps} into {@code dir}. */
  public Trainer.Config trainer(long steps, Path dir) {
    return new Trainer.Config(steps, gradAccum, checkpointEvery, keepCheckpoints, dir, compute, progress);
  }
}

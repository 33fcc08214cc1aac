package dev.nemotron4j.train;

import java.util.Locale;

/**
 * AdamW and its learning-rate schedule.
 *
 * @param lr peak learning rate
 * @param beta1 first-moment decay
 * @param beta2 second-moment decay
 * @param eps denominator epsilon
 * @param weightDecay decoupled weight decay (not applied to 1-D parameters: norms and biases)
 * @param gradClip global gradient-norm clip (0: none)
 * @param schedule {@code constant}, {@code cosine} or {@code linear} decay after warmup
 * @param warmupSteps linear warmup from 0 to lr
 * @param minLrRatio the decayed floor, as a fraction of lr
 */
public record OptimizerConfig(
    float lr, float beta1, float beta2, float eps, float weightDecay, float gradClip, String schedule, int warmupSteps,
    float minLrRatio) {

  public OptimizerConfig {
    if (!(lr >= 0) || Float.isInfinite(lr)) {
      throw new IllegalArgumentException("lr must be finite and >= 0, got " + lr);
    }
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("eps must be > 0, got " + eps);
    }
    if (!(weightDecay >= 0) || !(gradClip >= 0)) {
      throw new IllegalArgumentException("weight_decay and grad_clip must be >= 0");
    }
    schedule = schedule == null ? "constant" : schedule.toLowerCase(Locale.ROOT);
    if (!schedule.equals("constant") && !schedule.equals("cosine") && !schedule.equals("linear")) {
      throw new IllegalArgumentException("schedule '" + schedule + "' is not one of constant, cosine, linear");
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmup_steps must be >= 0, got " + warmupSteps);
    }
    if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
      throw new IllegalArgumentException("min_lr_ratio must be in [0, 1], got " + minLrRatio);
    }
  }

  /** Defaults: betas 0.9/0.95, eps 1e-8, weight decay 0.1, clip 1.0, constant schedule. */
  public static OptimizerConfig of(float lr) {
    return new OptimizerConfig(lr, 0.9f, 0.95f, 1e-8f, 0.1f, 1.0f, "constant", 0, 0.1f);
  }

  /** The learning rate of optimizer step {@code step} (1-based) of {@code total}. */
  public float lrAt(long step, long total) {
    if (warmupSteps > 0 && step <= warmupSteps) {
      return lr * step / warmupSteps;
    }
    if (schedule.equals("constant") || total <= warmupSteps) {
      return lr;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / (double) (total - warmupSteps));
    double floor = lr * minLrRatio;
    double f = schedule.equals("cosine") ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
    return (float) (floor + (lr - floor) * f);
  }
}

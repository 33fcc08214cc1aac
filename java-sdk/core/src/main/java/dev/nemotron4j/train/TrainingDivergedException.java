package dev.nemotron4j.train;

/** The loss or the gradient norm became NaN or infinite; checkpoints written before are intact. */
public final class TrainingDivergedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final long step;

  TrainingDivergedException(String message, long step) {
    super(message);
    this.step = step;
  }

  public long step() {
    return step;
  }
}

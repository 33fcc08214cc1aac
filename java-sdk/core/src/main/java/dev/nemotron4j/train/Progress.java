package dev.nemotron4j.train;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr: step, loss, tokens/s and ETA. */
final class Progress {
  private final PrintStream out;
  private final String label;
  private final long total;
  private final long startNanos = System.nanoTime();
  private final long firstStep;
  private final boolean enabled;

  Progress(String label, long firstStep, long total, boolean enabled) {
    this.out = System.err;
    this.label = label;
    this.firstStep = firstStep;
    this.total = total;
    this.enabled = enabled;
  }

  void update(long step, double loss, double tokensPerSecond) {
    if (!enabled) {
      return;
    }
    double elapsed = (System.nanoTime() - startNanos) / 1e9;
    long done = step - firstStep;
    double eta = done > 0 ? elapsed / done * (total - step) : 0;
    int width = 24, fill = (int) Math.round(width * (double) step / Math.max(1, total));
    String bar = "#".repeat(Math.min(width, fill)) + " ".repeat(Math.max(0, width - fill));
    out.printf(Locale.ROOT, "\r%s step %d/%d [%s] loss %.4f  %s tok/s  ETA %s", label, step, total, bar, loss,
        human(tokensPerSecond), time(eta));
    if (step == total) {
      out.println();
    }
    out.flush();
  }

  static String human(double x) {
    return x >= 1e6 ? String.format(Locale.ROOT, "%.1fM", x / 1e6)
        : x >= 1e3 ? String.format(Locale.ROOT, "%.1fk", x / 1e3) : String.format(Locale.ROOT, "%.0f", x);
  }

  static String time(double s) {
    long t = Math.round(s);
    return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
  }
}

package dev.nemotron4j.io;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr for long CLI work: done/total, rate and ETA. */
public final class ProgressBar {
  private final String label;
  private final long total;
  private final boolean enabled;
  private final PrintStream out = System.err;
  private final long start = System.nanoTime();
  private long lastPrint;
  private long done;

  public ProgressBar(String label, long total, boolean enabled) {
    this.label = label;
    this.total = Math.max(1, total);
    this.enabled = enabled;
  }

  /** Adds {@code n} finished items and redraws (at most ~10 times a second). */
  public synchronized void step(long n) {
    done += n;
    long now = System.nanoTime();
    if (!enabled || (now - lastPrint < 100_000_000L && done < total)) {
      return;
    }
    lastPrint = now;
    double s = (now - start) / 1e9;
    double rate = done / Math.max(s, 1e-9);
    double eta = rate > 0 ? (total - done) / rate : 0;
    int width = 24, fill = (int) Math.min(width, Math.round(width * (double) done / total));
    out.printf(Locale.ROOT, "\r%s [%s%s] %d/%d  %.1f/s  ETA %ds ", label, "#".repeat(fill), " ".repeat(width - fill), done,
        total, rate, Math.round(eta));
    if (done >= total) {
      out.println();
    }
    out.flush();
  }

  public synchronized void finish() {
    if (enabled && done < total) {
      done = total - 1;
      step(1);
    }
  }
}

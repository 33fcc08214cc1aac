package dev.nemotron4j.io;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr for long work (training steps, SDG stages): done/total, an
 * optional detail (loss, tokens/s), the rate and the ETA. Redraws at most ~10 times a second and
 * always at the end; prints nothing when disabled.
 */
public final class ProgressBar {
  private final String label;
  private final long total;
  private final long first;
  private final boolean enabled;
  private final PrintStream out = System.err;
  private final long start = System.nanoTime();
  private long lastPrint;
  private long done;

  /** A bar from 0 to {@code total}. */
  public ProgressBar(String label, long total, boolean enabled) {
    this(label, 0, total, enabled);
  }

  /** A bar that starts at {@code first} (a resumed run): the rate and ETA count from there. */
  public ProgressBar(String label, long first, long total, boolean enabled) {
    this.label = label;
    this.total = Math.max(1, total);
    this.first = first;
    this.done = first;
    this.enabled = enabled;
  }

  /** Adds {@code n} finished items. */
  public synchronized void step(long n) {
    update(done + n, null);
  }

  /** Sets the position to {@code position} with a detail shown after the count (nullable). */
  public synchronized void update(long position, String detail) {
    done = position;
    long now = System.nanoTime();
    if (!enabled || (now - lastPrint < 100_000_000L && done < total)) {
      return;
    }
    lastPrint = now;
    double s = (now - start) / 1e9;
    double rate = (done - first) / Math.max(s, 1e-9);
    double eta = rate > 0 ? (total - done) / rate : 0;
    int width = 24, fill = (int) Math.min(width, Math.round(width * (double) done / total));
    out.printf(Locale.ROOT, "\r%s [%s%s] %d/%d%s  %s/s  ETA %s ", label, "#".repeat(fill), " ".repeat(width - fill), done,
        total, detail == null ? "" : "  " + detail, human(rate), time(eta));
    if (done >= total) {
      out.println();
    }
    out.flush();
  }

  /** Draws the finished bar (when the work ended with fewer steps than announced). */
  public synchronized void finish() {
    if (done < total) {
      update(total, null);
    }
  }

  /** 1234567 -> "1.2M", 4321 -> "4.3k". */
  public static String human(double x) {
    return x >= 1e6 ? String.format(Locale.ROOT, "%.1fM", x / 1e6)
        : x >= 1e3 ? String.format(Locale.ROOT, "%.1fk", x / 1e3) : String.format(Locale.ROOT, "%.1f", x);
  }

  /** Seconds as "1h02m" or "3m05s". */
  public static String time(double seconds) {
    long t = Math.round(seconds);
    return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
  }
}

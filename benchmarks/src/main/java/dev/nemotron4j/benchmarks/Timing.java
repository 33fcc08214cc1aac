package dev.nemotron4j.benchmarks;

import java.util.Arrays;

/**
 * Timing of a subject against its peer on a shared, noisy machine: both are warmed up, then
 * measured in alternating rounds so that load from elsewhere hits both alike; each side reports
 * its median round.
 */
final class Timing {
  private Timing() {}

  /** Median seconds per call of {@code ours} and {@code peer}: {ours, peer}. */
  static double[] interleaved(Runnable ours, Runnable peer, int rounds, double minRoundSeconds) {
    return interleaved(ours, peer, () -> {}, () -> {}, rounds, minRoundSeconds);
  }

  /** As above; {@code enterPeer}/{@code leavePeer} run around each peer round, untimed. */
  static double[] interleaved(
      Runnable ours, Runnable peer, Runnable enterPeer, Runnable leavePeer, int rounds, double minRoundSeconds) {
    int repsOurs = calibrate(ours, minRoundSeconds);
    enterPeer.run();
    int repsPeer = calibrate(peer, minRoundSeconds);
    leavePeer.run();
    double[] a = new double[rounds], b = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      a[r] = time(ours, repsOurs);
      enterPeer.run();
      b[r] = time(peer, repsPeer);
      leavePeer.run();
    }
    return new double[] {median(a), median(b)};
  }

  /** Median seconds per call of one subject. */
  static double alone(Runnable subject, int rounds, double minRoundSeconds) {
    int reps = calibrate(subject, minRoundSeconds);
    double[] a = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      a[r] = time(subject, reps);
    }
    return median(a);
  }

  private static int calibrate(Runnable f, double minSeconds) {
    f.run(); // warm-up
    int reps = 1;
    while (true) {
      double t = time(f, reps) * reps;
      if (t >= minSeconds || reps >= 1 << 24) {
        return reps;
      }
      reps = (int) Math.min((long) reps * 2, Math.max(reps * 2L, (long) (reps * minSeconds / Math.max(t, 1e-9))));
    }
  }

  private static double time(Runnable f, int reps) {
    long t0 = System.nanoTime();
    for (int i = 0; i < reps; i++) {
      f.run();
    }
    return (System.nanoTime() - t0) / 1e9 / reps;
  }

  static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}

package dev.nemotron4j.testing;

import dev.nemotron4j.tensor.Engine;
import java.util.List;

/** Runs code under each CPU kernel level this machine supports. */
public final class Isa {
  private Isa() {}

  /** Every level the CPU can run (a JUnit method source). */
  public static List<String> levels() {
    return Engine.supportedIsas();
  }

  /** Runs r with the given level active, then restores the best level. */
  public static void with(String isa, Runnable r) {
    Engine.setIsa(isa);
    try {
      r.run();
    } finally {
      Engine.setIsa("auto");
    }
  }

  /** Runs r with n pool threads, then restores the previous size. */
  public static void withThreads(int n, Runnable r) {
    int before = Engine.threads();
    Engine.setThreads(n);
    try {
      r.run();
    } finally {
      Engine.setThreads(before);
    }
  }
}

package dev.nemotron4j.testing;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.nemotron4j.tensor.Device;
import dev.nemotron4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The shared reference fixtures (../shared/fixtures next to the checkout). */
public final class Fixtures {
  private Fixtures() {}

  public static Path shared() {
    String p = System.getProperty("nemotron4j.shared");
    Path dir = p != null ? Paths.get(p) : Paths.get("..", "shared");
    if (!Files.isDirectory(dir.resolve("fixtures"))) {
      dir = Paths.get("/work/shared");
    }
    return dir;
  }

  public static Path dir(String name) {
    Path d = shared().resolve("fixtures").resolve(name);
    assertWithMessage("fixtures folder %s", d).that(Files.isDirectory(d)).isTrue();
    return d;
  }

  /**
   * {@code t} on the thread's current device: itself, or a copy (owned by the open scope). The
   * fixture tests pass their inputs through this, so that the same tests check the model on the
   * GPU when it is the current device ({@code -Dnemotron4j.test.device=cuda}).
   */
  public static Tensor onDevice(Tensor t) {
    return t.device() == Device.current() ? t : t.to(Device.current());
  }

  /** The fixtures' scalar tolerance: abs diff <= tol * max(1, |expected|). */
  public static void assertScalar(String what, double got, double expected, double tol) {
    double lim = tol * Math.max(1, Math.abs(expected));
    assertWithMessage("%s: got %s, expected %s (limit %s)", what, got, expected, lim)
        .that(Math.abs(got - expected) <= lim)
        .isTrue();
  }
}

package dev.nemotron4j.consumer;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.nn.Init;
import dev.nemotron4j.nn.Linear;
import dev.nemotron4j.tensor.Engine;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;

/** Uses the engine the way an application would; exits non-zero if anything is off. */
public final class Main {
  public static void main(String[] args) {
    String ld = System.getenv("LD_LIBRARY_PATH");
    if (ld != null && !ld.isEmpty()) {
      throw new IllegalStateException("LD_LIBRARY_PATH must be unset for this check, got " + ld);
    }
    System.out.println("engine " + Engine.version() + ", isa " + Engine.isa() + ", threads " + Engine.threads());
    try (Scope scope = Scope.open(); Linear layer = new Linear(4, 3, Init.normal(0.5f)); Tape tape = Tape.record()) {
      layer.initialize(7);
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
      Tensor y = layer.forward(x);
      Tensor q = Tensor.randn(1, 1f, 1, 5, 2, 8);
      Tensor att = Ops.attention(q, q, q, null, 0.35f);
      Tensor loss = Ops.add(Ops.sum(Ops.relu2(y)), Ops.sum(att));
      tape.backward(loss);
      double g = 0;
      for (float v : layer.weight().grad().toFloatArray()) {
        g += Math.abs(v);
      }
      if (!Float.isFinite(loss.item()) || !(g > 0)) {
        throw new IllegalStateException("unexpected result: loss " + loss.item() + ", |dloss/dW| " + g);
      }
      System.out.println("loss " + loss.item() + ", |dloss/dW|_1 " + g);
    }
    System.out.println("consumer OK: native libraries loaded from the jars");
  }
}

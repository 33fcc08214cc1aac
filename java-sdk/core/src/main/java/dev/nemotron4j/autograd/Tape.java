package dev.nemotron4j.autograd;

import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode automatic differentiation: while a tape records on this thread, every {@link Ops}
 * call whose inputs require gradients records its backward. {@link #backward(Tensor)} then runs
 * the recorded backwards in reverse and accumulates gradients into the leaves' {@link
 * Tensor#grad()}.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open(); Tape tape = Tape.record()) {
 *   Tensor loss = model.loss(batch);
 *   tape.backward(loss);      // parameters' grad() now hold dloss/dparam
 * }
 * }</pre>
 *
 * Tensors an op saved for its backward are owned by the tape and freed when it closes; inputs
 * of recorded ops must stay open until {@code backward} has run.
 */
public final class Tape implements AutoCloseable {
  private static final ThreadLocal<Tape> ACTIVE = new ThreadLocal<>();

  private final List<Node> nodes = new ArrayList<>();
  private final Map<Tensor, Node> producers = new IdentityHashMap<>();
  private final List<Tensor> saved = new ArrayList<>();
  private final Set<Tensor> retained = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<Tensor, Tensor> retainedGrads = new IdentityHashMap<>();
  private boolean recording = true;
  private boolean closed;

  private Tape() {}

  /** Starts recording on this thread. Tapes do not nest. */
  public static Tape record() {
    if (ACTIVE.get() != null) {
      throw new IllegalStateException("a tape is already recording on this thread");
    }
    Tape t = new Tape();
    ACTIVE.set(t);
    return t;
  }

  /** The tape recording on this thread, or null. */
  public static Tape active() {
    Tape t = ACTIVE.get();
    return t != null && t.recording ? t : null;
  }

  /** The backward of one recorded op: given dL/d(output), accumulate dL/d(input) for inputs. */
  @FunctionalInterface
  public interface Backward {
    void apply(Tensor gradOutput, Grads grads);
  }

  /** Where a backward hands its input gradients. */
  public interface Grads {
    /**
     * Adds {@code grad} (a new tensor the tape takes over) to the gradient of {@code input}.
     * Inputs that do not require gradients are skipped.
     */
    void accumulate(Tensor input, Tensor grad);
  }

  static final class Node {
    final Tensor output;
    final Backward backward;

    Node(Tensor output, Backward backward) {
      this.output = output;
      this.backward = backward;
    }
  }

  /** Records an op (called by {@link Ops}); the output is marked as requiring gradients. */
  void recordOp(Tensor output, Backward backward) {
    ensureOpen();
    output.requiresGrad(true);
    Node n = new Node(output, backward);
    nodes.add(n);
    producers.put(output, n);
  }

  /** Hands a tensor saved for a backward to the tape, which closes it. */
  Tensor save(Tensor t) {
    ensureOpen();
    t.escape();
    saved.add(t);
    return t;
  }

  /** Keeps the gradient of a non-leaf tensor for {@link #grad(Tensor)} (for inspection). */
  public void retainGrad(Tensor t) {
    retained.add(t);
  }

  /** The gradient of a retained non-leaf tensor after backward (owned by the tape). */
  public Tensor grad(Tensor t) {
    return retainedGrads.get(t);
  }

  /** Backpropagates from a one-element tensor (seed gradient 1). */
  public void backward(Tensor loss) {
    if (loss.numel() != 1) {
      throw new IllegalArgumentException(
          "backward(loss) needs a one-element loss, got shape " + Arrays.toString(loss.shape())
              + "; use backward(output, gradOutput)");
    }
    Tensor seed = Tensor.full(loss.dtype(), 1.0, loss.shape()).escape();
    backward(loss, seed);
  }

  /** Backpropagates {@code gradOutput} (taken over by the tape) from {@code output}. */
  public void backward(Tensor output, Tensor gradOutput) {
    ensureOpen();
    if (!Arrays.equals(output.shape(), gradOutput.shape())) {
      throw new IllegalArgumentException(
          "gradOutput shape " + Arrays.toString(gradOutput.shape()) + " differs from output shape "
              + Arrays.toString(output.shape()));
    }
    recording = false;
    Map<Tensor, Tensor> grads = new IdentityHashMap<>();
    try (Scope scope = Scope.open()) {
      Grads sink =
          (input, g) -> {
            if (!input.requiresGrad()) {
              g.close();
              return;
            }
            if (!producers.containsKey(input)) {
              // a leaf: accumulate into its own gradient
              if (input.grad() == null) {
                input.setGrad(g);
              } else {
                Kernels.add(input.grad(), input.grad(), g);
                g.close();
              }
              return;
            }
            Tensor prev = grads.get(input);
            if (prev == null) {
              grads.put(input, g.escape());
            } else {
              Kernels.add(prev, prev, g);
              g.close();
            }
          };
      sink.accumulate(output, gradOutput);
      for (int i = nodes.size() - 1; i >= 0; i--) {
        Node n = nodes.get(i);
        Tensor g = grads.remove(n.output);
        if (g == null) {
          continue;
        }
        n.backward.apply(g, sink);
        if (retained.contains(n.output)) {
          retainedGrads.put(n.output, g);
        } else {
          g.close();
        }
      }
    } finally {
      for (Tensor g : grads.values()) {
        g.close();
      }
      nodes.clear();
      producers.clear();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("tape is closed");
    }
  }

  /** Stops recording and frees everything the tape owns. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ACTIVE.get() == this) {
      ACTIVE.remove();
    }
    for (Tensor t : saved) {
      t.close();
    }
    for (Tensor t : retainedGrads.values()) {
      t.close();
    }
    saved.clear();
    retainedGrads.clear();
    nodes.clear();
    producers.clear();
  }
}

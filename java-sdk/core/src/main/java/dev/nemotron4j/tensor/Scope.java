package dev.nemotron4j.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Owns the tensors created while it is open on this thread and closes them when it closes.
 * Scopes nest; a tensor can {@link Tensor#escape() escape} its scope (the caller then closes it)
 * or {@link Tensor#moveTo(Scope) move} to another scope.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open()) {
 *   Tensor x = Tensor.randn(1, 1f, 4, 8);   // closed with the scope
 *   Tensor kept = f(x).escape();            // survives the scope
 * }
 * }</pre>
 */
public final class Scope implements AutoCloseable {
  private static final ThreadLocal<ArrayDeque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

  private final Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Thread thread = Thread.currentThread();
  private boolean closed;

  private Scope() {}

  /** Opens a scope on this thread; it becomes the current scope until closed. */
  public static Scope open() {
    Scope s = new Scope();
    STACK.get().push(s);
    return s;
  }

  /** The innermost open scope of this thread, or null. */
  public static Scope current() {
    return STACK.get().peek();
  }

  void adopt(Tensor t) {
    if (closed) {
      throw new IllegalStateException("scope is closed");
    }
    owned.add(t);
  }

  void forget(Tensor t) {
    owned.remove(t);
  }

  /** Number of open tensors this scope owns. */
  public int size() {
    return owned.size();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (Thread.currentThread() != thread) {
      throw new IllegalStateException("a scope must be closed on the thread that opened it");
    }
    ArrayDeque<Scope> stack = STACK.get();
    if (stack.peek() != this) {
      throw new IllegalStateException("scopes must be closed innermost first");
    }
    stack.pop();
    closed = true;
    List<Tensor> tensors = new ArrayList<>(owned);
    owned.clear();
    for (Tensor t : tensors) {
      t.closeOwned();
    }
  }
}

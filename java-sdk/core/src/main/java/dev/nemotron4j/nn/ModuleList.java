package dev.nemotron4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Sub-modules named by index ("0", "1", ...), like a PyTorch ModuleList. */
public final class ModuleList<M extends Module> extends Module {
  private final List<M> items = new ArrayList<>();

  public M add(M m) {
    register(Integer.toString(items.size()), m);
    items.add(m);
    return m;
  }

  public M get(int i) {
    return items.get(i);
  }

  public int size() {
    return items.size();
  }

  public List<M> items() {
    return Collections.unmodifiableList(items);
  }
}

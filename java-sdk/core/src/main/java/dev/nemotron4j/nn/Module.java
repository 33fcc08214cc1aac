package dev.nemotron4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tree of named parameters and sub-modules. Names join with dots, so a model's parameter names
 * are its checkpoint tensor names (e.g. {@code model.layers.0.mlp.up_proj.weight}). Closing a
 * module frees all its parameters.
 */
public abstract class Module implements AutoCloseable {
  private final Map<String, Parameter> params = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private boolean closed;

  /** Registers a parameter under {@code name}. */
  protected final Parameter register(String name, Parameter p) {
    checkName(name);
    params.put(name, p);
    return p;
  }

  /** Registers a sub-module under {@code name}. */
  protected final <M extends Module> M register(String name, M child) {
    checkName(name);
    children.put(name, child);
    return child;
  }

  private void checkName(String name) {
    if (name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException("bad module member name '" + name + "'");
    }
    if (params.containsKey(name) || children.containsKey(name)) {
      throw new IllegalArgumentException("'" + name + "' is already registered");
    }
  }

  /** Every parameter by its dotted name, in registration order. */
  public final Map<String, Parameter> namedParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect("", out);
    return Collections.unmodifiableMap(out);
  }

  private void collect(String prefix, Map<String, Parameter> out) {
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      out.put(prefix + e.getKey(), e.getValue());
    }
    for (Map.Entry<String, Module> e : children.entrySet()) {
      e.getValue().collect(prefix + e.getKey() + ".", out);
    }
  }

  public final List<Parameter> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /** Total number of parameter elements. */
  public final long parameterCount() {
    long n = 0;
    for (Parameter p : namedParameters().values()) {
      n += p.value().numel();
    }
    return n;
  }

  /** Re-initializes every parameter from {@code seed} (each from its own name-derived seed). */
  public final void initialize(long seed) {
    for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
      e.getValue().init().apply(e.getValue().value(), Init.seedFor(seed, e.getKey()));
    }
  }

  /** Drops every parameter's gradient. */
  public final void zeroGrad() {
    for (Parameter p : namedParameters().values()) {
      p.zeroGrad();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Parameter p : params.values()) {
      p.close();
    }
    for (Module m : children.values()) {
      m.close();
    }
  }
}

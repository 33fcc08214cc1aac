package dev.nemotron4j.train;

import dev.nemotron4j.checkpoint.SafeTensors;
import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW over named parameters (F32 masters; with mixed precision the gradients come from the
 * compute copies), with F32 moments. Its state saves to and loads from safetensors exactly.
 */
public final class AdamW implements AutoCloseable {
  private final Map<String, Parameter> params;
  private final OptimizerConfig cfg;
  private final Map<String, Tensor> m = new LinkedHashMap<>();
  private final Map<String, Tensor> v = new LinkedHashMap<>();
  private long step;

  public AdamW(Map<String, Parameter> params, OptimizerConfig cfg) {
    this.params = new LinkedHashMap<>(params);
    this.cfg = cfg;
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      if (e.getValue().value().dtype() != DType.F32) {
        throw new IllegalArgumentException(
            "AdamW updates F32 master weights; '" + e.getKey() + "' is " + e.getValue().value().dtype());
      }
    }
  }

  public long steps() {
    return step;
  }

  /** The gradients the next step will use (parameters without a gradient are skipped). */
  public List<Tensor> gradients() {
    List<Tensor> out = new ArrayList<>();
    for (Parameter p : params.values()) {
      if (p.grad() != null) {
        out.add(p.grad());
      }
    }
    return out;
  }

  /** One update of every parameter that has a gradient, at learning rate lr. */
  public void step(float lr) {
    step++;
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      Parameter p = e.getValue();
      Tensor g = p.grad();
      if (g == null) {
        continue;
      }
      // the moments live with their parameter (on its device)
      Tensor mt = m.computeIfAbsent(e.getKey(), k -> Tensor.zerosOn(p.value().device(), DType.F32, p.shape()).escape());
      Tensor vt = v.computeIfAbsent(e.getKey(), k -> Tensor.zerosOn(p.value().device(), DType.F32, p.shape()).escape());
      float wd = p.shape().length >= 2 ? cfg.weightDecay() : 0f;
      Kernels.adamw(p.value(), mt, vt, g, lr, cfg.beta1(), cfg.beta2(), cfg.eps(), wd, step, 1f);
      p.refreshCompute();
    }
  }

  /** Writes the moments and the step count (atomically). */
  public void save(Path file) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    m.forEach((k, t) -> out.put("exp_avg." + k, t));
    v.forEach((k, t) -> out.put("exp_avg_sq." + k, t));
    SafeTensors.write(file, out, Map.of("step", Long.toString(step)));
  }

  /** Restores a state written by {@link #save}. */
  public void load(Path file) {
    try (SafeTensors st = SafeTensors.open(file)) {
      String s = st.metadata().get("step");
      if (s == null) {
        throw new IllegalArgumentException(file + " has no optimizer step in its metadata");
      }
      close();
      step = Long.parseLong(s);
      for (String name : st.entries().keySet()) {
        boolean first = name.startsWith("exp_avg.");
        String param = name.substring(first ? "exp_avg.".length() : "exp_avg_sq.".length());
        Parameter p = params.get(param);
        if (p == null || !Arrays.equals(p.shape(), st.entry(name).shape())) {
          throw new IllegalArgumentException(file + ": optimizer state '" + name + "' does not match the model");
        }
        Tensor t = Tensor.zerosOn(p.value().device(), DType.F32, p.shape()).escape();
        try (Tensor src = st.tensor(name)) {
          Kernels.convert(t, src, null);
        }
        (first ? m : v).put(param, t);
      }
    }
  }

  @Override
  public void close() {
    m.values().forEach(Tensor::close);
    v.values().forEach(Tensor::close);
    m.clear();
    v.clear();
  }
}

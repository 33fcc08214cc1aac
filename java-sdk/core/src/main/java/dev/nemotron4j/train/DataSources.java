package dev.nemotron4j.train;

import dev.nemotron4j.data.Jsonl;
import dev.nemotron4j.io.ConfigNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Weighted data sources of a config: {@code "data": [{"path": "a.jsonl", "weight": 1.0}, ...]}. */
public final class DataSources<T> {
  private final List<List<T>> sources;
  private final double[] weights;
  private final List<Path> paths;

  private DataSources(List<List<T>> sources, double[] weights, List<Path> paths) {
    this.sources = sources;
    this.weights = weights;
    this.paths = paths;
  }

  /** Reads every source with {@code reader} (paths relative to {@code base}). */
  public static <T> DataSources<T> read(List<ConfigNode> specs, Path base, Function<Path, List<T>> reader, String where) {
    if (specs.isEmpty()) {
      throw new IllegalArgumentException(where + " has no data sources: expected \"data\": [{\"path\": ..., \"weight\": ...}]");
    }
    List<List<T>> out = new ArrayList<>();
    List<Path> paths = new ArrayList<>();
    double[] w = new double[specs.size()];
    for (int i = 0; i < specs.size(); i++) {
      ConfigNode s = specs.get(i);
      Path p = base.resolve(s.requireStr("path"));
      w[i] = s.number("weight", 1.0);
      s.finish();
      if (!(w[i] > 0)) {
        throw new IllegalArgumentException(s.path() + ".weight must be > 0, got " + w[i]);
      }
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(s.path() + ".path: no file at " + p);
      }
      List<T> rows = reader.apply(p);
      if (rows.isEmpty()) {
        throw new IllegalArgumentException(p + " holds no usable examples");
      }
      out.add(rows);
      paths.add(p);
    }
    return new DataSources<>(out, w, paths);
  }

  /** JSONL rows parsed by {@code parser} (errors carry file and line). */
  public static <T> Function<Path, List<T>> jsonl(Function<? super Jsonl.Row, ? extends T> parser) {
    return p -> Jsonl.readAll(p, parser);
  }

  public List<List<T>> sources() {
    return sources;
  }

  public double[] weights() {
    return weights.clone();
  }

  public List<Path> paths() {
    return paths;
  }

  public int totalSize() {
    int n = 0;
    for (List<T> s : sources) {
      n += s.size();
    }
    return n;
  }

  /** Encodes each source's items, dropping those the encoder rejects (Optional.empty()). */
  public <U> DataSources<U> map(Function<T, java.util.Optional<U>> encode) {
    List<List<U>> out = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      List<U> enc = new ArrayList<>();
      for (T t : sources.get(i)) {
        encode.apply(t).ifPresent(enc::add);
      }
      if (enc.isEmpty()) {
        throw new IllegalArgumentException(paths.get(i) + ": no example is left after the length policy");
      }
      out.add(enc);
    }
    return new DataSources<>(out, weights, paths);
  }
}

package dev.nemotron4j.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.io.AtomicFiles;
import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.nn.Module;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The weights of a model folder as a Hugging Face hub lays them out: {@code model.safetensors},
 * or shards listed by {@code model.safetensors.index.json}. Every file is memory-mapped; tensors
 * are views (Hugging Face tensor names).
 */
public final class Checkpoint implements AutoCloseable {
  public static final String SINGLE = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final List<SafeTensors> files;
  private final Map<String, SafeTensors> byName;

  private Checkpoint(Path dir, List<SafeTensors> files, Map<String, SafeTensors> byName) {
    this.dir = dir;
    this.files = files;
    this.byName = byName;
  }

  /** True when {@code dir} holds safetensors weights. */
  public static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve(INDEX)) || Files.isRegularFile(dir.resolve(SINGLE));
  }

  /** Opens the weights of a model folder; throws {@link IllegalArgumentException} if malformed. */
  public static Checkpoint open(Path dir) {
    List<SafeTensors> files = new ArrayList<>();
    Map<String, SafeTensors> byName = new LinkedHashMap<>();
    try {
      if (Files.isRegularFile(dir.resolve(INDEX))) {
        Map<String, String> weightMap = readIndex(dir.resolve(INDEX));
        Map<String, SafeTensors> shards = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
          SafeTensors st = shards.get(e.getValue());
          if (st == null) {
            st = SafeTensors.open(dir.resolve(e.getValue()));
            shards.put(e.getValue(), st);
            files.add(st);
          }
          if (!st.contains(e.getKey())) {
            throw new IllegalArgumentException(
                INDEX + " maps '" + e.getKey() + "' to " + e.getValue() + ", which does not hold it");
          }
          byName.put(e.getKey(), st);
        }
      } else if (Files.isRegularFile(dir.resolve(SINGLE))) {
        SafeTensors st = SafeTensors.open(dir.resolve(SINGLE));
        files.add(st);
        for (String name : st.entries().keySet()) {
          byName.put(name, st);
        }
      } else {
        throw new IllegalArgumentException("no " + SINGLE + " or " + INDEX + " in " + dir);
      }
    } catch (RuntimeException e) {
      files.forEach(SafeTensors::close);
      throw e;
    }
    return new Checkpoint(dir, files, byName);
  }

  private static Map<String, String> readIndex(Path index) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(index));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + index + ": " + e.getMessage(), e);
    }
    JsonNode wm = root == null ? null : root.get("weight_map");
    if (wm == null || !wm.isObject()) {
      throw new IllegalArgumentException(index + " has no weight_map object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = wm.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String f = e.getValue().asText("");
      if (!e.getValue().isTextual() || f.isEmpty() || f.contains("/") || f.contains("\\") || f.startsWith(".")) {
        throw new IllegalArgumentException(
            index + ": shard file name '" + f + "' of '" + e.getKey() + "' must be a plain file name in the folder");
      }
      out.put(e.getKey(), f);
    }
    return out;
  }

  public Path dir() {
    return dir;
  }

  /** Every tensor name, in file order. */
  public Iterable<String> names() {
    return byName.keySet();
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  public SafeTensors.Entry entry(String name) {
    return file(name).entry(name);
  }

  /** A view of the tensor (owned by the caller or the current scope). */
  public Tensor tensor(String name) {
    return file(name).tensor(name);
  }

  private SafeTensors file(String name) {
    SafeTensors st = byName.get(name);
    if (st == null) {
      throw new IllegalArgumentException("tensor '" + name + "' is not in the checkpoint at " + dir);
    }
    return st;
  }

  /**
   * Copies every parameter of {@code module} from the checkpoint (by Hugging Face name),
   * converting dtypes (a BF16 checkpoint into F32 parameters, for example). Missing tensors and
   * shape mismatches are errors; tensors the module does not have are logged and skipped.
   */
  public void loadInto(Module module) {
    Map<String, Parameter> params = module.namedParameters();
    List<String> missing = new ArrayList<>();
    for (String name : params.keySet()) {
      if (!contains(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "checkpoint at " + dir + " lacks " + missing.size() + " tensor(s) the model needs, e.g. "
              + missing.subList(0, Math.min(5, missing.size())));
    }
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      SafeTensors.Entry entry = entry(e.getKey());
      Tensor dst = e.getValue().value();
      if (!Arrays.equals(entry.shape(), dst.shape())) {
        throw new IllegalArgumentException(
            "tensor '" + e.getKey() + "' has shape " + Arrays.toString(entry.shape()) + " in the checkpoint; the model"
                + " expects " + Arrays.toString(dst.shape()));
      }
      if (!entry.dtype().isFloatingPoint()) {
        throw new IllegalArgumentException("tensor '" + e.getKey() + "' is " + entry.dtype() + "; expected a float dtype");
      }
      try (Scope s = Scope.open()) {
        Kernels.convert(dst, tensor(e.getKey()), null);
      }
    }
    TreeSet<String> extra = new TreeSet<>(byName.keySet());
    extra.removeAll(params.keySet());
    if (!extra.isEmpty()) {
      LOG.warn("{} tensor(s) in {} are not used by the model, e.g. {}", extra.size(), dir,
          new ArrayList<>(extra).subList(0, Math.min(5, extra.size())));
    }
  }

  /**
   * Saves a module's parameters as {@code dtype} into {@code dir}: one {@code model.safetensors}
   * when it fits in {@code maxShardBytes}, else numbered shards plus the index. Atomic per file;
   * the index (or single file) is written last.
   */
  public static void save(Module module, Path dir, DType dtype, long maxShardBytes) {
    Map<String, Parameter> params = module.namedParameters();
    List<Map<String, Parameter>> shards = new ArrayList<>();
    Map<String, Parameter> cur = new LinkedHashMap<>();
    long curBytes = 0, total = 0;
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      long b = e.getValue().value().numel() * dtype.byteSize();
      if (!cur.isEmpty() && curBytes + b > maxShardBytes) {
        shards.add(cur);
        cur = new LinkedHashMap<>();
        curBytes = 0;
      }
      cur.put(e.getKey(), e.getValue());
      curBytes += b;
      total += b;
    }
    shards.add(cur);
    Map<String, String> meta = Map.of("format", "pt");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    if (shards.size() == 1) {
      writeShard(dir.resolve(SINGLE), shards.get(0), dtype, meta);
      return;
    }
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode wm = index.putObject("weight_map");
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      writeShard(dir.resolve(name), shards.get(i), dtype, meta);
      for (String t : shards.get(i).keySet()) {
        wm.put(t, name);
      }
    }
    try {
      AtomicFiles.writeString(dir.resolve(INDEX), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeShard(Path file, Map<String, Parameter> params, DType dtype, Map<String, String> meta) {
    try (Scope s = Scope.open()) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        Tensor v = e.getValue().value();
        out.put(e.getKey(), v.dtype() == dtype ? v : v.to(dtype));
      }
      SafeTensors.write(file, out, meta);
    }
  }

  @Override
  public void close() {
    files.forEach(SafeTensors::close);
  }
}

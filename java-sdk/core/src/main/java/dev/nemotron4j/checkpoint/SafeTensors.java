package dev.nemotron4j.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.io.AtomicFiles;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Device;
import dev.nemotron4j.tensor.Tensor;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One safetensors file, memory-mapped: the header is parsed and checked against the file (sizes,
 * offsets, overlaps, dtypes, shapes) when it is opened; tensors are views of the mapping (or
 * copies when the file misaligns them), never read onto the Java heap.
 *
 * <p>Format: an 8-byte little-endian header length N, N bytes of JSON {@code {name: {dtype,
 * shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}}, then the data; offsets are
 * relative to the end of the header.
 */
public final class SafeTensors implements AutoCloseable {
  /** The largest header accepted: anything bigger is a corrupt file, not a real checkpoint. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One tensor's place in the file. */
  public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    public long numel() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  private final Path file;
  private final Tensor mapping;
  private final long dataStart;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private SafeTensors(Path file, Tensor mapping, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
    this.file = file;
    this.mapping = mapping;
    this.dataStart = dataStart;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Maps and validates a safetensors file; throws {@link IllegalArgumentException} if malformed. */
  public static SafeTensors open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no safetensors file at " + file);
    }
    Tensor map = Tensor.mapFile(file).escape();
    try {
      long size = map.numel();
      if (size < 8) {
        throw bad(file, "file has " + size + " bytes; a safetensors file starts with an 8-byte header length");
      }
      long n = ByteBuffer.wrap(map.readBytes(0, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (n < 2 || n > size - 8) {
        throw bad(file, "header length " + Long.toUnsignedString(n) + " does not fit in the file of " + size + " bytes");
      }
      if (n > MAX_HEADER_BYTES) {
        throw bad(file, "header length " + n + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
      }
      byte[] header = map.readBytes(8, (int) n);
      long dataSize = size - 8 - n;
      Map<String, String> meta = new LinkedHashMap<>();
      Map<String, Entry> entries = parseHeader(file, header, dataSize, meta);
      return new SafeTensors(file, map, 8 + n, entries, meta);
    } catch (RuntimeException e) {
      map.close();
      throw e;
    }
  }

  private static IllegalArgumentException bad(Path file, String why) {
    return new IllegalArgumentException("malformed safetensors file " + file + ": " + why);
  }

  static Map<String, Entry> parseHeader(Path file, byte[] header, long dataSize, Map<String, String> meta) {
    JsonNode root;
    try {
      root = JSON.readTree(new String(header, StandardCharsets.UTF_8).strip());
    } catch (JsonProcessingException e) {
      throw bad(file, "header is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw bad(file, "header is not a JSON object");
    }
    List<Entry> list = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      String name = f.getKey();
      JsonNode v = f.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) {
          throw bad(file, "__metadata__ is not an object");
        }
        Iterator<Map.Entry<String, JsonNode>> m = v.fields();
        while (m.hasNext()) {
          Map.Entry<String, JsonNode> e = m.next();
          if (!e.getValue().isTextual()) {
            throw bad(file, "__metadata__ value of '" + e.getKey() + "' is not a string");
          }
          meta.put(e.getKey(), e.getValue().asText());
        }
        continue;
      }
      list.add(parseEntry(file, name, v, dataSize));
    }
    // no two tensors may share bytes
    List<Entry> sorted = new ArrayList<>(list);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    for (int i = 1; i < sorted.size(); i++) {
      Entry a = sorted.get(i - 1), b = sorted.get(i);
      if (b.begin() < a.end()) {
        throw bad(file, "tensors '" + a.name() + "' [" + a.begin() + ", " + a.end() + ") and '" + b.name() + "' ["
            + b.begin() + ", " + b.end() + ") overlap");
      }
    }
    Map<String, Entry> out = new LinkedHashMap<>();
    for (Entry e : list) {
      out.put(e.name(), e);
    }
    return out;
  }

  private static Entry parseEntry(Path file, String name, JsonNode v, long dataSize) {
    if (!v.isObject()) {
      throw bad(file, "entry '" + name + "' is not an object");
    }
    JsonNode dt = v.get("dtype"), shape = v.get("shape"), off = v.get("data_offsets");
    if (dt == null || !dt.isTextual()) {
      throw bad(file, "entry '" + name + "' has no dtype string");
    }
    DType dtype;
    try {
      dtype = DType.parse(dt.asText());
    } catch (IllegalArgumentException e) {
      throw bad(file, "entry '" + name + "': " + e.getMessage());
    }
    if (shape == null || !shape.isArray()) {
      throw bad(file, "entry '" + name + "' has no shape array");
    }
    if (shape.size() > 8) {
      throw bad(file, "entry '" + name + "' has " + shape.size() + " dimensions; at most 8 are supported");
    }
    long[] dims = new long[shape.size()];
    long bytes = dtype.byteSize();
    try {
      for (int i = 0; i < dims.length; i++) {
        JsonNode d = shape.get(i);
        if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
          throw bad(file, "entry '" + name + "' has a bad dimension " + d + " at " + i);
        }
        dims[i] = d.asLong();
        bytes = Math.multiplyExact(bytes, dims[i]);
      }
    } catch (ArithmeticException e) {
      throw bad(file, "entry '" + name + "' shape " + shape + " overflows");
    }
    if (off == null || !off.isArray() || off.size() != 2) {
      throw bad(file, "entry '" + name + "' has no data_offsets [begin, end]");
    }
    for (JsonNode o : off) {
      if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0) {
        throw bad(file, "entry '" + name + "' has a bad offset " + o);
      }
    }
    long begin = off.get(0).asLong(), end = off.get(1).asLong();
    if (end < begin || end > dataSize) {
      throw bad(file, "entry '" + name + "' offsets [" + begin + ", " + end + ") are outside the data of " + dataSize
          + " bytes");
    }
    if (end - begin != bytes) {
      throw bad(file, "entry '" + name + "' holds " + (end - begin) + " bytes but " + dtype + " " + Arrays.toString(dims)
          + " needs " + bytes);
    }
    return new Entry(name, dtype, dims, begin, end);
  }

  public Path file() {
    return file;
  }

  /** Tensors in file order. */
  public Map<String, Entry> entries() {
    return Collections.unmodifiableMap(entries);
  }

  public Map<String, String> metadata() {
    return Collections.unmodifiableMap(metadata);
  }

  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  public Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException("tensor '" + name + "' is not in " + file);
    }
    return e;
  }

  /**
   * The tensor called {@code name}: a view of the mapped file (copy-on-write), or a copy when the
   * file does not align it to its element size. The caller (or the current scope) owns it.
   */
  public Tensor tensor(String name) {
    Entry e = entry(name);
    long at = dataStart + e.begin();
    if (at % e.dtype().byteSize() == 0) {
      return mapping.viewAs(at, e.dtype(), e.shape());
    }
    Tensor t = Tensor.zeros(e.dtype(), e.shape());
    t.copyBytesFrom(0, mapping, at, e.end() - e.begin());
    return t;
  }

  @Override
  public void close() {
    mapping.close();
  }

  // ---------------------------------------------------------------- writer

  /**
   * Writes tensors (in name order, as Hugging Face does) with optional metadata, atomically.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
    TreeMap<String, Tensor> sorted = new TreeMap<>(tensors);
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode m = header.putObject("__metadata__");
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
      Tensor t = e.getValue();
      ObjectNode o = header.putObject(e.getKey());
      o.put("dtype", t.dtype().name());
      ArrayNode s = o.putArray("shape");
      for (long d : t.shape()) {
        s.add(d);
      }
      ArrayNode off = o.putArray("data_offsets");
      off.add(offset);
      offset += t.nbytes();
      off.add(offset);
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    int padded = (json.length + 7) / 8 * 8; // 8 + N is a multiple of 8
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    AtomicFiles.write(file, ch -> {
      AtomicFiles.writeFully(ch, head);
      for (Tensor t : sorted.values()) {
        if (t.device() == Device.CPU) {
          AtomicFiles.writeFully(ch, t.buffer());
        } else {
          try (Tensor h = t.to(Device.CPU)) {
            AtomicFiles.writeFully(ch, h.buffer());
          }
        }
      }
    });
  }
}

package dev.nemotron4j.sdg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.data.Jsonl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output of one SDG stage, resumable after a crash with no lost or duplicated records.
 * Records (JSON objects with a unique {@code "id"}) are appended to {@code <file>.partial} and
 * fsynced per batch; a torn last line is dropped on restart. When the stage finishes, the partial
 * file is renamed to {@code <file>} (atomic), and a finished stage is not run again.
 */
public final class JsonlStage implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Path partial;
  private final Map<String, ObjectNode> done = new LinkedHashMap<>();
  private FileChannel out;

  private JsonlStage(Path file) {
    this.file = file;
    this.partial = file.resolveSibling(file.getFileName() + ".partial");
  }

  /** Opens the stage's output: a finished file, or the records of an interrupted run to continue. */
  public static JsonlStage open(Path file) {
    JsonlStage s = new JsonlStage(file);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      if (Files.isRegularFile(file)) {
        for (Jsonl.Row r : Jsonl.readAll(file)) {
          s.done.put(id(r.json(), r), r.json());
        }
        return s;
      }
      if (Files.isRegularFile(s.partial)) {
        s.recoverPartial();
      }
      s.out = FileChannel.open(s.partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open stage output " + file, e);
    }
  }

  private static String id(ObjectNode o, Jsonl.Row r) {
    JsonNode id = o.get("id");
    if (id == null || !id.isTextual()) {
      throw r.error("record has no string \"id\"");
    }
    return id.asText();
  }

  /** Keeps the complete lines of an interrupted run; a torn last line (no newline) is cut off. */
  private void recoverPartial() throws IOException {
    byte[] bytes = Files.readAllBytes(partial);
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--;
    }
    if (end < bytes.length) {
      try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        ch.truncate(end);
        ch.force(true);
      }
    }
    String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
    long line = 0;
    for (String l : text.split("\n", -1)) {
      line++;
      if (l.isBlank()) {
        continue;
      }
      Jsonl.Row r = Jsonl.parseLine(partial.toString(), line, l);
      done.put(id(r.json(), r), r.json());
    }
  }

  /** True when the stage already finished (its final file exists). */
  public boolean finished() {
    return out == null;
  }

  public boolean has(String id) {
    return done.containsKey(id);
  }

  /** The inputs whose output is not written yet ({@code doneId} names the record that marks an input done). */
  public List<ObjectNode> pending(List<ObjectNode> inputs, java.util.function.Function<ObjectNode, String> doneId) {
    List<ObjectNode> out = new ArrayList<>();
    for (ObjectNode in : inputs) {
      if (!has(doneId.apply(in))) {
        out.add(in);
      }
    }
    return out;
  }

  public int size() {
    return done.size();
  }

  /** Appends records durably (one fsync for the batch); ids must be new. */
  public void append(List<ObjectNode> records) {
    if (out == null) {
      throw new IllegalStateException(file + " is already finished");
    }
    StringBuilder sb = new StringBuilder();
    for (ObjectNode r : records) {
      JsonNode id = r.get("id");
      if (id == null || !id.isTextual()) {
        throw new IllegalArgumentException("SDG record without a string id: " + r);
      }
      if (done.containsKey(id.asText())) {
        throw new IllegalArgumentException("duplicate record id '" + id.asText() + "' in " + file);
      }
      done.put(id.asText(), r);
      try {
        sb.append(JSON.writeValueAsString(r)).append('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    try {
      ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        out.write(buf);
      }
      out.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + partial, e);
    }
  }

  /** Publishes the stage's records as the final file (atomic rename). */
  public void finish() {
    if (out == null) {
      return;
    }
    try {
      out.force(true);
      out.close();
      out = null;
      try {
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish " + file, e);
    }
  }

  /** Every record so far, in write order. */
  public List<ObjectNode> records() {
    return new ArrayList<>(done.values());
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out = null;
    }
  }
}

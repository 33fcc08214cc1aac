package dev.nemotron4j.data;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * JSON Lines files: one JSON object per line, UTF-8. Blank lines are skipped; every other line
 * must be exactly one JSON object (no trailing content, no duplicate keys). Reading streams line
 * by line, so files of any size can be processed with {@link #forEach} or {@link #open}.
 *
 * <p>Every error about a line, including those the record parsers raise for its fields, is an
 * {@link IllegalArgumentException} whose message starts with {@code <file>:<line>: } (lines count
 * from 1, blank lines included).
 */
public final class Jsonl {
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private Jsonl() {}

  /** One line of a JSONL file: where it came from and its object. */
  public record Row(String source, long line, ObjectNode json) {
    public Row {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(json, "json");
    }

    /** An error about this row: its message is {@code <source>:<line>: <message>}. */
    public IllegalArgumentException error(String message) {
      return new IllegalArgumentException(where(source, line) + message);
    }
  }

  /** A value that knows its JSONL form (the record types of this package). */
  public interface Writable {
    /** This value as one JSONL row. */
    ObjectNode toJson();
  }

  static String where(String source, long line) {
    return source + ":" + line + ": ";
  }

  /**
   * Parses one line of text as a row. {@code source} and {@code line} only name the row in errors.
   *
   * @throws IllegalArgumentException when the text is not exactly one JSON object
   */
  public static Row parseLine(String source, long line, String text) {
    Objects.requireNonNull(text, "text");
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String col = at != null && at.getColumnNr() > 0 ? " at column " + at.getColumnNr() : "";
      throw new IllegalArgumentException(where(source, line) + "not valid JSON" + col + ": "
          + firstLine(e.getOriginalMessage()), e);
    }
    if (node == null || node.isMissingNode()) {
      throw new IllegalArgumentException(where(source, line) + "blank line, expected a JSON object");
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(where(source, line) + "expected a JSON object, got " + Fields.describe(node));
    }
    return new Row(source, line, (ObjectNode) node);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Opens {@code file} for streaming; close the reader when done (or iterate to the end, which
   * closes it).
   */
  public static Reader open(Path file) {
    Objects.requireNonNull(file, "file");
    return new Reader(file.toString(), new Utf8Lines(file));
  }

  /** Calls {@code action} on every row of {@code file}, in order, streaming. */
  public static void forEach(Path file, Consumer<? super Row> action) {
    Objects.requireNonNull(action, "action");
    try (Reader r = open(file)) {
      while (r.hasNext()) {
        action.accept(r.next());
      }
    }
  }

  /** Parses every row of {@code file} with {@code parser} and passes the results to {@code action}, streaming. */
  public static <T> void forEach(Path file, Function<? super Row, ? extends T> parser, Consumer<? super T> action) {
    Objects.requireNonNull(parser, "parser");
    Objects.requireNonNull(action, "action");
    forEach(file, row -> action.accept(parser.apply(row)));
  }

  /** All rows of {@code file}. */
  public static List<Row> readAll(Path file) {
    List<Row> out = new ArrayList<>();
    forEach(file, out::add);
    return out;
  }

  /** All rows of {@code file}, parsed with {@code parser} (e.g. {@code ChatExample::parse}). */
  public static <T> List<T> readAll(Path file, Function<? super Row, ? extends T> parser) {
    List<T> out = new ArrayList<>();
    forEach(file, parser, out::add);
    return out;
  }

  /**
   * Writes {@code rows} to {@code file} atomically (see {@link AtomicFiles}), one object per line.
   * Each element is a {@link JsonNode} object, a {@link Writable} (the records of this package), a
   * {@link Row}, or any value Jackson maps to a JSON object (a Java record, a map).
   */
  public static void write(Path file, Iterable<?> rows) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(rows, "rows");
    AtomicFiles.write(file, ch -> {
      // not closed: that would close the channel before AtomicFiles syncs it
      Writer w = new BufferedWriter(Channels.newWriter(ch, StandardCharsets.UTF_8), 1 << 16);
      long i = 0;
      for (Object row : rows) {
        JsonNode node = toNode(row, i);
        if (!node.isObject()) {
          throw new IllegalArgumentException("cannot write " + file + ": row " + i + " is "
              + Fields.describe(node) + ", expected a JSON object");
        }
        w.write(MAPPER.writeValueAsString(node));
        w.write('\n');
        i++;
      }
      w.flush();
    });
  }

  private static JsonNode toNode(Object row, long i) {
    if (row == null) {
      throw new IllegalArgumentException("row " + i + " is null, expected a JSON object");
    }
    if (row instanceof JsonNode n) {
      return n;
    }
    if (row instanceof Writable w) {
      return w.toJson();
    }
    if (row instanceof Row r) {
      return r.json();
    }
    try {
      return MAPPER.valueToTree(row);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("row " + i + " (a " + row.getClass().getName()
          + ") cannot be written as JSON: " + e.getMessage(), e);
    }
  }

  /** A streaming reader of rows; not thread-safe. */
  public static final class Reader implements Iterator<Row>, Closeable {
    private final String source;
    private final Utf8Lines in;
    private Row next;
    private boolean closed;

    Reader(String source, Utf8Lines in) {
      this.source = source;
      this.in = in;
    }

    /** The number of the last line read (0 before the first). */
    public long line() {
      return in.line();
    }

    @Override
    public boolean hasNext() {
      while (next == null && !closed) {
        String text;
        try {
          text = in.next();
        } catch (RuntimeException e) {
          close();
          throw e;
        }
        if (text == null) {
          close();
          break;
        }
        if (!text.isBlank()) {
          next = parseLine(source, in.line(), text);
        }
      }
      return next != null;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException("no more rows in " + source);
      }
      Row r = next;
      next = null;
      return r;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        in.close();
      }
    }
  }
}

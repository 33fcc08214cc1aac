package dev.nemotron4j.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A pretraining document. In JSONL a row is {@code {"text": "..."}}; any other file is plain text
 * (UTF-8) in which documents are separated by one or more blank lines (lines empty or made of
 * whitespace only), each document being its lines joined with {@code "\n"}.
 */
public record TextExample(String text) implements Jsonl.Writable {
  public TextExample {
    Objects.requireNonNull(text, "text");
  }

  /** A row {@code {"text": string}}; other fields are ignored. */
  public static TextExample parse(Jsonl.Row row) {
    return new TextExample(Fields.string(row, "text"));
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("text", text);
    return o;
  }

  /** Whether {@code file} is read as JSONL: its name ends with {@code .jsonl} (any case). */
  public static boolean isJsonl(Path file) {
    Path name = file.getFileName();
    return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".jsonl");
  }

  /** Passes the documents of {@code file} (JSONL or plain text, see the class comment) to {@code action}, streaming. */
  public static void forEach(Path file, Consumer<? super TextExample> action) {
    Objects.requireNonNull(action, "action");
    if (isJsonl(file)) {
      Jsonl.forEach(file, TextExample::parse, action);
    } else {
      forEachPlain(file, action);
    }
  }

  /** All documents of {@code file}. */
  public static List<TextExample> read(Path file) {
    List<TextExample> out = new ArrayList<>();
    forEach(file, out::add);
    return out;
  }

  private static void forEachPlain(Path file, Consumer<? super TextExample> action) {
    try (Utf8Lines in = new Utf8Lines(file)) {
      StringBuilder doc = new StringBuilder();
      boolean open = false;
      for (String s = in.next(); s != null; s = in.next()) {
        if (s.isBlank()) {
          if (open) {
            action.accept(new TextExample(doc.toString()));
            doc.setLength(0);
            open = false;
          }
        } else {
          if (open) {
            doc.append('\n');
          }
          doc.append(s);
          open = true;
        }
      }
      if (open) {
        action.accept(new TextExample(doc.toString()));
      }
    }
  }
}

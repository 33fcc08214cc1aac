package dev.nemotron4j.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlTest {
  @TempDir Path dir;

  private Path file(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private IllegalArgumentException readError(Path p) {
    return assertThrows(IllegalArgumentException.class, () -> Jsonl.readAll(p));
  }

  @Test
  void readsObjectsSkippingBlankLinesAndCountingThem() throws IOException {
    Path p = file("a.jsonl", "\uFEFF{\"a\": 1}\n\n   \r\n{\"a\": 2}\r\n{\"a\": 3}");
    List<Jsonl.Row> rows = Jsonl.readAll(p);
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0).json().get("a").asInt()).isEqualTo(1);
    assertThat(rows.stream().map(Jsonl.Row::line).toList()).containsExactly(1L, 4L, 5L).inOrder();
    assertThat(rows.get(2).source()).isEqualTo(p.toString());
  }

  @Test
  void streamsWithAReader() throws IOException {
    Path p = file("a.jsonl", "{\"a\": 1}\n{\"a\": 2}\nnot json\n");
    List<Integer> seen = new ArrayList<>();
    try (Jsonl.Reader r = Jsonl.open(p)) {
      seen.add(r.next().json().get("a").asInt());
      assertThat(r.line()).isEqualTo(1);
      seen.add(r.next().json().get("a").asInt());
      // the bad line is reached only when asked for
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::hasNext);
      assertThat(e).hasMessageThat().startsWith(p + ":3: ");
    }
    assertThat(seen).containsExactly(1, 2).inOrder();
  }

  @Test
  void forEachParsesAndStopsAtTheFirstBadRow() throws IOException {
    Path p = file("t.jsonl", "{\"text\": \"one\"}\n{\"text\": \"two\"}\n{\"text\": 3}\n{\"text\": \"four\"}\n");
    List<String> seen = new ArrayList<>();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Jsonl.forEach(p, TextExample::parse, x -> seen.add(x.text())));
    assertThat(seen).containsExactly("one", "two").inOrder();
    assertThat(e).hasMessageThat().isEqualTo(p + ":3: field \"text\" is the number 3, expected a string");
  }

  @Test
  void malformedLinesNameFileLineAndProblem() throws IOException {
    Map<String, String> cases = Map.of(
        "{\"a\": 1}\n{\"a\": }\n", ":2: not valid JSON at column",
        "{\"a\": 1}\n[1, 2]\n", ":2: expected a JSON object, got an array",
        "\"text\"\n", ":1: expected a JSON object, got a string (\"text\")",
        "{\"a\": 1}\n\n42\n", ":3: expected a JSON object, got the number 42",
        "{\"a\": 1} {\"b\": 2}\n", ":1: not valid JSON",
        "{\"a\": 1, \"a\": 2}\n", ":1: not valid JSON",
        "{\"a\": NaN}\n", ":1: not valid JSON",
        "{\"a\": \"unterminated}\n", ":1: not valid JSON");
    int i = 0;
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path p = file("bad" + i++ + ".jsonl", c.getKey());
      IllegalArgumentException e = readError(p);
      assertThat(e).hasMessageThat().startsWith(p + c.getValue());
    }
    // the duplicate key is named
    assertThat(readError(file("dup.jsonl", "{\"a\": 1, \"a\": 2}\n"))).hasMessageThat().contains("'a'");
  }

  @Test
  void invalidUtf8NamesTheLine() throws IOException {
    Path p = dir.resolve("bad.jsonl");
    byte[] good = "{\"a\": 1}\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
    byte[] all = new byte[good.length + bad.length];
    System.arraycopy(good, 0, all, 0, good.length);
    System.arraycopy(bad, 0, all, good.length, bad.length);
    Files.write(p, all);
    assertThat(readError(p)).hasMessageThat()
        .isEqualTo(p + ":2: not valid UTF-8: 1 bad byte(s) at byte 7 of the line");
    // plain text too
    Path txt = dir.resolve("bad.txt");
    Files.write(txt, all);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextExample.read(txt));
    assertThat(e).hasMessageThat().startsWith(txt + ":2: not valid UTF-8");
  }

  @Test
  void parseLineNamesTheSource() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Jsonl.parseLine("http://gen", 7, "[]"));
    assertThat(e).hasMessageThat().isEqualTo("http://gen:7: expected a JSON object, got an array");
    assertThat(Jsonl.parseLine("x", 1, "{\"k\": \"v\"}").json().get("k").asText()).isEqualTo("v");
  }

  @Test
  void writesAtomicallyAndReadsBack() throws IOException {
    Path p = dir.resolve("sub").resolve("out.jsonl");
    ObjectNode raw = Jsonl.MAPPER.createObjectNode().put("note", "line\nbreak \u2028 and \"quotes\" é 🙂");
    record Plain(String name, int n) {}
    List<Object> rows = List.of(new TextExample("hello\n\nworld"), raw, new Plain("x", 3),
        ChatExample.of("Hi", "Hello"));
    Jsonl.write(p, rows);
    List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(4);
    List<Jsonl.Row> back = Jsonl.readAll(p);
    assertThat(TextExample.parse(back.get(0))).isEqualTo(new TextExample("hello\n\nworld"));
    assertThat(back.get(1).json()).isEqualTo(raw);
    assertThat(back.get(2).json().get("name").asText()).isEqualTo("x");
    assertThat(back.get(2).json().get("n").asInt()).isEqualTo(3);
    assertThat(ChatExample.parse(back.get(3))).isEqualTo(ChatExample.of("Hi", "Hello"));
    // no temporary file is left behind
    try (Stream<Path> s = Files.list(p.getParent())) {
      assertThat(s.map(x -> x.getFileName().toString()).toList()).containsExactly("out.jsonl");
    }
  }

  @Test
  void writeRejectsNonObjectsAndKeepsTheOldFile() throws IOException {
    Path p = file("keep.jsonl", "{\"old\": true}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Jsonl.write(p, List.of(new TextExample("a"), Jsonl.MAPPER.createArrayNode())));
    assertThat(e).hasMessageThat().contains("row 1 is an array, expected a JSON object");
    assertThat(Files.readString(p)).isEqualTo("{\"old\": true}\n");
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(x -> x.getFileName().toString()).toList()).containsExactly("keep.jsonl");
    }
  }
}

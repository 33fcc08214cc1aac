package dev.nemotron4j.sdg;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlStageTest {
  @TempDir Path dir;

  private static ObjectNode rec(String id) {
    return JsonNodeFactory.instance.objectNode().put("id", id).put("text", "t-" + id);
  }

  @Test
  void appendsDurablyAndPublishesOnFinish() throws Exception {
    Path f = dir.resolve("out.jsonl");
    try (JsonlStage s = JsonlStage.open(f)) {
      assertThat(s.finished()).isFalse();
      s.append(List.of(rec("a"), rec("b")));
      assertThat(Files.exists(f)).isFalse();
      assertThat(Files.readString(dir.resolve("out.jsonl.partial"))).contains("\"id\":\"b\"");
      s.finish();
    }
    assertThat(Files.exists(dir.resolve("out.jsonl.partial"))).isFalse();
    try (JsonlStage s = JsonlStage.open(f)) {
      assertThat(s.finished()).isTrue();
      assertThat(s.records()).hasSize(2);
      assertThrows(IllegalStateException.class, () -> s.append(List.of(rec("c"))));
    }
  }

  @Test
  void aTornLastLineIsDroppedAndTheRunContinues() throws Exception {
    Path f = dir.resolve("out.jsonl");
    try (JsonlStage s = JsonlStage.open(f)) {
      s.append(List.of(rec("a"), rec("b")));
    }
    // a crash in the middle of writing the next batch
    Files.writeString(dir.resolve("out.jsonl.partial"), "{\"id\":\"c\",\"te", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    try (JsonlStage s = JsonlStage.open(f)) {
      assertThat(s.size()).isEqualTo(2);
      assertThat(s.has("b")).isTrue();
      assertThat(s.has("c")).isFalse();
      s.append(List.of(rec("c")));
      s.finish();
    }
    List<String> lines = Files.readAllLines(f);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(2)).contains("\"id\":\"c\"");
  }

  @Test
  void duplicateOrMissingIdsAreErrors() {
    try (JsonlStage s = JsonlStage.open(dir.resolve("x.jsonl"))) {
      s.append(List.of(rec("a")));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.append(List.of(rec("a"))));
      assertThat(e).hasMessageThat().contains("duplicate record id 'a'");
      e = assertThrows(IllegalArgumentException.class,
          () -> s.append(List.of(JsonNodeFactory.instance.objectNode().put("text", "no id"))));
      assertThat(e).hasMessageThat().contains("without a string id");
    }
  }

  @Test
  void aMalformedCompleteLineIsReportedWithItsPlace() throws Exception {
    Files.writeString(dir.resolve("y.jsonl.partial"), "{\"id\":\"a\"}\nnot json\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonlStage.open(dir.resolve("y.jsonl")));
    assertThat(e).hasMessageThat().contains("y.jsonl.partial");
    assertThat(e).hasMessageThat().contains("2");
  }
}

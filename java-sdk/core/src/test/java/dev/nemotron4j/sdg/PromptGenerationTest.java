package dev.nemotron4j.sdg;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptGenerationTest {
  @TempDir Path dir;

  private static String quoted(String s) {
    Matcher m = Pattern.compile("\"([^\"]+)\"").matcher(s);
    return m.find() ? m.group(1) : "?";
  }

  /** A model that lists two topics, two subtopics per topic, two questions per subtopic. */
  static FakeBackend lister() {
    return new FakeBackend((user, k) -> {
      if (user.contains("different topics")) {
        return "1. alpha\n2. beta";
      }
      if (user.contains("subtopics")) {
        String t = quoted(user);
        return "- " + t + " one\n- " + t + " two";
      }
      if (user.contains("questions someone could ask")) {
        String s = quoted(user);
        return "What is " + s + "?\nWhy is " + s + "?";
      }
      if (user.contains("writing task")) {
        return "Write a poem about " + quoted(user) + ".";
      }
      if (user.startsWith("Here is a document:")) {
        return "What colour is the " + user.split("\n")[1].split(" ")[1] + "?";
      }
      if (user.contains("coding problem")) {
        return "Write a function that sorts " + quoted(user) + ".";
      }
      if (user.contains("math problem")) {
        return "How much is " + quoted(user) + " times two?";
      }
      if (user.startsWith("You play the user")) {
        return "And why is that?";
      }
      return "Because.";
    });
  }

  private static List<String> texts(List<ObjectNode> prompts) {
    List<String> out = new ArrayList<>();
    prompts.forEach(p -> out.add(SdgRecords.lastUser(p)));
    return out;
  }

  @Test
  void topicsSubtopicsQuestionsWithProvenance() {
    List<ObjectNode> qs = new PromptGeneration(lister(), 7, 2, false).openQa(dir, 2, 2, 2);
    assertThat(texts(qs)).containsExactly("What is alpha one?", "Why is alpha one?", "What is alpha two?",
        "Why is alpha two?", "What is beta one?", "Why is beta one?", "What is beta two?", "Why is beta two?").inOrder();
    for (ObjectNode q : qs) {
      assertThat(q.get("category").asText()).isEqualTo("open-qa");
      assertThat(q.get("provenance").get("generator").asText()).isEqualTo("fake");
      assertThat(q.get("provenance").get("template").asText()).isEqualTo(Templates.QUESTIONS.id());
      assertThat(q.get("provenance").get("seed").asLong()).isEqualTo(7);
    }
    assertThat(Files.exists(dir.resolve("topics.jsonl"))).isTrue();
    assertThat(Files.exists(dir.resolve("subtopics.jsonl"))).isTrue();
    assertThat(Files.exists(dir.resolve("questions.jsonl"))).isTrue();
  }

  @Test
  void aCrashedRunContinuesWithoutLostOrDuplicatedRecords() throws Exception {
    Path clean = dir.resolve("clean");
    List<ObjectNode> expected = new PromptGeneration(lister(), 7, 1, false).openQa(clean, 2, 2, 2);

    Path crashed = dir.resolve("crashed");
    FakeBackend first = lister();
    first.failAfterCalls = 1 + 2 + 2; // topics, both subtopic calls, then two of the four question calls
    assertThrows(IllegalStateException.class, () -> new PromptGeneration(first, 7, 1, false).openQa(crashed, 2, 2, 2));
    assertThat(Files.exists(crashed.resolve("questions.jsonl.partial"))).isTrue();
    assertThat(Files.exists(crashed.resolve("questions.jsonl"))).isFalse();

    FakeBackend second = lister();
    List<ObjectNode> resumed = new PromptGeneration(second, 7, 1, false).openQa(crashed, 2, 2, 2);
    assertThat(second.calls).isEqualTo(2); // only the two question calls that were missing
    assertThat(texts(resumed)).containsExactlyElementsIn(texts(expected));
    assertThat(resumed).hasSize(expected.size());

    // a finished stage is not run again
    FakeBackend third = lister();
    new PromptGeneration(third, 7, 1, false).openQa(crashed, 2, 2, 2);
    assertThat(third.calls).isEqualTo(0);
  }

  @Test
  void writingClosedQaAndCodeTasks() {
    PromptGeneration pg = new PromptGeneration(lister(), 3, 2, false);
    ObjectNode topic = SdgRecords.F.objectNode().put("id", "t1").put("text", "the sea");
    ObjectNode doc = SdgRecords.F.objectNode().put("id", "d1").put("text", "The sky is blue and the grass is green.");
    ObjectNode kw = SdgRecords.F.objectNode().put("id", "k1").put("text", "lists");
    List<ObjectNode> w = pg.writing(dir.resolve("writing.jsonl"), List.of(topic));
    assertThat(texts(w)).containsExactly("Write a poem about the sea.");
    assertThat(w.get(0).get("provenance").get("template").asText()).isEqualTo(Templates.WRITING.id());
    List<ObjectNode> c = pg.closedQa(dir.resolve("closed.jsonl"), List.of(doc));
    assertThat(texts(c)).containsExactly("The sky is blue and the grass is green.\n\nWhat colour is the sky?");
    assertThat(c.get(0).get("document").asText()).isEqualTo("d1");
    assertThat(c.get(0).get("category").asText()).isEqualTo("closed-qa");
    List<ObjectNode> code = pg.code(dir.resolve("code.jsonl"), List.of(kw));
    assertThat(texts(code)).containsExactly("Write a function that sorts lists.");
    assertThat(code.get(0).get("category").asText()).isEqualTo("code");
  }

  @Test
  void mathTwoTurnAndInstructions() {
    PromptGeneration pg = new PromptGeneration(lister(), 3, 4, false);
    List<ObjectNode> kw = List.of(SdgRecords.F.objectNode().put("id", "k1").put("text", "apples"));
    List<ObjectNode> math = pg.math(dir.resolve("math.jsonl"), kw);
    assertThat(texts(math)).containsExactly("How much is apples times two?");
    assertThat(math.get(0).get("category").asText()).isEqualTo("math");

    List<ObjectNode> two = pg.twoTurn(dir.resolve("two.jsonl"), math);
    assertThat(two).hasSize(1);
    var m = SdgRecords.messages(two.get(0));
    assertThat(m).hasSize(3);
    assertThat(m.get(1).content()).isEqualTo("Because.");
    assertThat(m.get(2).content()).isEqualTo("And why is that?");
    assertThat(two.get(0).get("first_turn").asText()).isEqualTo(math.get(0).get("id").asText());

    var ins = InstructionAugmentation.augment(math, r -> {
      var a = SdgRecords.F.arrayNode();
      a.addObject().put("id", "punctuation:no_comma").putObject("kwargs");
      return a;
    }, 5, 3);
    assertThat(ins).hasSize(1); // the same instructions three times are kept once
    assertThat(SdgRecords.lastUser(ins.get(0))).startsWith("How much is apples times two?\n\n");
    assertThat(Judges.instructionsOf(ins.get(0))).hasSize(1);
    assertThat(ins.get(0).get("id").asText()).isNotEqualTo(math.get(0).get("id").asText());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InstructionAugmentation.augment(math, r -> {
      var a = SdgRecords.F.arrayNode();
      a.addObject().put("id", "change_case:english_capital");
      a.addObject().put("id", "change_case:english_lowercase");
      return a;
    }, 5, 1));
    assertThat(e).hasMessageThat().contains("conflicting instructions");
  }
}

package dev.nemotron4j.sdg.checkers;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InstructionsTest {
  static final String PROMPT = "Write a short story about a lighthouse keeper.";

  private static IllegalArgumentException fails(String id, String kwargs) {
    return assertThrows(IllegalArgumentException.class, () -> Make.of(id, kwargs));
  }

  // ---------------------------------------------------------------- registry

  @Test
  void supportsTwentyFourKinds() {
    assertThat(Instructions.ids()).hasSize(24);
    assertThat(Instructions.ids()).containsNoDuplicates();
    assertThat(Instructions.ids()).contains("detectable_format:json_format");
    assertThat(Instructions.ids()).doesNotContain("language:response_language");
  }

  @Test
  void everyKindHasItsIdAndADescription() {
    for (String id : Instructions.ids()) {
      Instruction i = Instructions.sample(id, new SplittableRandom(1), PROMPT);
      assertThat(i.id()).isEqualTo(id);
      assertThat(i.description()).isNotEmpty();
    }
  }

  @Test
  void unknownIdIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.create("keywords:nonsense"));
    assertThat(e).hasMessageThat().contains("'keywords:nonsense'");
    assertThat(e).hasMessageThat().contains("punctuation:no_comma");
    e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.create("language:response_language", Make.json("{\"language\": \"en\"}")));
    assertThat(e).hasMessageThat().contains("not supported");
  }

  @Test
  void missingKwargIsNamed() {
    IllegalArgumentException e = fails("length_constraints:number_words", "{\"num_words\": 10}");
    assertThat(e).hasMessageThat().contains("length_constraints:number_words");
    assertThat(e).hasMessageThat().contains("'relation'");
    e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.create("detectable_content:postscript"));
    assertThat(e).hasMessageThat().contains("'postscript_marker'");
  }

  @Test
  void badKwargValuesAreNamedWithWhatWasExpected() {
    IllegalArgumentException e = fails("length_constraints:number_words",
        "{\"num_words\": \"ten\", \"relation\": \"at least\"}");
    assertThat(e).hasMessageThat().contains("'num_words'");
    assertThat(e).hasMessageThat().contains("\"ten\"");
    assertThat(e).hasMessageThat().contains("integer");

    e = fails("length_constraints:number_words", "{\"num_words\": 10, \"relation\": \"more than\"}");
    assertThat(e).hasMessageThat().contains("\"more than\"");
    assertThat(e).hasMessageThat().contains("\"less than\" or \"at least\"");

    e = fails("detectable_content:number_placeholders", "{\"num_placeholders\": -1}");
    assertThat(e).hasMessageThat().contains("-1");
    e = fails("detectable_content:number_placeholders", "{\"num_placeholders\": 2.5}");
    assertThat(e).hasMessageThat().contains("2.5");
    e = fails("keywords:existence", "{\"keywords\": []}");
    assertThat(e).hasMessageThat().contains("non-empty array");
    e = fails("keywords:existence", "{\"keywords\": [\"ok\", \" \"]}");
    assertThat(e).hasMessageThat().contains("'keywords'");
    e = fails("keywords:letter_frequency",
        "{\"letter\": \"ab\", \"let_frequency\": 2, \"let_relation\": \"at least\"}");
    assertThat(e).hasMessageThat().contains("\"ab\"");
    e = fails("length_constraints:nth_paragraph_first_word",
        "{\"num_paragraphs\": 2, \"nth_paragraph\": 3, \"first_word\": \"so\"}");
    assertThat(e).hasMessageThat().contains("'nth_paragraph'");
    assertThat(e).hasMessageThat().contains("[1, 2]");
    e = fails("length_constraints:nth_paragraph_first_word",
        "{\"num_paragraphs\": 2, \"nth_paragraph\": 1, \"first_word\": \"two words\"}");
    assertThat(e).hasMessageThat().contains("\"two words\"");
  }

  @Test
  void unknownKwargsAreNamedButNullsAreIgnored() {
    IllegalArgumentException e = fails("punctuation:no_comma", "{\"num_words\": 3}");
    assertThat(e).hasMessageThat().contains("[num_words]");
    assertThat(e).hasMessageThat().contains("no kwargs");
    e = fails("length_constraints:number_words",
        "{\"num_words\": 3, \"relation\": \"at least\", \"extra\": 1}");
    assertThat(e).hasMessageThat().contains("[extra]");
    assertThat(e).hasMessageThat().contains("[num_words, relation]");
    // IFEval's published rows carry every key, with nulls for the unused ones.
    Instruction i = Make.of("length_constraints:number_words",
        "{\"num_words\": 3, \"relation\": \"at least\", \"keywords\": null, \"letter\": null}");
    assertThat(i.kwargs()).isEqualTo(
        Make.json("{\"num_words\": 3, \"relation\": \"at least\"}"));
  }

  @Test
  void kwargsMustBeAnObject() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.create("punctuation:no_comma", Make.json("[1]")));
    assertThat(e).hasMessageThat().contains("JSON object");
    assertThat(Instructions.create("punctuation:no_comma", Make.json("{}")))
        .isEqualTo(Instructions.create("punctuation:no_comma"));
  }

  @Test
  void kwargsRecreateTheSameInstruction() {
    SplittableRandom random = new SplittableRandom(7);
    for (String id : Instructions.ids()) {
      Instruction i = Instructions.sample(id, random, PROMPT);
      assertThat(Instructions.create(id, i.kwargs())).isEqualTo(i);
    }
  }

  @Test
  void kwargsAreAFreshCopy() {
    Instruction i = Make.of("keywords:existence", "{\"keywords\": [\"sun\"]}");
    i.kwargs().putArray("keywords").add("moon");
    assertThat(i.check("the sun")).isTrue();
    assertThat(i.kwargs().get("keywords").size()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- sampling

  @Test
  void sameSeedGivesTheSameInstruction() {
    for (String id : Instructions.ids()) {
      Instruction a = Instructions.sample(id, new SplittableRandom(42), PROMPT);
      Instruction b = Instructions.sample(id, new SplittableRandom(42), PROMPT);
      assertThat(a).isEqualTo(b);
      assertThat(a.description()).isEqualTo(b.description());
    }
  }

  @Test
  void samplesVaryWithTheSeedWithinIfEvalRanges() {
    Set<Instruction> seen = new HashSet<>();
    for (int seed = 0; seed < 50; seed++) {
      Instruction i = Instructions.sample("length_constraints:number_words",
          new SplittableRandom(seed), null);
      int n = i.kwargs().get("num_words").intValue();
      assertThat(n).isAtLeast(100);
      assertThat(n).isAtMost(500);
      seen.add(i);
      Instruction k = Instructions.sample("keywords:existence", new SplittableRandom(seed), null);
      JsonNode words = k.kwargs().get("keywords");
      assertThat(words.size()).isEqualTo(2);
      assertThat(words.get(0)).isNotEqualTo(words.get(1));
    }
    assertThat(seen.size()).isGreaterThan(10);
  }

  @Test
  void repeatPromptSamplingNeedsThePrompt() {
    Instruction i = Instructions.sample("combination:repeat_prompt", new SplittableRandom(1), PROMPT);
    assertThat(i.kwargs().get("prompt_to_repeat").textValue()).isEqualTo(PROMPT);
    assertThat(i.check(PROMPT + "\nOnce upon a time...")).isTrue();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.sample("combination:repeat_prompt", new SplittableRandom(1), null));
    assertThat(e).hasMessageThat().contains("combination:repeat_prompt");
    assertThrows(IllegalArgumentException.class,
        () -> Instructions.sample("bogus:id", new SplittableRandom(1), null));
  }

  @Test
  void sampledSetsAreDeterministicCompatibleAndDistinct() {
    for (int seed = 0; seed < 200; seed++) {
      int count = 1 + seed % 5;
      List<Instruction> a = Instructions.sampleCompatible(count, new SplittableRandom(seed), PROMPT);
      List<Instruction> b = Instructions.sampleCompatible(count, new SplittableRandom(seed), PROMPT);
      assertThat(a).isEqualTo(b);
      assertThat(a).hasSize(count);
      assertThat(Instructions.compatible(a)).isTrue();
      List<String> ids = new ArrayList<>();
      a.forEach(i -> ids.add(i.id()));
      assertThat(ids).containsNoDuplicates();
    }
  }

  @Test
  void sampledSetsWithoutAPromptLeaveOutRepeatPrompt() {
    for (int seed = 0; seed < 100; seed++) {
      for (Instruction i : Instructions.sampleCompatible(3, new SplittableRandom(seed), null)) {
        assertThat(i.id()).isNotEqualTo("combination:repeat_prompt");
      }
    }
  }

  @Test
  void sampledSetsCanBeRestrictedToKinds() {
    List<String> kinds = List.of("punctuation:no_comma", "detectable_format:title",
        "change_case:english_lowercase", "change_case:english_capital");
    for (int seed = 0; seed < 30; seed++) {
      List<Instruction> set = Instructions.sampleCompatible(3, kinds, new SplittableRandom(seed), null);
      Set<String> ids = new HashSet<>();
      set.forEach(i -> ids.add(i.id()));
      // Lowercase and capital conflict, so the set has no_comma, title and one of them.
      assertThat(ids).containsAtLeast("punctuation:no_comma", "detectable_format:title");
    }
    // Only two of these can go together.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.sampleCompatible(2,
            List.of("change_case:english_lowercase", "change_case:english_capital"),
            new SplittableRandom(1), null));
    assertThat(e).hasMessageThat().contains("compatible");
    e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.sampleCompatible(0, new SplittableRandom(1), null));
    assertThat(e).hasMessageThat().contains("got 0");
  }

  // ---------------------------------------------------------------- conflicts

  @Test
  void conflictsAreSymmetricAndReflexive() {
    for (String a : Instructions.ids()) {
      assertThat(Instructions.conflicts(a, a)).isTrue();
      for (String b : Instructions.ids()) {
        assertThat(Instructions.conflicts(a, b)).isEqualTo(Instructions.conflicts(b, a));
      }
    }
  }

  @Test
  void conflictTableFollowsIfEval() {
    assertThat(Instructions.conflicts("change_case:english_capital", "change_case:english_lowercase"))
        .isTrue();
    assertThat(Instructions.conflicts("detectable_format:json_format",
        "length_constraints:number_words")).isTrue();
    assertThat(Instructions.conflicts("detectable_format:json_format", "keywords:existence"))
        .isFalse();
    assertThat(Instructions.conflicts("combination:two_responses", "punctuation:no_comma"))
        .isFalse();
    assertThat(Instructions.conflicts("startend:quotation", "detectable_format:title")).isTrue();
    assertThat(Instructions.conflicts("punctuation:no_comma", "detectable_format:title")).isFalse();
    for (String id : Instructions.ids()) {
      assertThat(Instructions.conflicts("detectable_format:constrained_response", id)).isTrue();
    }
    assertThrows(IllegalArgumentException.class,
        () -> Instructions.conflicts("punctuation:no_comma", "bogus"));
  }

  @Test
  void parametersCanConflict() {
    Instruction forbidRiver = Make.of("keywords:forbidden_words",
        "{\"forbidden_words\": [\"river\"]}");
    Instruction needRiver = Make.of("keywords:existence", "{\"keywords\": [\"River\", \"sky\"]}");
    Instruction needSky = Make.of("keywords:existence", "{\"keywords\": [\"sky\"]}");
    assertThat(Instructions.conflicts(forbidRiver, needRiver)).isTrue();
    assertThat(Instructions.conflicts(needRiver, forbidRiver)).isTrue();
    assertThat(Instructions.conflicts(forbidRiver, needSky)).isFalse();

    Instruction upperSections = Make.of("detectable_format:multiple_sections",
        "{\"section_spliter\": \"SECTION\", \"num_sections\": 2}");
    Instruction mixedSections = Make.of("detectable_format:multiple_sections",
        "{\"section_spliter\": \"Section\", \"num_sections\": 2}");
    Instruction lower = Make.of("change_case:english_lowercase");
    Instruction capital = Make.of("change_case:english_capital");
    assertThat(Instructions.conflicts(upperSections, lower)).isTrue();
    assertThat(Instructions.conflicts(upperSections, capital)).isFalse();
    assertThat(Instructions.conflicts(mixedSections, capital)).isTrue();
    assertThat(Instructions.compatible(List.of(upperSections, capital, needSky))).isTrue();
    assertThat(Instructions.compatible(List.of(forbidRiver, needSky, needRiver))).isFalse();
  }

  // ---------------------------------------------------------------- JSON and prompts

  @Test
  void instructionListsRoundTripThroughJson() {
    List<Instruction> list = List.of(
        Make.of("punctuation:no_comma"),
        Make.of("length_constraints:number_words", "{\"num_words\": 50, \"relation\": \"less than\"}"),
        Make.of("keywords:existence", "{\"keywords\": [\"moon\", \"tide\"]}"),
        Make.of("combination:repeat_prompt", "{\"prompt_to_repeat\": \"Say \\\"hi\\\".\"}"));
    String json = Instructions.toJsonString(list);
    assertThat(json).startsWith("{\"instructions\":[{\"id\":\"punctuation:no_comma\",\"kwargs\":{}}");
    assertThat(Instructions.listFromJson(json)).isEqualTo(list);
    assertThat(Instructions.listFromJson(Instructions.toJson(list))).isEqualTo(list);
    // A record with other fields reads the same.
    JsonNode record = Make.json("{\"prompt\": \"p\", \"instructions\": [{\"id\": "
        + "\"detectable_format:title\"}]}");
    assertThat(Instructions.listFromJson(record)).containsExactly(Make.of("detectable_format:title"));
  }

  @Test
  void jsonErrorsNameThePlace() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.listFromJson("{\"prompt\": \"p\"}"));
    assertThat(e).hasMessageThat().contains("\"instructions\"");
    e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.listFromJson("{\"instructions\": [{\"id\": \"punctuation:no_comma\"},"
            + " {\"id\": \"detectable_format:number_bullet_lists\", \"kwargs\": {}}]}"));
    assertThat(e).hasMessageThat().startsWith("instructions[1]: ");
    assertThat(e).hasMessageThat().contains("'num_bullets'");
    e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.listFromJson("{\"instructions\": [{\"id\": \"punctuation:no_comma\","
            + " \"args\": {}}]}"));
    assertThat(e).hasMessageThat().contains("\"args\"");
    e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.listFromJson("{\"instructions\": [{\"kwargs\": {}}]}"));
    assertThat(e).hasMessageThat().contains("\"id\"");
    e = assertThrows(IllegalArgumentException.class, () -> Instructions.listFromJson("{oops"));
    assertThat(e).hasMessageThat().contains("not valid JSON");
  }

  @Test
  void readsIfEvalRows() {
    JsonNode row = Make.json("{\"key\": 1000, \"prompt\": \"Write a haiku.\","
        + " \"instruction_id_list\": [\"punctuation:no_comma\", \"keywords:letter_frequency\"],"
        + " \"kwargs\": [{}, {\"letter\": \"z\", \"let_frequency\": 2, \"let_relation\": \"at least\","
        + " \"num_words\": null}]}");
    List<Instruction> list = Instructions.fromIfEvalRow(row);
    assertThat(list).containsExactly(Make.of("punctuation:no_comma"),
        Make.of("keywords:letter_frequency",
            "{\"letter\": \"z\", \"let_frequency\": 2, \"let_relation\": \"at least\"}")).inOrder();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Instructions.fromIfEvalRow(Make.json(
            "{\"instruction_id_list\": [\"punctuation:no_comma\"], \"kwargs\": []}")));
    assertThat(e).hasMessageThat().contains("equal length");
  }

  @Test
  void descriptionsAreAppendedToThePrompt() {
    List<Instruction> list = List.of(
        Make.of("punctuation:no_comma"),
        Make.of("detectable_content:postscript", "{\"postscript_marker\": \"P.S.\"}"));
    String text = Instructions.appendTo("  Describe a sunset.\n", list);
    assertThat(text).isEqualTo("Describe a sunset.\n\n" + list.get(0).description() + "\n"
        + list.get(1).description());
    assertThat(text).contains("P.S.");
    assertThat(Instructions.appendTo("As is. ", List.of())).isEqualTo("As is. ");
  }
}

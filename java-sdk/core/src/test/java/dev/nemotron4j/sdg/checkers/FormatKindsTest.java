package dev.nemotron4j.sdg.checkers;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

class FormatKindsTest {

  // ---------------------------------------------------------------- json_format

  @Test
  void jsonFormatAcceptsBareOrFencedJson() {
    Instruction i = Make.of("detectable_format:json_format");
    assertThat(i.check("{\"a\": 1}")).isTrue();
    assertThat(i.check("  ```json\n{\"a\": [1, 2]}\n```  ")).isTrue();
    assertThat(i.check("```JSON\n{\"a\": null}\n```")).isTrue();
    assertThat(i.check("```\n[1, 2]\n```")).isTrue();
    // Any JSON value counts, and Python's parser also takes NaN.
    assertThat(i.check("42")).isTrue();
    assertThat(i.check("NaN")).isTrue();
  }

  @Test
  void jsonFormatRejectsTextAroundTheJsonAndInvalidJson() {
    Instruction i = Make.of("detectable_format:json_format");
    assertThat(i.check("Here it is: {\"a\": 1}")).isFalse();
    assertThat(i.check("{\"a\": 1} and more")).isFalse();
    assertThat(i.check("{\"a\": 1}{\"b\": 2}")).isFalse();
    assertThat(i.check("{'a': 1}")).isFalse();
    assertThat(i.check("{\"a\": 1,}")).isFalse();
    assertThat(i.check("```json\n```")).isFalse();
    assertThat(i.check("")).isFalse();
  }

  // ---------------------------------------------------------------- number_bullet_lists

  @Test
  void bulletsAreLinesStartingWithStarOrDash() {
    Instruction two = Make.of("detectable_format:number_bullet_lists", "{\"num_bullets\": 2}");
    assertThat(two.check("Points:\n* one\n* two")).isTrue();
    assertThat(two.check("- one\n  - two")).isTrue();
    assertThat(two.check("* one\n- two")).isTrue();
    assertThat(two.check("* one\n* two\n* three")).isFalse();
    assertThat(two.check("* one")).isFalse();
    // A line starting with "**" (bold) is not a bullet ...
    assertThat(two.check("**Bold** heading\n* one\n* two")).isTrue();
    // ... but, as in IFEval, any line starting with '-' is, a "---" rule included.
    assertThat(two.check("* one\n---\n* two")).isFalse();
  }

  @Test
  void zeroBulletsMeansNoBulletLines() {
    Instruction none = Make.of("detectable_format:number_bullet_lists", "{\"num_bullets\": 0}");
    assertThat(none.check("Plain text. Nothing else.")).isTrue();
    assertThat(none.check("- a dash line")).isFalse();
  }

  // ---------------------------------------------------------------- title

  @Test
  void titleInDoubleAngleBrackets() {
    Instruction i = Make.of("detectable_format:title");
    assertThat(i.check("<<Ode to the Sea>>\nWaves roll in.")).isTrue();
    assertThat(i.check("A poem <<x>> inline")).isTrue();
    assertThat(i.check("No title here.")).isFalse();
    assertThat(i.check("<< >> blank title")).isFalse();
    assertThat(i.check("<<>>")).isFalse();
    assertThat(i.check("<<across\nlines>>")).isFalse();
    assertThat(i.check("<single>")).isFalse();
  }

  // ---------------------------------------------------------------- number_highlighted_sections

  @Test
  void highlightsAreSingleOrDoubleStarSpans() {
    Instruction two = Make.of("detectable_format:number_highlighted_sections",
        "{\"num_highlights\": 2}");
    assertThat(two.check("This is *one* and *two*.")).isTrue();
    assertThat(two.check("This is **bold** and *italic*.")).isTrue();
    assertThat(two.check("Only *one* here.")).isFalse();
    // Blank spans and spans across lines do not count.
    assertThat(two.check("* * and *one*")).isFalse();
    assertThat(two.check("*a\nb* and *one*")).isFalse();
    assertThat(two.check("No highlights.")).isFalse();
  }

  // ---------------------------------------------------------------- multiple_sections

  @Test
  void sectionsAreCountedByTheirNumberedSplitter() {
    Instruction two = Make.of("detectable_format:multiple_sections",
        "{\"section_spliter\": \"SECTION\", \"num_sections\": 2}");
    Instruction three = Make.of("detectable_format:multiple_sections",
        "{\"section_spliter\": \"SECTION\", \"num_sections\": 3}");
    String text = "SECTION 1\nThe start.\nSECTION 2\nThe end.";
    assertThat(two.check(text)).isTrue();
    assertThat(three.check(text)).isFalse();
    // The splitter is case-sensitive and needs a number.
    assertThat(two.check("Section 1\nA.\nSection 2\nB.")).isFalse();
    assertThat(two.check("SECTION A\nA.\nSECTION B\nB.")).isFalse();
  }

  @Test
  void sectionSplitterIsLiteral() {
    Instruction i = Make.of("detectable_format:multiple_sections",
        "{\"section_spliter\": \"Part.\", \"num_sections\": 1}");
    assertThat(i.check("Part. 1 here")).isTrue();
    assertThat(i.check("Parts 1 here")).isFalse();
  }

  // ---------------------------------------------------------------- constrained_response

  @Test
  void constrainedResponseNeedsOneOfTheFixedAnswers() {
    Instruction i = Make.of("detectable_format:constrained_response");
    assertThat(i.check("My answer is yes.")).isTrue();
    assertThat(i.check("  Let me think. My answer is maybe. Because...\n")).isTrue();
    assertThat(i.check("My answer is no")).isFalse();
    assertThat(i.check("my answer is yes.")).isFalse();
    assertThat(i.check("Yes.")).isFalse();
    assertThat(i.description()).contains("My answer is no.");
  }

  // ---------------------------------------------------------------- combination

  @Test
  void twoResponsesSeparatedBySixAsterisks() {
    Instruction i = Make.of("combination:two_responses");
    assertThat(i.check("Answer one.\n******\nAnswer two.")).isTrue();
    assertThat(i.check("******\nAnswer one.\n******\nAnswer two.\n******")).isTrue();
    assertThat(i.check("Same.\n******\n  Same.  ")).isFalse();
    assertThat(i.check("A\n******\nB\n******\nC")).isFalse();
    assertThat(i.check("A\n******\n******\nB")).isFalse();
    assertThat(i.check("Only one answer.")).isFalse();
  }

  @Test
  void repeatPromptMustComeFirstIgnoringCase() {
    Instruction i = Make.of("combination:repeat_prompt",
        "{\"prompt_to_repeat\": \"Write a poem about the sea.\"}");
    assertThat(i.check("Write a poem about the sea.\nThe sea is wide.")).isTrue();
    assertThat(i.check("  write a POEM about the sea. The sea is wide.")).isTrue();
    assertThat(i.check("Sure! Write a poem about the sea. The sea is wide.")).isFalse();
    assertThat(i.check("Write a poem about the ocean.")).isFalse();
  }
}

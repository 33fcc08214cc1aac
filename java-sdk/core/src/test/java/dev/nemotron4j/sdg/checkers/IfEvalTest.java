package dev.nemotron4j.sdg.checkers;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.sdg.checkers.IfEval.Result;
import dev.nemotron4j.sdg.checkers.IfEval.Sample;
import java.util.List;
import org.junit.jupiter.api.Test;

class IfEvalTest {
  static final Instruction NO_COMMA = Make.of("punctuation:no_comma");
  static final Instruction QUOTED = Make.of("startend:quotation");
  static final Instruction END = Make.of("startend:end_checker",
      "{\"end_phrase\": \"Any other questions?\"}");
  static final Instruction LOWER = Make.of("change_case:english_lowercase");

  @Test
  void strictAccuracyAtPromptAndInstructionLevel() {
    List<Sample> samples = List.of(
        // both followed
        new Sample("p1", List.of(NO_COMMA, QUOTED), "\"no commas here\""),
        // one of two followed
        new Sample("p2", List.of(NO_COMMA, QUOTED), "\"yes, a comma\""),
        // one of one followed
        new Sample("p3", List.of(LOWER), "all lowercase text"),
        // none of one followed
        new Sample("p4", List.of(END), "No questions."));
    Result r = IfEval.evaluate(samples);
    assertThat(r.strict().promptLevel()).isWithin(1e-12).of(2.0 / 4);
    assertThat(r.strict().instructionLevel()).isWithin(1e-12).of(4.0 / 6);
    assertThat(r.verdicts().get(1).strict()).containsExactly(false, true).inOrder();
    assertThat(r.verdicts().get(1).allStrict()).isFalse();
    assertThat(r.verdicts().get(0).allStrict()).isTrue();
    // Nothing here is rescued by the loose variants.
    assertThat(r.loose()).isEqualTo(r.strict());
    assertThat(r.byInstructionId().keySet()).containsExactly("change_case:english_lowercase",
        "punctuation:no_comma", "startend:end_checker", "startend:quotation").inOrder();
    IfEval.KindAccuracy noComma = r.byInstructionId().get("punctuation:no_comma");
    assertThat(noComma.count()).isEqualTo(2);
    assertThat(noComma.strict()).isWithin(1e-12).of(0.5);
  }

  @Test
  void looseAccuracyForgivesAFirstLineALastLineAndAsterisks() {
    List<Sample> samples = List.of(
        // A preamble line before the quoted answer: only loose passes.
        new Sample("p1", List.of(QUOTED), "Sure, here it is:\n\"the answer\""),
        // Markdown bold around the end phrase: only loose passes.
        new Sample("p2", List.of(END), "Done. **Any other questions?**"),
        // A closing remark after the end phrase: only loose passes.
        new Sample("p3", List.of(END), "Done. Any other questions?\nHave a nice day."),
        // Fails both ways.
        new Sample("p4", List.of(END), "Done.\nNo more.\nBye."));
    Result r = IfEval.evaluate(samples);
    assertThat(r.strict().promptLevel()).isWithin(1e-12).of(0.0);
    assertThat(r.strict().instructionLevel()).isWithin(1e-12).of(0.0);
    assertThat(r.loose().promptLevel()).isWithin(1e-12).of(3.0 / 4);
    assertThat(r.loose().instructionLevel()).isWithin(1e-12).of(3.0 / 4);
    assertThat(r.verdicts().get(0).loose()).containsExactly(true);
    assertThat(r.verdicts().get(3).allLoose()).isFalse();
    assertThat(r.byInstructionId().get("startend:end_checker").loose())
        .isWithin(1e-12).of(2.0 / 3);
  }

  @Test
  void looseNeverLosesWhatStrictFollows() {
    // Removing the first line would break this one, but the response itself already passes.
    Instruction twoBullets = Make.of("detectable_format:number_bullet_lists", "{\"num_bullets\": 2}");
    assertThat(IfEval.followsStrict(twoBullets, "* a\n* b")).isTrue();
    assertThat(IfEval.followsLoose(twoBullets, "* a\n* b")).isTrue();
  }

  @Test
  void blankResponsesFollowNothing() {
    // no_comma and "fewer than 5 words" hold for empty text, but IFEval counts a blank response
    // as a failure.
    Instruction fewWords = Make.of("length_constraints:number_words",
        "{\"num_words\": 5, \"relation\": \"less than\"}");
    assertThat(NO_COMMA.check("  ")).isTrue();
    assertThat(IfEval.followsStrict(NO_COMMA, "  \n")).isFalse();
    assertThat(IfEval.followsLoose(NO_COMMA, "  \n")).isFalse();
    // A response whose only content is its first line is blank once that line goes.
    assertThat(IfEval.followsLoose(QUOTED, "not quoted")).isFalse();
    Result r = IfEval.evaluate(List.of(new Sample("p", List.of(NO_COMMA, fewWords), "")));
    assertThat(r.strict().instructionLevel()).isEqualTo(0.0);
    assertThat(r.loose().instructionLevel()).isEqualTo(0.0);
  }

  @Test
  void looseVariantsAreThoseOfIfEval() {
    assertThat(IfEval.looseVariants("*a*\nb\n*c*")).containsExactly(
        "a\nb\nc", "b\n*c*", "*a*\nb", "b", "b\nc", "a\nb", "b").inOrder();
    assertThat(IfEval.looseVariants("one line")).containsExactly(
        "one line", "", "", "", "", "", "").inOrder();
  }

  @Test
  void badInputsAreRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> IfEval.evaluate(List.of()));
    assertThat(e).hasMessageThat().contains("at least one sample");
    e = assertThrows(IllegalArgumentException.class,
        () -> new Sample("What is 2+2?", List.of(), "4"));
    assertThat(e).hasMessageThat().contains("What is 2+2?");
    assertThrows(NullPointerException.class, () -> new Sample("p", List.of(NO_COMMA), null));
  }

  @Test
  void sampledInstructionsWorkEndToEnd() {
    String prompt = "Describe your favourite season.";
    List<Instruction> instructions = List.of(
        Make.of("change_case:english_lowercase"),
        Make.of("punctuation:no_comma"),
        Make.of("startend:end_checker", "{\"end_phrase\": \"That is all for now.\"}"));
    String full = Instructions.appendTo(prompt, instructions);
    assertThat(full).startsWith(prompt + "\n\n");
    String good = "autumn is my favourite season because the leaves turn gold. that is all for now.";
    String bad = "Autumn, clearly.";
    Result r = IfEval.evaluate(List.of(new Sample(full, instructions, good),
        new Sample(full, instructions, bad)));
    assertThat(r.verdicts().get(0).allStrict()).isTrue();
    assertThat(r.verdicts().get(1).strict()).containsExactly(false, false, false).inOrder();
    assertThat(r.strict().promptLevel()).isWithin(1e-12).of(0.5);
    assertThat(r.strict().instructionLevel()).isWithin(1e-12).of(0.5);
  }
}

package dev.nemotron4j.sdg.checkers;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

class KeywordAndLengthKindsTest {

  // ---------------------------------------------------------------- keywords:existence

  @Test
  void existenceNeedsEveryKeywordIgnoringCaseAsSubstring() {
    Instruction i = Make.of("keywords:existence", "{\"keywords\": [\"river\", \"Lantern\"]}");
    assertThat(i.check("The RIVER glowed under the lanterns.")).isTrue();
    assertThat(i.check("The river glowed.")).isFalse();
    assertThat(i.check("")).isFalse();
  }

  @Test
  void existenceTreatsKeywordsLiterallyNotAsRegex() {
    Instruction i = Make.of("keywords:existence", "{\"keywords\": [\"C++\"]}");
    assertThat(i.check("I write c++ every day")).isTrue();
    assertThat(i.check("I write C every day")).isFalse();
  }

  // ---------------------------------------------------------------- keywords:forbidden_words

  @Test
  void forbiddenWordsMatchWholeWordsIgnoringCase() {
    Instruction i = Make.of("keywords:forbidden_words", "{\"forbidden_words\": [\"cat\", \"dog\"]}");
    assertThat(i.check("I keep a parrot.")).isTrue();
    assertThat(i.check("The Cat sat.")).isFalse();
    assertThat(i.check("A DOG barked")).isFalse();
    // Inside a longer word is fine; a plural is a different word.
    assertThat(i.check("concatenate the cats")).isTrue();
    // An apostrophe is a word boundary, so "cat's" contains the word "cat".
    assertThat(i.check("the cat's toy")).isFalse();
  }

  @Test
  void forbiddenWordsAreDeduplicated() {
    Instruction i = Make.of("keywords:forbidden_words", "{\"forbidden_words\": [\"a1\", \"a1\"]}");
    assertThat(i.kwargs().get("forbidden_words").size()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- keywords:frequency

  @Test
  void keywordFrequencyCountsCaseInsensitiveSubstrings() {
    Instruction atLeast = Make.of("keywords:frequency",
        "{\"keyword\": \"the\", \"frequency\": 2, \"relation\": \"at least\"}");
    Instruction lessThan = Make.of("keywords:frequency",
        "{\"keyword\": \"the\", \"frequency\": 2, \"relation\": \"less than\"}");
    assertThat(atLeast.check("The cat and the dog")).isTrue();
    assertThat(lessThan.check("The cat and the dog")).isFalse();
    assertThat(atLeast.check("A cat and the dog")).isFalse();
    assertThat(lessThan.check("A cat and the dog")).isTrue();
    // Substrings count too, as in IFEval: "there" and "then" contain "the".
    assertThat(atLeast.check("there then")).isTrue();
  }

  @Test
  void keywordFrequencyStripsTheKeyword() {
    Instruction i = Make.of("keywords:frequency",
        "{\"keyword\": \"  sea \", \"frequency\": 1, \"relation\": \"at least\"}");
    assertThat(i.kwargs().get("keyword").textValue()).isEqualTo("sea");
    assertThat(i.check("the seashore")).isTrue();
  }

  // ---------------------------------------------------------------- keywords:letter_frequency

  @Test
  void letterFrequencyCountsTheLetterInEitherCase() {
    Instruction atLeast = Make.of("keywords:letter_frequency",
        "{\"letter\": \"A\", \"let_frequency\": 3, \"let_relation\": \"at least\"}");
    Instruction lessThan = Make.of("keywords:letter_frequency",
        "{\"letter\": \"a\", \"let_frequency\": 3, \"let_relation\": \"less than\"}");
    assertThat(atLeast.kwargs().get("letter").textValue()).isEqualTo("a");
    assertThat(atLeast.check("bAnanA")).isTrue();
    assertThat(lessThan.check("bAnanA")).isFalse();
    assertThat(atLeast.check("apple pie")).isFalse();
    assertThat(lessThan.check("apple pie")).isTrue();
    assertThat(lessThan.check("")).isTrue();
  }

  // ---------------------------------------------------------------- length_constraints:number_words

  @Test
  void numberWordsLessThanAndAtLeast() {
    Instruction lessThan = Make.of("length_constraints:number_words",
        "{\"num_words\": 5, \"relation\": \"less than\"}");
    Instruction atLeast = Make.of("length_constraints:number_words",
        "{\"num_words\": 5, \"relation\": \"at least\"}");
    assertThat(lessThan.check("one two three four")).isTrue();
    assertThat(atLeast.check("one two three four")).isFalse();
    assertThat(lessThan.check("one two three four five")).isFalse();
    assertThat(atLeast.check("one two three four five")).isTrue();
  }

  @Test
  void wordsAreRunsOfLettersDigitsAndUnderscores() {
    Instruction five = Make.of("length_constraints:number_words",
        "{\"num_words\": 5, \"relation\": \"at least\"}");
    // "It's" is two words; punctuation is not a word.
    assertThat(five.check("Hello, world! It's me.")).isTrue();
    assertThat(five.check("Hello, world! Its me.")).isFalse();
    assertThat(Text.countWords("snake_case café naïve 42 -- !!")).isEqualTo(4);
  }

  // ---------------------------------------------------------------- length_constraints:number_sentences

  @Test
  void numberSentencesLessThanAndAtLeast() {
    Instruction atLeast = Make.of("length_constraints:number_sentences",
        "{\"num_sentences\": 3, \"relation\": \"at least\"}");
    Instruction lessThan = Make.of("length_constraints:number_sentences",
        "{\"num_sentences\": 3, \"relation\": \"less than\"}");
    assertThat(atLeast.check("Hi. How are you? Great!")).isTrue();
    assertThat(lessThan.check("Hi. How are you? Great!")).isFalse();
    assertThat(atLeast.check("Hi. How are you")).isFalse();
    assertThat(lessThan.check("Hi. How are you")).isTrue();
  }

  @Test
  void sentenceCountingSkipsAbbreviationsInitialsAndLineBreaks() {
    assertThat(Text.countSentences("")).isEqualTo(0);
    assertThat(Text.countSentences("  \n ")).isEqualTo(0);
    assertThat(Text.countSentences("no terminator at all")).isEqualTo(1);
    assertThat(Text.countSentences("Line one\nline two")).isEqualTo(1);
    assertThat(Text.countSentences("Dr. Smith met J. Doe in the U.S. today.")).isEqualTo(1);
    assertThat(Text.countSentences("Apples, pears, etc. are fruit. So are plums."))
        .isEqualTo(2);
    assertThat(Text.countSentences("He said \"stop.\" Then he left.")).isEqualTo(2);
    assertThat(Text.countSentences("Wait... What happened?")).isEqualTo(2);
    assertThat(Text.countSentences("Wait... nothing happened.")).isEqualTo(1);
    assertThat(Text.countSentences("Really?! Yes.")).isEqualTo(2);
    assertThat(Text.countSentences("One. **\nTwo.")).isEqualTo(2);
  }

  // ---------------------------------------------------------------- length_constraints:number_paragraphs

  @Test
  void paragraphsAreSeparatedByMarkdownDividers() {
    Instruction three = Make.of("length_constraints:number_paragraphs", "{\"num_paragraphs\": 3}");
    assertThat(three.check("First.\n***\nSecond.\n***\nThird.")).isTrue();
    assertThat(three.check("First.\n***\nSecond.")).isFalse();
    assertThat(three.check("First.\n\nSecond.\n\nThird.")).isFalse();
    // Empty pieces are fine at the very start and end only.
    assertThat(three.check("***\nFirst.\n***\nSecond.\n***\nThird.\n***")).isTrue();
    assertThat(three.check("First.\n***\n***\nSecond.\n***\nThird.")).isFalse();
  }

  // ---------------------------------------------------------------- nth_paragraph_first_word

  @Test
  void nthParagraphFirstWord() {
    Instruction i = Make.of("length_constraints:nth_paragraph_first_word",
        "{\"num_paragraphs\": 3, \"nth_paragraph\": 2, \"first_word\": \"Banana\"}");
    assertThat(i.kwargs().get("first_word").textValue()).isEqualTo("banana");
    assertThat(i.check("Apple pie.\n\nBanana split.\n\nCherry tart.")).isTrue();
    // Leading quotes and the punctuation after the word are ignored.
    assertThat(i.check("Apple pie.\n\n\"Banana,\" she said.\n\nCherry tart.")).isTrue();
    assertThat(i.check("Apple pie.\n\nMango split.\n\nCherry tart.")).isFalse();
    assertThat(i.check("Apple pie.\n\nBanana split.")).isFalse();
    assertThat(i.check("Apple pie.\n\nBanana split.\n\nCherry tart.\n\nDate.")).isFalse();
    assertThat(i.check("Apple pie.\nBanana split.\nCherry tart.")).isFalse();
  }
}

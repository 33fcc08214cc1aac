package dev.nemotron4j.sdg.checkers;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

class ContentCaseAndPunctuationKindsTest {

  // ---------------------------------------------------------------- postscript

  @Test
  void postscriptMarkerPs() {
    Instruction ps = Make.of("detectable_content:postscript", "{\"postscript_marker\": \"P.S.\"}");
    assertThat(ps.check("Thanks!\nP.S. See you soon.")).isTrue();
    assertThat(ps.check("Thanks!\np. s. see you soon.")).isTrue();
    assertThat(ps.check("Thanks!\nPS see you soon.")).isFalse();
    assertThat(ps.check("Thanks!")).isFalse();
  }

  @Test
  void postscriptMarkerPps() {
    Instruction pps = Make.of("detectable_content:postscript", "{\"postscript_marker\": \"P.P.S\"}");
    assertThat(pps.check("Hi.\nP.P.S. One more thing.")).isTrue();
    assertThat(pps.check("Hi.\nP.S. One more thing.")).isFalse();
  }

  @Test
  void postscriptOtherMarkerIsLiteralIgnoringCase() {
    Instruction note = Make.of("detectable_content:postscript",
        "{\"postscript_marker\": \" Note: \"}");
    assertThat(note.kwargs().get("postscript_marker").textValue()).isEqualTo("Note:");
    assertThat(note.check("Body.\nNOTE: later")).isTrue();
    assertThat(note.check("Body.\nNote later")).isFalse();
  }

  // ---------------------------------------------------------------- number_placeholders

  @Test
  void placeholdersInSquareBrackets() {
    Instruction two = Make.of("detectable_content:number_placeholders",
        "{\"num_placeholders\": 2}");
    assertThat(two.check("Dear [name], you live at [address].")).isTrue();
    assertThat(two.check("Dear [name], [a] [b] [c]")).isTrue();
    assertThat(two.check("Dear [name].")).isFalse();
    // A placeholder does not span lines; an empty one counts, as in IFEval.
    assertThat(two.check("[first\nline] [name]")).isFalse();
    assertThat(two.check("[] []")).isTrue();
  }

  // ---------------------------------------------------------------- change_case

  @Test
  void englishCapital() {
    Instruction i = Make.of("change_case:english_capital");
    assertThat(i.check("HELLO WORLD, THIS IS A SHORT TEST.")).isTrue();
    assertThat(i.check("HELLO World")).isFalse();
    // Nothing cased is not upper case (as Python's isupper).
    assertThat(i.check("1234 !!")).isFalse();
    // Not English.
    assertThat(i.check("ЭТО ПРОСТОЙ ТЕСТ")).isFalse();
    assertThat(i.check("LE CHAT EST SUR LA TABLE ET LE CHIEN DORT DANS LA MAISON AVEC SES JOUETS"))
        .isFalse();
    assertThat(i.check("THE CAT IS ON THE TABLE AND THE DOG IS SLEEPING IN THE HOUSE WITH ITS TOYS"))
        .isTrue();
  }

  @Test
  void englishLowercase() {
    Instruction i = Make.of("change_case:english_lowercase");
    assertThat(i.check("hello world, this is a short test.")).isTrue();
    assertThat(i.check("hello World")).isFalse();
    assertThat(i.check("hello I am here")).isFalse();
    assertThat(i.check("123")).isFalse();
    assertThat(i.check("это простой тест")).isFalse();
  }

  @Test
  void capitalWordFrequency() {
    Instruction atLeast = Make.of("change_case:capital_word_frequency",
        "{\"capital_frequency\": 3, \"capital_relation\": \"at least\"}");
    Instruction lessThan = Make.of("change_case:capital_word_frequency",
        "{\"capital_frequency\": 3, \"capital_relation\": \"less than\"}");
    assertThat(atLeast.check("THE QUICK brown FOX")).isTrue();
    assertThat(lessThan.check("THE QUICK brown FOX")).isFalse();
    assertThat(atLeast.check("The QUICK brown FOX")).isFalse();
    assertThat(lessThan.check("The QUICK brown FOX")).isTrue();
  }

  @Test
  void capitalWordsFollowTreebankLikeTokens() {
    assertThat(Text.caseTokens("DON'T STOP")).containsExactly("DO", "N'T", "STOP").inOrder();
    assertThat(Text.caseTokens("IT'S the U.S.A. and WELL-KNOWN 42"))
        .containsExactly("IT", "'S", "the", "U.S.A", "and", "WELL-KNOWN", "42").inOrder();
    assertThat(Text.caseTokens("(AND/OR) \"QUOTE\", A--B X...Y CANNOT 'TWAS SHE'S."))
        .containsExactly("AND/OR", "QUOTE", "A", "B", "X", "Y", "CAN", "NOT", "'T", "WAS", "SHE",
            "'S").inOrder();
    // A curly apostrophe is split off like any quote mark.
    assertThat(Text.caseTokens("DON\u2019T")).containsExactly("DON", "T").inOrder();
    Instruction three = Make.of("change_case:capital_word_frequency",
        "{\"capital_frequency\": 3, \"capital_relation\": \"at least\"}");
    // "DO" and "N'T" are two capital words; a lone "I" is one; numbers are not.
    assertThat(three.check("I DON'T know")).isTrue();
    assertThat(three.check("I don't know 42 123")).isFalse();
    assertThat(three.check("N/A AND/OR E-MAIL")).isTrue();
    assertThat(three.check("N/A AND/OR e-mail")).isFalse();
  }

  // ---------------------------------------------------------------- startend

  @Test
  void endCheckerIgnoresCaseTrailingSpaceAndEnclosingQuotes() {
    Instruction i = Make.of("startend:end_checker",
        "{\"end_phrase\": \"Any other questions?\"}");
    assertThat(i.check("Here you go. Any other questions?")).isTrue();
    assertThat(i.check("Here you go. any other QUESTIONS?  \n")).isTrue();
    assertThat(i.check("\"Here you go. Any other questions?\"")).isTrue();
    assertThat(i.check("Any other questions? Thanks.")).isFalse();
    assertThat(i.check("Any other questions")).isFalse();
  }

  @Test
  void quotationWrapsTheWholeResponse() {
    Instruction i = Make.of("startend:quotation");
    assertThat(i.check("\"Hello there.\"")).isTrue();
    assertThat(i.check("  \n\"Hello there.\"\n ")).isTrue();
    assertThat(i.check("\"\"")).isTrue();
    assertThat(i.check("\"")).isFalse();
    assertThat(i.check("\"Hello there.")).isFalse();
    assertThat(i.check("Hello \"there\"")).isFalse();
  }

  // ---------------------------------------------------------------- punctuation

  @Test
  void noCommaMeansNoAsciiComma() {
    Instruction i = Make.of("punctuation:no_comma");
    assertThat(i.check("No commas here.")).isTrue();
    assertThat(i.check("One, two.")).isFalse();
    assertThat(i.check("全角，逗号")).isTrue();
  }
}

package dev.nemotron4j.sdg.checkers;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {
  @Test
  void stripRemovesPythonWhitespaceIncludingNoBreakSpaces() {
    assertThat(Text.strip("\u00a0\t x y \n\u2007\u202f\u0085")).isEqualTo("x y");
    assertThat(Text.strip("   ")).isEmpty();
    assertThat(Text.strip("\"\"quoted\"", '"')).isEqualTo("quoted");
  }

  @Test
  void caseTestsNeedACasedCharacter() {
    assertThat(Text.isUpper("ABC 123!")).isTrue();
    assertThat(Text.isUpper("123")).isFalse();
    assertThat(Text.isUpper("ABc")).isFalse();
    assertThat(Text.isUpper("ÉTÉ")).isTrue();
    assertThat(Text.isLower("abc 123!")).isTrue();
    assertThat(Text.isLower("")).isFalse();
    assertThat(Text.isLower("abC")).isFalse();
    // Titlecase letters are neither.
    assertThat(Text.isUpper("\u01c5")).isFalse();
    assertThat(Text.isLower("\u01c5")).isFalse();
  }

  @Test
  void splitOnSpaceIsPythonSplit() {
    assertThat(Text.splitOnSpace("  a \t b\n\nc  ")).containsExactly("a", "b", "c").inOrder();
    assertThat(Text.splitOnSpace(" \n ")).isEmpty();
  }

  @Test
  void englishHeuristic() {
    assertThat(Text.looksEnglish("123 ...")).isTrue();
    assertThat(Text.looksEnglish("short words")).isTrue();
    assertThat(Text.looksEnglish("日本語のテキストです")).isFalse();
    assertThat(Text.looksEnglish(
        "el gato duerme sobre la mesa mientras el perro juega con sus juguetes nuevos")).isFalse();
    assertThat(Text.looksEnglish(
        "the cat sleeps on the table while the dog plays with its new toys in the yard")).isTrue();
  }
}

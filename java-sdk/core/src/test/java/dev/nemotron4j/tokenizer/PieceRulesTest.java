package dev.nemotron4j.tokenizer;

import static com.google.common.truth.Truth.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which strings BPE training may learn. */
class PieceRulesTest {
  private static final PieceRules RULES = new PieceRules(6, true, Set.of("<s>"));

  private static boolean valid(PieceRules r, String s) {
    return r.isValid(s.codePoints().toArray());
  }

  @Test
  void whitespaceOnlyAtTheStart() {
    assertThat(valid(RULES, "\u2581the")).isTrue();
    assertThat(valid(RULES, "\u2581")).isTrue();
    assertThat(valid(RULES, "the\u2581")).isFalse();
    assertThat(valid(RULES, "\u2581\u2581")).isFalse();
    assertThat(valid(RULES, "a b")).isFalse();
  }

  @Test
  void digitsStandAloneWhenSplit() {
    assertThat(valid(RULES, "7")).isTrue();
    assertThat(valid(RULES, "\u25817")).isFalse();
    assertThat(valid(RULES, "12")).isFalse();
    assertThat(valid(RULES, "\uFF11\uFF12")).isFalse();
    PieceRules joined = new PieceRules(6, false, Set.of());
    assertThat(valid(joined, "\u2581123")).isTrue();
    assertThat(valid(joined, "12.5")).isTrue(); // digits and '.' are both Common
    assertThat(valid(joined, "a1")).isFalse(); // Latin then Common
  }

  @Test
  void scriptsDoNotMix() {
    assertThat(valid(RULES, "word")).isTrue();
    assertThat(valid(RULES, "d,")).isFalse();
    assertThat(valid(RULES, ".\"")).isTrue();
    assertThat(valid(RULES, "abв")).isFalse();
    assertThat(valid(RULES, "ひらカナ漢")).isTrue(); // Hiragana, Katakana and Han count as one
    assertThat(valid(RULES, "e\u0301t")).isTrue(); // a combining accent takes the script before it
  }

  @Test
  void lengthAndReservedPieces() {
    assertThat(valid(RULES, "abcdef")).isTrue();
    assertThat(valid(RULES, "abcdefg")).isFalse();
    assertThat(valid(RULES, "")).isFalse();
    assertThat(valid(RULES, "<s>")).isFalse();
    assertThat(RULES.isValidPair(new int[] {'a', 'b', 'c'}, new int[] {'d', 'e', 'f', 'g'})).isFalse();
    assertThat(RULES.isValidPair(new int[] {0x2581}, new int[] {'a'})).isTrue();
    assertThat(valid(RULES, "a\0")).isFalse();
  }
}

package dev.nemotron4j.tokenizer;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

/** BPE semantics on small hand-built models. */
class SentencePieceBpeTest {
  private static TestModels.Builder abc() {
    return new TestModels.Builder().specials()
        .piece("\u2581", -10).piece("a", -11).piece("b", -12).piece("c", -13);
  }

  @Test
  void mergesTheHighestScoringPairFirst() {
    SentencePieceModel m = abc().piece("ab", -2).piece("bc", -1).load();
    assertThat(m.encodeAsPieces("abc")).containsExactly("\u2581", "a", "bc").inOrder();
  }

  @Test
  void tiesGoToTheLeftmostPair() {
    SentencePieceModel m = abc().piece("bc", -1).piece("ab", -1).load();
    assertThat(m.encodeAsPieces("abc")).containsExactly("\u2581", "ab", "c").inOrder();
    assertThat(m.encodeAsPieces("cabc")).containsExactly("\u2581", "c", "ab", "c").inOrder();
  }

  @Test
  void mergesRepeatOnMergedSymbols() {
    SentencePieceModel m = abc().piece("ab", -1).piece("\u2581ab", -2).piece("\u2581abc", -3).load();
    assertThat(m.encodeAsPieces("abc abcc")).containsExactly("\u2581abc", "\u2581abc", "c").inOrder();
    assertThat(m.decode(m.encode("abc abcc"))).isEqualTo("abc abcc");
  }

  @Test
  void aRunOfUnknownCharactersIsOneUnknownPieceWithoutByteFallback() {
    SentencePieceModel m = abc().load();
    assertThat(m.encodeAsPieces("a好好b")).containsExactly("\u2581", "a", "好好", "b").inOrder();
    int unk = m.unkId();
    assertThat(m.encode("a好好b")).isEqualTo(new int[] {m.pieceToId("\u2581"), m.pieceToId("a"), unk,
        m.pieceToId("b")});
    assertThat(m.encode("好 好")).isEqualTo(new int[] {m.pieceToId("\u2581"), unk, m.pieceToId("\u2581"), unk});
    assertThat(m.decode(m.encode("a好好b"))).isEqualTo("a \u2047 b");
  }

  @Test
  void byteFallbackSplitsUnknownCharactersIntoBytes() {
    SentencePieceModel m = abc().bytePieces().load();
    assertThat(m.encodeAsPieces("aé")).containsExactly("\u2581", "a", "<0xC3>", "<0xA9>").inOrder();
    assertThat(m.decode(m.encode("aé好"))).isEqualTo("aé好");
  }

  @Test
  void unusedPiecesTakePartInMergesButAreSplitBack() {
    SentencePieceModel m = abc().piece("ab", -1, PieceType.UNUSED).piece("abc", -2).load();
    assertThat(m.encodeAsPieces("abc")).containsExactly("\u2581", "abc").inOrder();
    assertThat(m.encodeAsPieces("ab")).containsExactly("\u2581", "a", "b").inOrder();
  }

  @Test
  void userDefinedSymbolsAreFrozen() {
    SentencePieceModel m = abc().piece("<x>", 0, PieceType.USER_DEFINED).piece("a<", -1).piece("x>b", -1)
        .piece("<", -20).piece(">", -21).piece("x", -22).load();
    assertThat(m.encodeAsPieces("a<x>b")).containsExactly("\u2581", "a", "<x>", "b").inOrder();
    assertThat(m.encodeAsPieces("a<xb")).containsExactly("\u2581", "a<", "x", "b").inOrder();
  }

  @Test
  void withoutDummyPrefix() {
    TestModels.Builder b = abc().piece("\u2581b", -1);
    b.addDummyPrefix = false;
    SentencePieceModel m = b.load();
    assertThat(m.encodeAsPieces("a b")).containsExactly("a", "\u2581b").inOrder();
    assertThat(m.decode(m.encode(" a b"))).isEqualTo(" a b");
  }

  @Test
  void removeExtraWhitespacesWithoutCharsmap() {
    TestModels.Builder b = abc();
    b.removeExtraWhitespaces = true;
    SentencePieceModel m = b.load();
    assertThat(m.normalize("  a   b  ")).isEqualTo("\u2581a\u2581b");
    assertThat(m.decode(m.encode("  a   b  "))).isEqualTo("a b");
  }

  @Test
  void segmentsKeepTheirWhitespaceAndHaveNoDummyPrefix() {
    SentencePieceModel m = abc().piece("\u2581a", -1).load();
    assertThat(m.encodeSegment("a a ")).isEqualTo(new int[] {m.pieceToId("a"), m.pieceToId("\u2581a"),
        m.pieceToId("\u2581")});
    assertThat(m.encodeSegment("")).isEmpty();
  }
}

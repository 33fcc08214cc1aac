package dev.nemotron4j.tokenizer;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of the shared fixtures, encoded and decoded exactly as the reference sentencepiece does. */
class SentencePieceFixtureTest {
  static List<TokenizerFixtures.Case> cases() {
    return TokenizerFixtures.allCases();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void encodesAndDecodesLikeSentencePiece(TokenizerFixtures.Case c) {
    SentencePieceModel m = TokenizerFixtures.model(c.fixture());
    assertWithMessage("pieces of %s", c).that(m.encodeAsPieces(c.text())).containsExactlyElementsIn(c.pieces())
        .inOrder();
    assertWithMessage("ids of %s", c).that(m.encode(c.text())).isEqualTo(c.ids());
    assertWithMessage("decode of %s", c).that(m.decode(c.ids())).isEqualTo(c.decoded());
    for (int i = 0; i < c.ids().length; i++) {
      assertThat(m.idToPiece(c.ids()[i])).isEqualTo(c.pieces().get(i));
      assertThat(m.pieceToId(c.pieces().get(i))).isEqualTo(c.ids()[i]);
    }
  }

  @Test
  void fixturesAreThere() {
    assertThat(TokenizerFixtures.cases(TokenizerFixtures.IDENTITY)).hasSize(24);
    assertThat(TokenizerFixtures.cases(TokenizerFixtures.NFKC)).hasSize(24);
  }

  @Test
  void specialIdsAndVocabulary() {
    for (String f : List.of(TokenizerFixtures.IDENTITY, TokenizerFixtures.NFKC)) {
      SentencePieceModel m = TokenizerFixtures.model(f);
      assertThat(m.unkId()).isEqualTo(0);
      assertThat(m.bosId()).isEqualTo(1);
      assertThat(m.eosId()).isEqualTo(2);
      assertThat(m.padId()).isEqualTo(-1);
      assertThat(m.idToPiece(0)).isEqualTo("<unk>");
      assertThat(m.pieceType(0)).isEqualTo(PieceType.UNKNOWN);
      assertThat(m.pieceType(1)).isEqualTo(PieceType.CONTROL);
      assertThat(m.pieceType(m.pieceToId("<extra_id_1>"))).isEqualTo(PieceType.USER_DEFINED);
      assertThat(m.pieceType(m.pieceToId("<0x0A>"))).isEqualTo(PieceType.BYTE);
      assertThat(m.pieceToId("no such piece")).isEqualTo(m.unkId());
      assertThat(m.hasPiece("no such piece")).isFalse();
      assertThat(m.hasPiece("<s>")).isTrue();
    }
    assertThat(TokenizerFixtures.model(TokenizerFixtures.IDENTITY).vocabSize()).isEqualTo(1400);
    assertThat(TokenizerFixtures.model(TokenizerFixtures.NFKC).vocabSize()).isEqualTo(1300);
  }
}

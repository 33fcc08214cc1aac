package dev.nemotron4j.tokenizer;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ModelProto writer: what it writes, the reader reads back unchanged. */
class ModelProtoWriterTest {
  private static final ModelProtoWriter.TrainingFields EXTRA =
      new ModelProtoWriter.TrainingFields(0.9995f, 16, List.of("<extra_id_0>"));

  private static void piece(ModelProto m, String p, float score, PieceType type) {
    m.pieces.add(p.getBytes(StandardCharsets.UTF_8));
    m.scores.add(score);
    m.types.add(type);
  }

  private static ModelProto sample() {
    ModelProto m = new ModelProto();
    piece(m, "<unk>", 0f, PieceType.UNKNOWN);
    piece(m, "<s>", 0f, PieceType.CONTROL);
    piece(m, "</s>", 0f, PieceType.CONTROL);
    piece(m, "<pad>", 0f, PieceType.CONTROL);
    piece(m, "<extra_id_0>", 0f, PieceType.USER_DEFINED);
    for (int b = 0; b < 256; b++) {
      piece(m, String.format("<0x%02X>", b), 0f, PieceType.BYTE);
    }
    piece(m, "\u2581a", -0f, PieceType.NORMAL);
    piece(m, "ab", -1f, PieceType.UNUSED);
    piece(m, "abc", -2.5f, PieceType.NORMAL);
    piece(m, "\u2581", -3f, PieceType.NORMAL);
    piece(m, "a", -4f, PieceType.NORMAL);
    piece(m, "b", -5f, PieceType.NORMAL);
    piece(m, "c", -6f, PieceType.NORMAL);
    piece(m, "é", -1e9f, PieceType.NORMAL);
    ModelProto.TrainerSpec t = m.trainer;
    t.modelType = ModelProto.BPE;
    t.vocabSize = m.pieces.size();
    t.splitDigits = true;
    t.byteFallback = true;
    t.treatWhitespaceAsSuffix = false;
    t.unkId = 0;
    t.bosId = 1;
    t.eosId = 2;
    t.padId = 3;
    t.unkSurface = " ?? ".getBytes(StandardCharsets.UTF_8);
    t.unkPiece = "<unk>";
    t.bosPiece = "<s>";
    t.eosPiece = "</s>";
    t.padPiece = "<pad>";
    ModelProto.NormalizerSpec n = m.normalizer;
    n.name = "identity";
    n.addDummyPrefix = true;
    n.removeExtraWhitespaces = false;
    n.escapeWhitespaces = true;
    return m;
  }

  private static void assertSameModel(ModelProto got, ModelProto want) {
    assertThat(got.pieces.size()).isEqualTo(want.pieces.size());
    for (int i = 0; i < want.pieces.size(); i++) {
      assertThat(got.pieces.get(i)).isEqualTo(want.pieces.get(i));
      assertThat(Float.floatToRawIntBits(got.scores.get(i))).isEqualTo(Float.floatToRawIntBits(want.scores.get(i)));
      assertThat(got.types.get(i)).isEqualTo(want.types.get(i));
    }
    ModelProto.TrainerSpec a = got.trainer;
    ModelProto.TrainerSpec b = want.trainer;
    assertThat(a.modelType).isEqualTo(b.modelType);
    assertThat(a.vocabSize).isEqualTo(b.vocabSize);
    assertThat(a.treatWhitespaceAsSuffix).isEqualTo(b.treatWhitespaceAsSuffix);
    assertThat(a.splitDigits).isEqualTo(b.splitDigits);
    assertThat(a.byteFallback).isEqualTo(b.byteFallback);
    assertThat(new int[] {a.unkId, a.bosId, a.eosId, a.padId}).isEqualTo(new int[] {b.unkId, b.bosId, b.eosId, b.padId});
    assertThat(a.unkSurface).isEqualTo(b.unkSurface);
    assertThat(List.of(a.unkPiece, a.bosPiece, a.eosPiece, a.padPiece))
        .isEqualTo(List.of(b.unkPiece, b.bosPiece, b.eosPiece, b.padPiece));
    assertSameNormalizer(got.normalizer, want.normalizer);
    if (want.denormalizer == null) {
      assertThat(got.denormalizer).isNull();
    } else {
      assertSameNormalizer(got.denormalizer, want.denormalizer);
    }
  }

  private static void assertSameNormalizer(ModelProto.NormalizerSpec a, ModelProto.NormalizerSpec b) {
    assertThat(a.name).isEqualTo(b.name);
    assertThat(a.precompiledCharsmap).isEqualTo(b.precompiledCharsmap);
    assertThat(a.addDummyPrefix).isEqualTo(b.addDummyPrefix);
    assertThat(a.removeExtraWhitespaces).isEqualTo(b.removeExtraWhitespaces);
    assertThat(a.escapeWhitespaces).isEqualTo(b.escapeWhitespaces);
  }

  @Test
  void roundTripsThroughTheReader() {
    ModelProto m = sample();
    byte[] bytes = ModelProtoWriter.write(m, EXTRA);
    assertSameModel(ModelProto.parse(bytes), m);
  }

  @Test
  void roundTripsNonDefaultFlagsAndADenormalizer() {
    ModelProto m = sample();
    m.trainer.splitDigits = false;
    m.trainer.treatWhitespaceAsSuffix = true;
    m.trainer.padId = -1; // a negative int32: ten varint bytes
    m.trainer.unkSurface = null;
    m.trainer.padPiece = "";
    m.normalizer.addDummyPrefix = false;
    m.normalizer.removeExtraWhitespaces = true;
    m.normalizer.escapeWhitespaces = false;
    m.normalizer.name = "nmt_nfkc";
    m.normalizer.precompiledCharsmap = new byte[] {1, 2, 3};
    m.denormalizer = new ModelProto.NormalizerSpec();
    m.denormalizer.name = "denorm";
    assertSameModel(ModelProto.parse(ModelProtoWriter.write(m, EXTRA)), m);
  }

  @Test
  void theTokenizerLoadsTheWrittenModel() {
    ModelProto m = sample();
    SentencePieceModel sp = SentencePieceModel.fromBytes(ModelProtoWriter.write(m, EXTRA));
    assertThat(sp.vocabSize()).isEqualTo(m.pieces.size());
    for (int id = 0; id < m.pieces.size(); id++) {
      assertThat(sp.idToPiece(id)).isEqualTo(new String(m.pieces.get(id), StandardCharsets.UTF_8));
      assertThat(sp.score(id)).isEqualTo(m.scores.get(id));
      assertThat(sp.pieceType(id)).isEqualTo(m.types.get(id));
    }
    assertThat(sp.unkId()).isEqualTo(0);
    assertThat(sp.bosId()).isEqualTo(1);
    assertThat(sp.eosId()).isEqualTo(2);
    assertThat(sp.padId()).isEqualTo(3);
    // byte fallback and the unknown surface survive the round trip
    assertThat(sp.encodeAsPieces("abc ab x")).containsExactly("\u2581a", "b", "c", "\u2581a", "b", "\u2581", "<0x78>")
        .inOrder();
    assertThat(sp.decode(new int[] {0})).isEqualTo(" ?? ");
  }

  @Test
  void rewritesTheReferenceModelsWithTheSameContent() throws IOException {
    for (String fixture : List.of(TokenizerFixtures.IDENTITY, TokenizerFixtures.NFKC)) {
      byte[] original = Files.readAllBytes(TokenizerFixtures.dir(fixture).resolve("tokenizer.model"));
      ModelProto m = ModelProto.parse(original);
      ModelProto again = ModelProto.parse(ModelProtoWriter.write(m, EXTRA));
      assertSameModel(again, m);
      SentencePieceModel a = SentencePieceModel.fromBytes(original);
      SentencePieceModel b = SentencePieceModel.fromBytes(ModelProtoWriter.write(m, EXTRA));
      for (TokenizerFixtures.Case c : TokenizerFixtures.cases(fixture)) {
        assertThat(b.encode(c.text())).isEqualTo(a.encode(c.text()));
      }
    }
  }
}

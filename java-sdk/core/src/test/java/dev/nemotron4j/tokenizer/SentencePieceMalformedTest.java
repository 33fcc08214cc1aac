package dev.nemotron4j.tokenizer;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Malformed model files end in an IllegalArgumentException that says what is wrong. */
class SentencePieceMalformedTest {
  private static IllegalArgumentException rejects(byte[] model) {
    return assertThrows(IllegalArgumentException.class, () -> SentencePieceModel.fromBytes(model));
  }

  private static void rejects(TestModels.Builder b, String message) {
    assertThat(rejects(b.build())).hasMessageThat().contains(message);
  }

  private static TestModels.Builder minimal() {
    return new TestModels.Builder().specials().piece("\u2581", -1).piece("a", -2);
  }

  /** The offsets where top-level fields of a serialized model end. */
  private static List<Integer> topLevelBoundaries(byte[] model) {
    List<Integer> ends = new ArrayList<>();
    ProtoReader r = new ProtoReader(model, 0, model.length, "test");
    ends.add(0);
    while (r.hasMore()) {
      r.skip(r.readTag());
      ends.add(r.position());
    }
    return ends;
  }

  @Test
  void truncatedModelsAreRejected() {
    for (String fixture : List.of(TokenizerFixtures.IDENTITY, TokenizerFixtures.NFKC)) {
      byte[] full = TokenizerFixtures.modelBytes(fixture);
      List<Integer> boundaries = topLevelBoundaries(full);
      int step = Math.max(1, full.length / 3000);
      for (int len = 0; len < full.length; len += (len > full.length - 400 ? 1 : step)) {
        byte[] cut = Arrays.copyOf(full, len);
        try {
          SentencePieceModel.fromBytes(cut);
          // Ending exactly between two top-level fields is a well-formed (if different) model.
          assertWithMessage("%s cut at %s loaded", fixture, len).that(boundaries).contains(len);
        } catch (IllegalArgumentException e) {
          assertThat(e).hasMessageThat().isNotEmpty();
        }
      }
    }
  }

  @Test
  void garbageIsRejected() {
    Random r = new Random(1);
    for (int t = 0; t < 3000; t++) {
      byte[] junk = new byte[r.nextInt(300)];
      r.nextBytes(junk);
      rejects(junk);
    }
    assertThat(rejects(new byte[0])).hasMessageThat().contains("no pieces");
  }

  @Test
  void corruptedFixturesAreRejectedOrStillValid() {
    // Random bytes changed anywhere (in the nfkc model mostly inside its character map): the model
    // is rejected, or it loads and encodes, or encoding reports a broken map; nothing else.
    String text = "Hello world, <extra_id_1> 123 ünïcödé ｆｕｌｌ ﬁ 𝔘 🙂 \t\n";
    for (String fixture : List.of(TokenizerFixtures.IDENTITY, TokenizerFixtures.NFKC)) {
      byte[] full = TokenizerFixtures.modelBytes(fixture);
      Random r = new Random(5);
      for (int t = 0; t < 300; t++) {
        byte[] bad = full.clone();
        for (int k = 0; k < 4; k++) {
          bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
        }
        try {
          SentencePieceModel m = SentencePieceModel.fromBytes(bad);
          m.decode(m.encode(text));
        } catch (IllegalArgumentException expected) {
          assertThat(expected).hasMessageThat().isNotEmpty();
        }
      }
    }
  }

  @Test
  void wireFormatErrorsNameTheProblem() {
    // field 1, wire type 7
    assertThat(rejects(new byte[] {0x0F})).hasMessageThat().contains("wire type 7");
    // field 0
    assertThat(rejects(new byte[] {0x00})).hasMessageThat().contains("field number 0");
    // an 11-byte varint
    byte[] longVarint = new byte[13];
    longVarint[0] = (byte) 0xA0; // field 100, varint
    longVarint[1] = 0x06;
    Arrays.fill(longVarint, 2, 13, (byte) 0x80);
    assertThat(rejects(longVarint)).hasMessageThat().contains("varint");
    // a length beyond the end
    assertThat(rejects(new byte[] {0x0A, 0x7F, 0x01})).hasMessageThat().contains("exceeds");
    // a huge length must not allocate
    assertThat(rejects(new byte[] {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}))
        .hasMessageThat().contains("exceeds");
    // an unclosed group, a stray end-group tag, groups nested too deep
    assertThat(rejects(new byte[] {(byte) 0xA3, 0x06})).hasMessageThat().contains("not closed");
    assertThat(rejects(new byte[] {(byte) 0xA4, 0x06})).hasMessageThat().contains("end-group");
    byte[] deep = new byte[2 * 200];
    for (int i = 0; i < 200; i++) {
      deep[2 * i] = (byte) 0xA3;
      deep[2 * i + 1] = 0x06;
    }
    assertThat(rejects(deep)).hasMessageThat().contains("nested");
    // a known field with the wrong wire type
    assertThat(rejects(new byte[] {0x08, 0x01})).hasMessageThat().contains("pieces");
  }

  @Test
  void unknownFieldsOfEveryWireTypeAreSkipped() {
    TestModels.Msg unknown = new TestModels.Msg()
        .intField(100, 12345)
        .tag(101, 1).raw(new byte[8])
        .stringField(102, "ignored")
        .tag(103, 3).intField(1, 7).tag(104, 3).stringField(2, "x").tag(104, 4).tag(103, 4)
        .tag(105, 5).raw(new byte[4]);
    TestModels.Builder b = minimal();
    b.trainer.raw(unknown.bytes());
    b.normalizer.raw(unknown.bytes());
    b.piece("ab", -3);
    byte[] model = new TestModels.Msg().raw(b.build()).raw(unknown.bytes()).bytes();
    SentencePieceModel m = SentencePieceModel.fromBytes(model);
    assertThat(m.encodeAsPieces("ab a")).containsExactly("\u2581", "ab", "\u2581", "a").inOrder();
  }

  @Test
  void vocabularyErrorsNameTheProblem() {
    TestModels.Builder unigram = minimal();
    unigram.modelType = 1;
    rejects(unigram, "UNIGRAM");
    rejects(minimal().piece("a", -3), "already defined");
    rejects(new TestModels.Builder().piece("<s>", 0, PieceType.CONTROL).piece("a", 0), "UNKNOWN");
    rejects(minimal().piece("<unk2>", 0, PieceType.UNKNOWN), "both of type UNKNOWN");
    rejects(minimal().piece("<0x41>", 0, PieceType.BYTE), "byte_fallback is false");
    rejects(minimal().piece("", 0), "empty");
    rejects(minimal().piece("a\0b", 0), "NUL");
    rejects(minimal().piece("x".repeat(9000), 0), "9000 bytes");
    TestModels.Builder missingBytes = minimal();
    missingBytes.byteFallback = true;
    rejects(missingBytes, "<0x00> is missing");
    TestModels.Builder badByte = minimal().bytePieces().piece("<0xzz>", 0, PieceType.BYTE);
    rejects(badByte, "<0xzz>");
    TestModels.Builder badType = minimal();
    badType.pieces.add(new TestModels.Msg().stringField(1, "q").intField(3, 9));
    rejects(badType, "unknown type 9");
  }

  @Test
  void brokenCharsmapsAreRejected() {
    TestModels.Builder tiny = minimal();
    tiny.charsmap = new byte[] {1, 0, 0};
    rejects(tiny, "too short");
    TestModels.Builder oversized = minimal();
    oversized.charsmap = new byte[] {(byte) 0xFF, 0, 0, 0, 1, 2, 3, 4};
    rejects(oversized, "trie size 255");
    // a trie whose units point outside themselves: searches stop, nothing is replaced
    TestModels.Builder wild = minimal();
    wild.charsmap = new byte[] {8, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0x61, 0x62, 0x63, 0x64, 'z', 0};
    assertThat(wild.load().normalize("ab")).isEqualTo("\u2581ab");
  }
}

package dev.nemotron4j.tokenizer;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentencePieceModelTest {
  private static final SentencePieceModel IDENTITY = TokenizerFixtures.model(TokenizerFixtures.IDENTITY);
  private static final SentencePieceModel NFKC = TokenizerFixtures.model(TokenizerFixtures.NFKC);

  /** Random text over ASCII, Latin-1, CJK, emoji, other planes, whitespace and the chat markers. */
  private static String randomText(Random r, int maxChars) {
    String[] extras = {"<extra_id_0>", "<extra_id_1>", "<extra_id_2>", "<extra_id_", "  ", "\n", "\t", "\r\n"};
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(maxChars + 1);
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(10);
      int cp = switch (kind) {
        case 0, 1, 2, 3 -> 0x20 + r.nextInt(0x5F); // printable ASCII
        case 4 -> 0xA0 + r.nextInt(0x160); // Latin-1 and Latin Extended
        case 5 -> 0x4E00 + r.nextInt(0x5000); // CJK
        case 6 -> 0x1F300 + r.nextInt(0x300); // emoji
        case 7 -> r.nextInt(0x110000); // anything
        case 8 -> -1;
        default -> ' ';
      };
      if (cp == -1) {
        sb.append(extras[r.nextInt(extras.length)]);
      } else if (!(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0x2581 && cp != 0) {
        sb.appendCodePoint(cp);
      }
    }
    return sb.toString();
  }

  @Test
  void identityRoundTripsRandomUnicode() {
    Random r = new Random(42);
    for (int t = 0; t < 2000; t++) {
      String text = randomText(r, 60);
      int[] ids = IDENTITY.encode(text);
      assertWithMessage("decode(encode(%s)) ids %s", text, Arrays.toString(ids)).that(IDENTITY.decode(ids))
          .isEqualTo(text);
      assertThat(IDENTITY.encodeAsPieces(text)).hasSize(ids.length);
      // The pieces, byte pieces as their bytes, concatenate to the normalized text.
      assertThat(surface(IDENTITY.encodeAsPieces(text))).isEqualTo(IDENTITY.normalize(text));
    }
  }

  @Test
  void nfkcRoundTripsToTheNormalizedText() {
    Random r = new Random(7);
    for (int t = 0; t < 2000; t++) {
      String text = randomText(r, 60);
      String normalized = NFKC.normalize(text);
      String expected = normalized.replace('\u2581', ' ');
      if (expected.startsWith(" ")) {
        expected = expected.substring(1);
      }
      int[] ids = NFKC.encode(text);
      assertWithMessage("decode(encode(%s))", text).that(NFKC.decode(ids)).isEqualTo(expected);
      assertThat(surface(NFKC.encodeAsPieces(text))).isEqualTo(normalized);
    }
  }

  /** The pieces joined, each {@code <0xNN>} replaced by its byte. */
  static String surface(List<String> pieces) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String p : pieces) {
      if (p.matches("<0x[0-9A-F]{2}>")) {
        out.write(Integer.parseInt(p.substring(3, 5), 16));
      } else {
        out.writeBytes(p.getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void normalizesWithTheModelsRules() {
    assertThat(IDENTITY.normalize("a  b ")).isEqualTo("\u2581a\u2581\u2581b\u2581");
    assertThat(IDENTITY.normalize("ｆｕｌｌ")).isEqualTo("\u2581ｆｕｌｌ");
    assertThat(NFKC.normalize("  a \n\t b  ")).isEqualTo("\u2581a\u2581b");
    assertThat(NFKC.normalize("ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and ﬁ")).isEqualTo("\u2581fullwidth\u2581ABC\u2581123\u2581and\u2581fi");
    assertThat(NFKC.normalize("𝔘𝔫𝔦𝔠𝔬𝔡𝔢")).isEqualTo("\u2581Unicode");
    assertThat(NFKC.normalize("   ")).isEmpty();
    assertThat(NFKC.normalize("")).isEmpty();
    // a user-defined symbol is never normalized, even where the map would change its characters
    assertThat(NFKC.normalize("x<extra_id_1>y")).isEqualTo("\u2581x<extra_id_1>y");
  }

  @Test
  void bytesFallBackForCharactersOutsideTheVocabulary() {
    for (SentencePieceModel m : List.of(IDENTITY, NFKC)) {
      // an emoji and a rare CJK character: one byte piece per UTF-8 byte
      assertThat(m.encodeAsPieces("🙂")).containsExactly("\u2581", "<0xF0>", "<0x9F>", "<0x99>", "<0x82>").inOrder();
      assertThat(m.encodeAsPieces("龘")).containsExactly("\u2581", "<0xE9>", "<0xBE>", "<0x98>").inOrder();
      int[] ids = m.encode("a🙂b龘");
      for (int id : ids) {
        assertThat(id).isNotEqualTo(m.unkId());
      }
      assertThat(m.decode(ids)).isEqualTo("a🙂b龘");
    }
  }

  @Test
  void userDefinedSymbolsAreMatchedWholeInsideWords() {
    for (SentencePieceModel m : List.of(IDENTITY, NFKC)) {
      List<String> pieces = m.encodeAsPieces("foo<extra_id_1>bar<extra_id_0><extra_id_2>x");
      assertThat(pieces).containsAtLeast("<extra_id_1>", "<extra_id_0>", "<extra_id_2>").inOrder();
      assertThat(String.join("", pieces)).isEqualTo("\u2581foo<extra_id_1>bar<extra_id_0><extra_id_2>x");
      // never merged with neighbours, and a near miss is ordinary text
      List<String> near = m.encodeAsPieces("<extra_id_3><extra_id_1");
      assertThat(near).doesNotContain("<extra_id_1>");
      int[] ids = m.encode("a<extra_id_1>b");
      assertThat(Arrays.stream(ids).filter(i -> i == m.pieceToId("<extra_id_1>")).count()).isEqualTo(1);
      assertThat(m.decode(ids)).isEqualTo("a<extra_id_1>b");
    }
  }

  @Test
  void emptyText() {
    for (SentencePieceModel m : List.of(IDENTITY, NFKC)) {
      assertThat(m.encode("")).isEmpty();
      assertThat(m.encodeAsPieces("")).isEmpty();
      assertThat(m.decode(new int[0])).isEmpty();
    }
  }

  @Test
  void decodeSkipsControlPiecesAndShowsUnknown() {
    int[] ids = IDENTITY.encode("Hello world");
    int[] withSpecials = new int[ids.length + 2];
    withSpecials[0] = IDENTITY.bosId();
    System.arraycopy(ids, 0, withSpecials, 1, ids.length);
    withSpecials[ids.length + 1] = IDENTITY.eosId();
    assertThat(IDENTITY.decode(withSpecials)).isEqualTo("Hello world");
    assertThat(IDENTITY.decode(new int[] {IDENTITY.unkId()})).isEqualTo(" \u2047 ");
    int a = IDENTITY.pieceToId("\u2581a");
    assertThat(IDENTITY.decode(new int[] {a, IDENTITY.unkId(), a})).isEqualTo("a \u2047  a");
  }

  @Test
  void decodeReplacesMalformedByteRuns() {
    SentencePieceModel m = IDENTITY;
    int e2 = m.pieceToId("<0xE2>");
    int x82 = m.pieceToId("<0x82>");
    int ac = m.pieceToId("<0xAC>");
    int a = m.pieceToId("a");
    assertThat(m.decode(new int[] {e2, x82, ac})).isEqualTo("€");
    // a truncated sequence: each byte that does not start a well-formed character becomes U+FFFD
    assertThat(m.decode(new int[] {e2, x82, a})).isEqualTo("\uFFFD\uFFFDa");
    assertThat(m.decode(new int[] {x82})).isEqualTo("\uFFFD");
    // overlong encoding of '/' and an encoded surrogate are malformed too
    assertThat(m.decode(new int[] {m.pieceToId("<0xC0>"), m.pieceToId("<0xAF>")})).isEqualTo("\uFFFD\uFFFD");
    assertThat(m.decode(new int[] {m.pieceToId("<0xED>"), m.pieceToId("<0xA0>"), m.pieceToId("<0x80>")}))
        .isEqualTo("\uFFFD\uFFFD\uFFFD");
  }

  @Test
  void decodeRejectsIdsOutOfRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IDENTITY.decode(new int[] {5, 1400}));
    assertThat(e).hasMessageThat().contains("1400");
    assertThat(e).hasMessageThat().contains("1400 pieces");
    e = assertThrows(IllegalArgumentException.class, () -> IDENTITY.decode(new int[] {-1}));
    assertThat(e).hasMessageThat().contains("-1");
    assertThrows(IllegalArgumentException.class, () -> IDENTITY.idToPiece(1400));
  }

  @Test
  void unpairedSurrogatesBecomeReplacementCharacters() {
    assertThat(IDENTITY.normalize("a\uD800b")).isEqualTo("\u2581a\uFFFDb");
    assertThat(IDENTITY.decode(IDENTITY.encode("a\uDC00"))).isEqualTo("a\uFFFD");
  }

  @Test
  void cuttingBeforeSpacesChangesNothing() {
    Random r = new Random(11);
    for (SentencePieceModel m : List.of(IDENTITY, NFKC)) {
      assertThat(m.cutsAtSpaces()).isTrue();
      for (int t = 0; t < 1000; t++) {
        String text = randomText(r, 80);
        assertWithMessage("%s", text).that(m.encode(text)).isEqualTo(m.encodeUncut(text));
      }
    }
    // a piece with an inner space turns cutting off
    SentencePieceModel inner = new TestModels.Builder().specials().piece("\u2581", -1).piece("a", -2)
        .piece("a\u2581", -3).load();
    assertThat(inner.cutsAtSpaces()).isFalse();
    assertThat(inner.encodeAsPieces("a a")).containsExactly("\u2581", "a\u2581", "a").inOrder();
  }

  @Test
  void longTextsEncodeLikeTheirParts() {
    // Words never merge across "▁" in these models, so a long text is the concatenation of its words.
    Random r = new Random(3);
    StringBuilder sb = new StringBuilder();
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 20000; i++) {
      String word = randomWord(r);
      sb.append(i == 0 ? "" : " ").append(word);
      for (int id : NFKC.encode(word)) {
        expected.add(id);
      }
    }
    int[] ids = NFKC.encode(sb.toString());
    assertThat(Arrays.stream(ids).boxed().toList()).isEqualTo(expected);
    assertThat(NFKC.decode(ids)).isEqualTo(sb.toString());
  }

  private static String randomWord(Random r) {
    String letters = "etaoinshrdlucmfwypvbgkjqxz";
    StringBuilder w = new StringBuilder();
    int n = 1 + r.nextInt(9);
    for (int i = 0; i < n; i++) {
      w.append(letters.charAt(Math.min(letters.length() - 1, (int) (Math.abs(r.nextGaussian()) * 8))));
    }
    return w.toString();
  }

  @Test
  void loadsFromAFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("m.model");
    Files.write(f, TokenizerFixtures.modelBytes(TokenizerFixtures.NFKC));
    assertThat(SentencePieceModel.load(f).encode("Hello world")).isEqualTo(NFKC.encode("Hello world"));
    Files.write(f, new byte[] {8, (byte) 0x80});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentencePieceModel.load(f));
    assertThat(e).hasMessageThat().contains(f.toString());
  }
}

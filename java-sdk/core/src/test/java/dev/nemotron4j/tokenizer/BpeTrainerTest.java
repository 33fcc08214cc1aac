package dev.nemotron4j.tokenizer;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BPE training: the model loads, encodes the corpus losslessly and has the requested shape. */
class BpeTrainerTest {
  private static final int VOCAB = 1000;
  private static List<String> corpus;
  private static byte[] modelBytes;
  private static SentencePieceModel model;

  @BeforeAll
  static void train() {
    corpus = ToyCorpus.sentences(7, 6000);
    modelBytes = BpeTrainer.train(corpus, BpeTrainer.Options.defaults(VOCAB));
    model = SentencePieceModel.fromBytes(modelBytes);
  }

  private static SentencePieceModel train(List<String> sentences, BpeTrainer.Options options) {
    return SentencePieceModel.fromBytes(BpeTrainer.train(sentences, options));
  }

  private static List<String> learned(SentencePieceModel m) {
    List<String> out = new ArrayList<>();
    for (int id = 0; id < m.vocabSize(); id++) {
      if (m.pieceType(id) == PieceType.NORMAL) {
        out.add(m.idToPiece(id));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- the trained model

  @Test
  void hasExactlyTheRequestedVocabularySize() {
    assertThat(model.vocabSize()).isEqualTo(VOCAB);
    for (int size : new int[] {400, 777}) {
      assertThat(train(corpus.subList(0, 2000), BpeTrainer.Options.defaults(size)).vocabSize()).isEqualTo(size);
    }
  }

  @Test
  void encodesEveryCorpusSentenceLosslesslyWithoutByteFallback() {
    for (String s : corpus) {
      int[] ids = model.encode(s);
      assertThat(model.decode(ids)).isEqualTo(s);
      for (int id : ids) {
        assertThat(model.pieceType(id)).isEqualTo(PieceType.NORMAL);
      }
    }
  }

  @Test
  void compressesTheCorpus() {
    long chars = 0;
    long tokens = 0;
    for (String s : corpus) {
      chars += s.length();
      tokens += model.encode(s).length;
    }
    assertThat((double) chars / tokens).isGreaterThan(3.0);
  }

  @Test
  void layoutIsSpecialThenUserDefinedThenBytesThenLearnedThenCharacters() {
    assertThat(model.idToPiece(0)).isEqualTo("<unk>");
    assertThat(model.pieceType(0)).isEqualTo(PieceType.UNKNOWN);
    assertThat(model.idToPiece(1)).isEqualTo("<s>");
    assertThat(model.idToPiece(2)).isEqualTo("</s>");
    assertThat(model.pieceType(1)).isEqualTo(PieceType.CONTROL);
    assertThat(model.pieceType(2)).isEqualTo(PieceType.CONTROL);
    assertThat(model.unkId()).isEqualTo(0);
    assertThat(model.bosId()).isEqualTo(1);
    assertThat(model.eosId()).isEqualTo(2);
    assertThat(model.padId()).isEqualTo(-1);
    for (int i = 0; i < 3; i++) {
      assertThat(model.idToPiece(3 + i)).isEqualTo("<extra_id_" + i + ">");
      assertThat(model.pieceType(3 + i)).isEqualTo(PieceType.USER_DEFINED);
    }
    for (int b = 0; b < 256; b++) {
      assertThat(model.idToPiece(6 + b)).isEqualTo(String.format("<0x%02X>", b));
      assertThat(model.pieceType(6 + b)).isEqualTo(PieceType.BYTE);
    }
    for (int id = 0; id < 262; id++) {
      assertThat(model.score(id)).isEqualTo(0f);
    }
    // Learned pieces (several characters) come first with scores 0, -1, -2, ...; single characters last.
    boolean inAlphabet = false;
    for (int id = 262; id < VOCAB; id++) {
      assertThat(model.pieceType(id)).isEqualTo(PieceType.NORMAL);
      assertThat(model.score(id)).isEqualTo(-(float) (id - 262));
      int chars = model.idToPiece(id).codePointCount(0, model.idToPiece(id).length());
      if (chars == 1) {
        inAlphabet = true;
      } else {
        assertThat(inAlphabet).isFalse();
      }
    }
    assertThat(inAlphabet).isTrue();
    assertThat(model.idToPiece(VOCAB - 1).codePointCount(0, model.idToPiece(VOCAB - 1).length())).isEqualTo(1);
  }

  @Test
  void layoutAndSpecsMatchTheReferenceModel() throws IOException {
    ModelProto ours = ModelProto.parse(modelBytes);
    ModelProto ref = ModelProto.parse(Files.readAllBytes(
        TokenizerFixtures.dir(TokenizerFixtures.IDENTITY).resolve("tokenizer.model")));
    for (int i = 0; i < 262; i++) {
      assertThat(new String(ours.pieces.get(i))).isEqualTo(new String(ref.pieces.get(i)));
      assertThat(ours.types.get(i)).isEqualTo(ref.types.get(i));
      assertThat(ours.scores.get(i)).isEqualTo(ref.scores.get(i));
    }
    assertThat(ref.types.get(262)).isEqualTo(PieceType.NORMAL);
    assertThat(Float.floatToRawIntBits(ours.scores.get(262))).isEqualTo(Float.floatToRawIntBits(ref.scores.get(262)));
    ModelProto.TrainerSpec t = ours.trainer;
    ModelProto.TrainerSpec r = ref.trainer;
    assertThat(t.modelType).isEqualTo(r.modelType);
    assertThat(t.byteFallback).isEqualTo(r.byteFallback);
    assertThat(t.splitDigits).isEqualTo(r.splitDigits);
    assertThat(t.treatWhitespaceAsSuffix).isEqualTo(r.treatWhitespaceAsSuffix);
    assertThat(new int[] {t.unkId, t.bosId, t.eosId, t.padId}).isEqualTo(new int[] {r.unkId, r.bosId, r.eosId, r.padId});
    assertThat(t.vocabSize).isEqualTo(VOCAB);
    ModelProto.NormalizerSpec n = ours.normalizer;
    ModelProto.NormalizerSpec q = ref.normalizer;
    assertThat(n.name).isEqualTo(q.name);
    assertThat(n.precompiledCharsmap).isEqualTo(q.precompiledCharsmap);
    assertThat(n.addDummyPrefix).isEqualTo(q.addDummyPrefix);
    assertThat(n.removeExtraWhitespaces).isEqualTo(q.removeExtraWhitespaces);
    assertThat(n.escapeWhitespaces).isEqualTo(q.escapeWhitespaces);
    assertThat(ours.denormalizer).isNull();
  }

  @Test
  void userDefinedSymbolsEncodeToSingleIds() {
    String chat = "<extra_id_0>System\n\n<extra_id_1>User\nHow many apples?\n<extra_id_1>Assistant\n3 apples.";
    int[] ids = model.encode(chat);
    assertThat(model.decode(ids)).isEqualTo(chat);
    assertThat(Arrays.stream(ids).filter(id -> id == 3).count()).isEqualTo(1);
    assertThat(Arrays.stream(ids).filter(id -> id == 4).count()).isEqualTo(2);
    for (int i = 0; i < 3; i++) {
      String sym = "<extra_id_" + i + ">";
      assertThat(model.encode(sym)).asList().contains(3 + i);
      assertThat(model.encodeSegment(sym)).isEqualTo(new int[] {3 + i});
    }
    // Learned pieces never hold the symbols' text.
    for (String p : learned(model)) {
      assertThat(p).doesNotContain("extra_id");
    }
  }

  @Test
  void userDefinedSymbolsInTheCorpusAreCutOut() {
    List<String> chats = new ArrayList<>();
    for (String s : corpus.subList(0, 2000)) {
      chats.add("<extra_id_1>User\n" + s + "\n<extra_id_1>Assistant\n" + s);
    }
    SentencePieceModel m = train(chats, BpeTrainer.Options.defaults(600));
    for (String p : learned(m)) {
      assertThat(p).doesNotContain("<extra");
      assertThat(p).doesNotContain("_id_");
    }
    for (String s : chats.subList(0, 200)) {
      assertThat(m.decode(m.encode(s))).isEqualTo(s);
    }
  }

  @Test
  void digitsAreSinglePieces() {
    for (String p : learned(model)) {
      if (p.codePoints().anyMatch(PieceRules::isDecimalDigit)) {
        assertThat(p.codePointCount(0, p.length())).isEqualTo(1);
      }
    }
    List<String> pieces = model.encodeAsPieces("In 2024, it cost $1234.50");
    assertThat(pieces).containsAtLeast("2", "0", "2", "4", "1", "2", "3", "4", "5", "0").inOrder();
    for (String p : pieces) {
      if (p.codePoints().anyMatch(PieceRules::isDecimalDigit)) {
        assertThat(p).hasLength(1);
      }
    }
  }

  @Test
  void withoutSplitDigitsNumbersMerge() {
    List<String> numbers = Collections.nCopies(50, "in 2024 and 2024 again");
    // 3 special pieces, 9 characters and 6 merges: enough for "▁2024" when digits may merge.
    SentencePieceModel split = train(numbers, bare(18));
    assertThat(learned(split).stream().filter(p -> p.codePointCount(0, p.length()) > 1)
        .anyMatch(p -> p.codePoints().anyMatch(PieceRules::isDecimalDigit))).isFalse();
    SentencePieceModel joined = train(numbers, bare(18).withSplitDigits(false));
    assertThat(joined.hasPiece("\u25812024")).isTrue();
    assertThat(joined.encodeAsPieces("2024")).containsExactly("\u25812024");
  }

  @Test
  void frequentWordsBecomeSinglePieces() {
    List<String> missing = new ArrayList<>();
    for (String w : new String[] {"the", "said", "apples", "Why", "Nobody", "knows", "Question", "Answer"}) {
      if (!model.hasPiece("\u2581" + w) || !model.encodeAsPieces(w).equals(List.of("\u2581" + w))) {
        missing.add(w + " " + model.encodeAsPieces(w));
      }
    }
    assertThat(missing).isEmpty();
    assertThat(model.encodeAsPieces("the old man found a red bicycle"))
        .containsExactly("\u2581the", "\u2581old", "\u2581man", "\u2581found", "\u2581a", "\u2581red", "\u2581bicycle")
        .inOrder();
  }

  @Test
  void piecesNeverSpanWhitespaceOrMixScripts() {
    for (String p : learned(model)) {
      assertThat(p.indexOf('\u2581', 1)).isEqualTo(-1);
      assertThat(p).doesNotContain(" ");
      String body = p.startsWith("\u2581") ? p.substring(1) : p;
      if (body.codePointCount(0, body.length()) > 1) {
        long letters = body.codePoints().filter(Character::isLetter).count();
        assertThat(letters == 0 || letters == body.codePointCount(0, body.length())).isTrue();
      }
    }
  }

  @Test
  void unseenCharactersGoToBytePieces() {
    assertThat(model.encodeAsPieces("é")).containsExactly("\u2581", "<0xC3>", "<0xA9>").inOrder();
    for (String s : new String[] {"naïve café", "日本語のテキスト", "emoji \uD83D\uDE00!", "tab\there"}) {
      int[] ids = model.encode(s);
      assertThat(model.decode(ids)).isEqualTo(s);
    }
    assertThat(Arrays.stream(model.encode("日本")).allMatch(id -> model.pieceType(id) != PieceType.UNKNOWN)).isTrue();
  }

  @Test
  void whitespaceRoundTrips() {
    for (String s : new String[] {" leading", "trailing ", "two  spaces", "   ", "a\nb", " the  cat "}) {
      assertThat(model.decode(model.encode(s))).isEqualTo(s);
    }
  }

  @Test
  void rareCharactersBelowTheCoverageAreLeftToBytes() {
    List<String> sentences = new ArrayList<>(corpus.subList(0, 2000));
    sentences.add("the word ж appears once");
    SentencePieceModel all = train(sentences, BpeTrainer.Options.defaults(500));
    assertThat(all.hasPiece("ж")).isTrue();
    SentencePieceModel most = train(sentences, BpeTrainer.Options.defaults(500).withCharacterCoverage(0.9999));
    assertThat(most.hasPiece("ж")).isFalse();
    assertThat(most.encodeAsPieces("ж")).containsExactly("\u2581", "<0xD0>", "<0xB6>").inOrder();
    assertThat(most.vocabSize()).isEqualTo(500);
  }

  @Test
  void maxPieceLengthBoundsLearnedPieces() {
    SentencePieceModel m = train(corpus.subList(0, 2000), BpeTrainer.Options.defaults(450).withMaxPieceLength(4));
    for (String p : learned(m)) {
      assertThat(p.codePointCount(0, p.length())).isAtMost(4);
    }
  }

  // ---------------------------------------------------------------- semantics on tiny corpora

  private static BpeTrainer.Options bare(int vocabSize) {
    return new BpeTrainer.Options(vocabSize, List.of(), false, true, 1.0, 16);
  }

  @Test
  void mergesTheMostFrequentPairFirst() {
    // "▁abab" x2, "▁ab": (a,b) 5 -> "ab"; (▁,ab) 3 -> "▁ab"; (▁ab,ab) 2 -> "▁abab"; nothing left.
    SentencePieceModel m = train(List.of("abab abab ab"), bare(9));
    List<String> pieces = new ArrayList<>();
    for (int id = 3; id < 9; id++) {
      pieces.add(m.idToPiece(id));
    }
    assertThat(pieces).containsExactly("ab", "\u2581ab", "\u2581abab", "a", "b", "\u2581").inOrder();
    assertThat(m.encodeAsPieces("abab ab")).containsExactly("\u2581abab", "\u2581ab").inOrder();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BpeTrainer.train(List.of("abab abab ab"), bare(10)));
    assertThat(e).hasMessageThat().contains("vocabSize 10");
    assertThat(e).hasMessageThat().contains("at most 9");
  }

  @Test
  void tiesGoToTheShorterThenSmallerPiece() {
    SentencePieceModel m = train(List.of("ab cd"), bare(3 + 5 + 4));
    List<String> pieces = new ArrayList<>();
    for (int id = 3; id < 7; id++) {
      pieces.add(m.idToPiece(id));
    }
    assertThat(pieces).containsExactly("ab", "cd", "\u2581ab", "\u2581cd").inOrder();
  }

  @Test
  void repeatedCharactersMergeLeftToRight() {
    // "▁aaaa" x3: (a,a) counts twice per word; merging gives "aa","aa", then "▁aa" and "▁aaaa".
    SentencePieceModel m = train(List.of("aaaa aaaa aaaa"), bare(3 + 2 + 3));
    assertThat(m.idToPiece(3)).isEqualTo("aa");
    assertThat(m.idToPiece(4)).isEqualTo("\u2581aa");
    assertThat(m.idToPiece(5)).isEqualTo("\u2581aaaa");
    assertThat(m.encodeAsPieces("aaaa aaa")).containsExactly("\u2581aaaa", "\u2581aa", "a").inOrder();
  }

  @Test
  void overlappingPairsOfEqualSymbolsCountOnce() {
    // "▁aaaa" holds two "aa" (not three), "▁bcbcbc" three "bc": "bc" wins.
    SentencePieceModel m = train(List.of("aaaa bcbcbc"), bare(3 + 4 + 1));
    assertThat(m.idToPiece(3)).isEqualTo("bc");
    // "▁aaa" holds one "aa", "▁bc" x2 two "bc".
    m = train(List.of("aaa bc bc"), bare(3 + 4 + 1));
    assertThat(m.idToPiece(3)).isEqualTo("bc");
  }

  // ---------------------------------------------------------------- determinism and output

  @Test
  void isDeterministicAndIndependentOfSentenceOrder() {
    List<String> part = corpus.subList(0, 3000);
    byte[] a = BpeTrainer.train(part, BpeTrainer.Options.defaults(800));
    byte[] b = BpeTrainer.train(new ArrayList<>(part), BpeTrainer.Options.defaults(800));
    assertThat(b).isEqualTo(a);
    List<String> shuffled = new ArrayList<>(part);
    Collections.shuffle(shuffled, new Random(1));
    assertThat(BpeTrainer.train(shuffled, BpeTrainer.Options.defaults(800))).isEqualTo(a);
  }

  @Test
  void writesTheModelFileAtomically(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("sub").resolve("tokenizer.model");
    List<String> part = corpus.subList(0, 1000);
    BpeTrainer.train(part, BpeTrainer.Options.defaults(400), out);
    assertThat(Files.readAllBytes(out)).isEqualTo(BpeTrainer.train(part, BpeTrainer.Options.defaults(400)));
    SentencePieceModel m = SentencePieceModel.load(out);
    assertThat(m.vocabSize()).isEqualTo(400);
    try (Stream<Path> files = Files.list(out.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("tokenizer.model");
    }
  }

  @Test
  void acceptsAnyIterableReadOnce() {
    List<String> part = corpus.subList(0, 500);
    Iterable<String> once = new Iterable<>() {
      boolean used;

      @Override
      public java.util.Iterator<String> iterator() {
        assertThat(used).isFalse();
        used = true;
        return part.iterator();
      }
    };
    assertThat(BpeTrainer.train(once, BpeTrainer.Options.defaults(350)))
        .isEqualTo(BpeTrainer.train(part, BpeTrainer.Options.defaults(350)));
  }

  // ---------------------------------------------------------------- errors

  private static void assertBadOptions(String expected, Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertThat(e).hasMessageThat().contains(expected);
  }

  @Test
  void rejectsBadOptions() {
    BpeTrainer.Options d = BpeTrainer.Options.defaults(1000);
    assertBadOptions("vocabSize 262", () -> d.withVocabSize(262));
    assertBadOptions("vocabSize -5", () -> d.withVocabSize(-5));
    assertBadOptions("characterCoverage 0.0", () -> d.withCharacterCoverage(0));
    assertBadOptions("characterCoverage 1.5", () -> d.withCharacterCoverage(1.5));
    assertBadOptions("characterCoverage NaN", () -> d.withCharacterCoverage(Double.NaN));
    assertBadOptions("maxPieceLength 0", () -> d.withMaxPieceLength(0));
    assertBadOptions("maxPieceLength 513", () -> d.withMaxPieceLength(513));
    assertBadOptions("userDefinedSymbols[1] '<a>' is listed twice", () -> d.withUserDefinedSymbols(List.of("<a>", "<a>")));
    assertBadOptions("userDefinedSymbols[0] is empty", () -> d.withUserDefinedSymbols(List.of("")));
    assertBadOptions("userDefinedSymbols[0] '<s>' is a special piece", () -> d.withUserDefinedSymbols(List.of("<s>")));
    assertBadOptions("'<0x41>' is a byte piece", () -> d.withUserDefinedSymbols(List.of("<0x41>")));
    assertBadOptions("unpaired surrogate", () -> d.withUserDefinedSymbols(List.of("a\uD800")));
    assertBadOptions("NUL", () -> d.withUserDefinedSymbols(List.of("a\0")));
    assertBadOptions("userDefinedSymbols[1] is null", () -> d.withUserDefinedSymbols(Arrays.asList("a", null)));
    // Without byte fallback the byte pieces are free, and fewer pieces are reserved.
    assertThat(d.withByteFallback(false).withUserDefinedSymbols(List.of("<0x41>")).userDefinedSymbols())
        .containsExactly("<0x41>");
    assertThat(new BpeTrainer.Options(10, List.of(), false, true, 1.0, 16).vocabSize()).isEqualTo(10);
    assertBadOptions("vocabSize 3 leaves no room", () -> new BpeTrainer.Options(3, List.of(), false, true, 1.0, 16));
  }

  @Test
  void rejectsBadCorpora() {
    BpeTrainer.Options d = BpeTrainer.Options.defaults(400);
    assertBadOptions("no text", () -> BpeTrainer.train(List.of(), d));
    assertBadOptions("no text", () -> BpeTrainer.train(List.of("", ""), d));
    assertBadOptions("sentence 1 is null", () -> BpeTrainer.train(Arrays.asList("a b", null), d));
    // 262 reserved pieces + 201 characters: too many distinct characters for the vocabulary.
    StringBuilder sb = new StringBuilder();
    for (char c = 0x4E00; c < 0x4E00 + 200; c++) {
      sb.append(c).append(' ');
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BpeTrainer.train(List.of(sb.toString()), d));
    assertThat(e).hasMessageThat().contains("vocabSize 400 is too small for this corpus");
    assertThat(e).hasMessageThat().contains("201 characters");
    assertBadOptions("more than this corpus supports", () -> BpeTrainer.train(List.of("tiny corpus"), d));
  }
}

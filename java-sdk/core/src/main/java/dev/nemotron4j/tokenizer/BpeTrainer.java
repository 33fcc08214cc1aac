package dev.nemotron4j.tokenizer;

import dev.nemotron4j.io.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Trains a SentencePiece BPE model on a corpus, in pure Java, and writes it as a serialized
 * {@code ModelProto} ({@code tokenizer.model}) that {@link SentencePieceModel} (and the reference
 * SentencePiece library) loads. It follows SentencePiece's BPE trainer:
 *
 * <ul>
 *   <li>normalization "identity": no character map, a dummy {@code '▁'} prefix, whitespace kept as
 *       is and escaped as {@code '▁'} (U+2581);
 *   <li>the normalized sentences are cut into words before every {@code '▁'}; occurrences of the
 *       reserved pieces (special, user-defined and byte pieces) are cut out;
 *   <li>the alphabet is the most frequent characters covering {@code characterCoverage} of the
 *       corpus (all of them at 1.0); the others are left to byte fallback;
 *   <li>merges pick the most frequent adjacent pair of symbols, ties going to the shorter piece, then
 *       to the smaller one in code-point order; pieces never hold {@code '▁'} after their start, never
 *       mix Unicode scripts, never hold a digit with another character when {@code splitDigits},
 *       and have at most {@code maxPieceLength} characters;
 *   <li>the vocabulary is {@code <unk>}, {@code <s>}, {@code </s>} (ids 0, 1, 2; no padding), the
 *       user-defined symbols, the 256 byte pieces {@code <0x00>..<0xFF>} (with byte fallback), the
 *       learned pieces with scores 0, -1, -2, ... in merge order, then the alphabet, most frequent
 *       first, with the scores going on down. The encoder merges by score, so it replays the merges.
 * </ul>
 *
 * <p>Training is deterministic: the same sentences and options give the same bytes. The model has
 * exactly {@code vocabSize} pieces, or training fails with an {@link IllegalArgumentException} that
 * says how many the corpus supports.
 */
public final class BpeTrainer {
  /** The Nemotron-4 chat markers, the default user-defined symbols. */
  public static final List<String> DEFAULT_USER_DEFINED_SYMBOLS =
      List.of("<extra_id_0>", "<extra_id_1>", "<extra_id_2>");

  static final String UNK = "<unk>";
  static final String BOS = "<s>";
  static final String EOS = "</s>";
  private static final int MAX_PIECE_BYTES = 8000; // as SentencePieceModel accepts
  private static final int MAX_PIECE_LENGTH = 512; // as SentencePiece's trainer accepts

  private BpeTrainer() {}

  /**
   * Training options.
   *
   * @param vocabSize the number of pieces of the model, the reserved ones included
   * @param userDefinedSymbols pieces always matched whole in text (ids 3, 4, ...)
   * @param byteFallback whether to add the 256 byte pieces, for characters outside the vocabulary
   * @param splitDigits whether every decimal digit stays a piece of its own
   * @param characterCoverage the share of the corpus's characters the alphabet must cover, in (0, 1]
   * @param maxPieceLength the most characters a learned piece may have, 1 to 512
   */
  public record Options(int vocabSize, List<String> userDefinedSymbols, boolean byteFallback, boolean splitDigits,
      double characterCoverage, int maxPieceLength) {
    public Options {
      Objects.requireNonNull(userDefinedSymbols, "userDefinedSymbols");
      userDefinedSymbols = List.copyOf(checkSymbols(userDefinedSymbols, byteFallback));
      if (!(characterCoverage > 0 && characterCoverage <= 1)) {
        throw new IllegalArgumentException("characterCoverage " + characterCoverage
            + " is out of range: expected a value in (0, 1]");
      }
      if (maxPieceLength < 1 || maxPieceLength > MAX_PIECE_LENGTH) {
        throw new IllegalArgumentException("maxPieceLength " + maxPieceLength + " is out of range: expected 1 to "
            + MAX_PIECE_LENGTH);
      }
      int reserved = reservedCount(userDefinedSymbols.size(), byteFallback);
      if (vocabSize <= reserved) {
        throw new IllegalArgumentException("vocabSize " + vocabSize + " leaves no room for learned pieces: "
            + reserved + " pieces are reserved (3 special, " + userDefinedSymbols.size() + " user-defined"
            + (byteFallback ? ", 256 byte pieces" : "") + "); expected more than " + reserved);
      }
    }

    /**
     * The defaults for {@code vocabSize}: the Nemotron-4 chat markers as user-defined symbols, byte
     * fallback, split digits, character coverage 1.0 and pieces of at most 16 characters.
     */
    public static Options defaults(int vocabSize) {
      return new Options(vocabSize, DEFAULT_USER_DEFINED_SYMBOLS, true, true, 1.0, 16);
    }

    public Options withVocabSize(int v) {
      return new Options(v, userDefinedSymbols, byteFallback, splitDigits, characterCoverage, maxPieceLength);
    }

    public Options withUserDefinedSymbols(List<String> v) {
      return new Options(vocabSize, v, byteFallback, splitDigits, characterCoverage, maxPieceLength);
    }

    public Options withByteFallback(boolean v) {
      return new Options(vocabSize, userDefinedSymbols, v, splitDigits, characterCoverage, maxPieceLength);
    }

    public Options withSplitDigits(boolean v) {
      return new Options(vocabSize, userDefinedSymbols, byteFallback, v, characterCoverage, maxPieceLength);
    }

    public Options withCharacterCoverage(double v) {
      return new Options(vocabSize, userDefinedSymbols, byteFallback, splitDigits, v, maxPieceLength);
    }

    public Options withMaxPieceLength(int v) {
      return new Options(vocabSize, userDefinedSymbols, byteFallback, splitDigits, characterCoverage, v);
    }

    private static List<String> checkSymbols(List<String> symbols, boolean byteFallback) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < symbols.size(); i++) {
        String s = symbols.get(i);
        String what = "userDefinedSymbols[" + i + "]";
        if (s == null) {
          throw new IllegalArgumentException(what + " is null: expected a non-empty string");
        }
        if (s.isEmpty()) {
          throw new IllegalArgumentException(what + " is empty: expected a non-empty string");
        }
        for (int j = 0; j < s.length(); j++) {
          char c = s.charAt(j);
          if (c == 0) {
            throw new IllegalArgumentException(what + " '" + s + "' contains a NUL character: not allowed in a piece");
          }
          if (Character.isHighSurrogate(c) && j + 1 < s.length() && Character.isLowSurrogate(s.charAt(j + 1))) {
            j++;
          } else if (Character.isSurrogate(c)) {
            throw new IllegalArgumentException(what + " contains an unpaired surrogate at index " + j
                + ": expected well-formed UTF-16");
          }
        }
        if (s.getBytes(StandardCharsets.UTF_8).length >= MAX_PIECE_BYTES) {
          throw new IllegalArgumentException(what + " has " + s.getBytes(StandardCharsets.UTF_8).length
              + " UTF-8 bytes: expected fewer than " + MAX_PIECE_BYTES);
        }
        if (s.equals(UNK) || s.equals(BOS) || s.equals(EOS)) {
          throw new IllegalArgumentException(what + " '" + s + "' is a special piece (" + UNK + ", " + BOS + ", "
              + EOS + " have ids 0, 1, 2): expected another symbol");
        }
        if (byteFallback && isBytePiece(s)) {
          throw new IllegalArgumentException(what + " '" + s
              + "' is a byte piece, which byte fallback already defines: expected another symbol");
        }
        if (!seen.add(s)) {
          throw new IllegalArgumentException(what + " '" + s + "' is listed twice: expected distinct symbols");
        }
      }
      return symbols;
    }
  }

  static int reservedCount(int userDefined, boolean byteFallback) {
    return 3 + userDefined + (byteFallback ? 256 : 0);
  }

  private static boolean isBytePiece(String s) {
    for (int b = 0; b < 256; b++) {
      if (s.equals(bytePiece(b))) {
        return true;
      }
    }
    return false;
  }

  static String bytePiece(int b) {
    return String.format("<0x%02X>", b);
  }

  /** Trains on {@code sentences} (iterated once) and returns the serialized model. */
  public static byte[] train(Iterable<String> sentences, Options options) {
    Objects.requireNonNull(sentences, "sentences");
    Objects.requireNonNull(options, "options");
    ModelProto.NormalizerSpec norm = identityNormalizer();
    List<String> reservedPieces = reservedPieces(options);
    Words words = collectWords(sentences, norm, options.userDefinedSymbols(), reservedPieces);

    // The alphabet: characters by frequency (then code point) until the coverage is reached.
    long total = 0;
    for (long c : words.charCounts.values()) {
      total += c;
    }
    if (total == 0) {
      throw new IllegalArgumentException("the corpus has no text to train on (" + words.sentences
          + " sentences): expected at least one non-empty sentence");
    }
    List<Map.Entry<Integer, Long>> byFreq = new ArrayList<>(words.charCounts.entrySet());
    byFreq.sort((a, b) -> {
      int c = Long.compare(b.getValue(), a.getValue());
      return c != 0 ? c : Integer.compare(a.getKey(), b.getKey());
    });
    float coverage = (float) options.characterCoverage();
    List<Integer> alphabetList = new ArrayList<>();
    long accumulated = 0;
    for (Map.Entry<Integer, Long> e : byFreq) {
      if ((float) ((double) accumulated / total) >= coverage) {
        break;
      }
      accumulated += e.getValue();
      alphabetList.add(e.getKey());
    }
    int[] alphabet = alphabetList.stream().mapToInt(Integer::intValue).toArray();
    Map<Integer, Integer> symbolOfChar = new HashMap<>();
    for (int i = 0; i < alphabet.length; i++) {
      symbolOfChar.put(alphabet[i], i);
    }

    int reserved = reservedPieces.size();
    int target = options.vocabSize() - reserved - alphabet.length;
    if (target < 0) {
      throw new IllegalArgumentException("vocabSize " + options.vocabSize() + " is too small for this corpus: "
          + reserved + " reserved pieces + " + alphabet.length + " characters (character coverage "
          + options.characterCoverage() + ") = " + (reserved + alphabet.length)
          + "; expected at least that, or a lower characterCoverage");
    }

    // Words as symbol ids.
    int[][] wordSymbols = new int[words.list.size()][];
    long[] freqs = new long[wordSymbols.length];
    for (int w = 0; w < wordSymbols.length; w++) {
      int[] cps = words.list.get(w);
      int[] s = new int[cps.length];
      for (int i = 0; i < cps.length; i++) {
        Integer id = symbolOfChar.get(cps[i]);
        s[i] = id == null ? BpeMerges.UNK : id;
      }
      wordSymbols[w] = s;
      freqs[w] = words.freqs.get(w);
    }
    PieceRules rules = new PieceRules(options.maxPieceLength(), options.splitDigits(), new HashSet<>(reservedPieces));
    List<String> learned = new BpeMerges(alphabet, wordSymbols, freqs, rules).learn(target);
    if (learned.size() < target) {
      int supported = reserved + alphabet.length + learned.size();
      throw new IllegalArgumentException("vocabSize " + options.vocabSize() + " is more than this corpus supports: "
          + "no pair of symbols is left to merge after " + learned.size() + " merges, which gives " + supported
          + " pieces (" + reserved + " reserved, " + alphabet.length + " characters, " + learned.size()
          + " learned); expected a vocabSize of at most " + supported + ", or more text");
    }

    ModelProto m = new ModelProto();
    for (int i = 0; i < reserved; i++) {
      PieceType type = i == 0 ? PieceType.UNKNOWN
          : i < 3 ? PieceType.CONTROL
          : i < 3 + options.userDefinedSymbols().size() ? PieceType.USER_DEFINED
          : PieceType.BYTE;
      addPiece(m, reservedPieces.get(i), 0f, type);
    }
    int rank = 0;
    for (String p : learned) {
      addPiece(m, p, -(float) rank++, PieceType.NORMAL);
    }
    for (int c : alphabet) {
      addPiece(m, new String(Character.toChars(c)), -(float) rank++, PieceType.NORMAL);
    }
    ModelProto.TrainerSpec t = m.trainer;
    t.modelType = ModelProto.BPE;
    t.vocabSize = options.vocabSize();
    t.splitDigits = options.splitDigits();
    t.byteFallback = options.byteFallback();
    t.unkId = 0;
    t.bosId = 1;
    t.eosId = 2;
    t.padId = -1;
    t.unkPiece = UNK;
    t.bosPiece = BOS;
    t.eosPiece = EOS;
    t.padPiece = "<pad>";
    copy(norm, m.normalizer);
    return ModelProtoWriter.write(m, new ModelProtoWriter.TrainingFields((float) options.characterCoverage(),
        options.maxPieceLength(), options.userDefinedSymbols()));
  }

  /** Trains on {@code sentences} (iterated once) and writes the model to {@code out} atomically. */
  public static void train(Iterable<String> sentences, Options options, Path out) {
    Objects.requireNonNull(out, "out");
    AtomicFiles.writeBytes(out, train(sentences, options));
  }

  private static void addPiece(ModelProto m, String piece, float score, PieceType type) {
    m.pieces.add(piece.getBytes(StandardCharsets.UTF_8));
    m.scores.add(score);
    m.types.add(type);
  }

  static ModelProto.NormalizerSpec identityNormalizer() {
    ModelProto.NormalizerSpec n = new ModelProto.NormalizerSpec();
    n.name = "identity";
    n.precompiledCharsmap = new byte[0];
    n.addDummyPrefix = true;
    n.removeExtraWhitespaces = false;
    n.escapeWhitespaces = true;
    return n;
  }

  private static void copy(ModelProto.NormalizerSpec from, ModelProto.NormalizerSpec to) {
    to.name = from.name;
    to.precompiledCharsmap = from.precompiledCharsmap;
    to.addDummyPrefix = from.addDummyPrefix;
    to.removeExtraWhitespaces = from.removeExtraWhitespaces;
    to.escapeWhitespaces = from.escapeWhitespaces;
  }

  /** The reserved pieces in id order: special, user-defined, bytes. */
  private static List<String> reservedPieces(Options o) {
    List<String> r = new ArrayList<>(List.of(UNK, BOS, EOS));
    r.addAll(o.userDefinedSymbols());
    if (o.byteFallback()) {
      for (int b = 0; b < 256; b++) {
        r.add(bytePiece(b));
      }
    }
    return r;
  }

  /** The distinct words of a corpus (as code points) with their frequencies, and its character counts. */
  private static final class Words {
    final List<int[]> list = new ArrayList<>();
    final List<Long> freqs = new ArrayList<>();
    final Map<Integer, Long> charCounts = new HashMap<>();
    long sentences;
  }

  private static Words collectWords(Iterable<String> sentences, ModelProto.NormalizerSpec spec,
      List<String> userDefined, List<String> reservedPieces) {
    List<byte[]> uds = new ArrayList<>();
    for (String s : userDefined) {
      uds.add(s.getBytes(StandardCharsets.UTF_8));
    }
    Normalizer normalizer = new Normalizer(spec, false, new PrefixMatcher(uds));
    List<byte[]> all = new ArrayList<>();
    for (String s : reservedPieces) {
      all.add(s.getBytes(StandardCharsets.UTF_8));
    }
    PrefixMatcher reserved = new PrefixMatcher(all);
    // Words keyed by their UTF-8 bytes (as ISO-8859-1 strings: one char per byte, no decoding).
    Map<String, long[]> counts = new HashMap<>();
    Words out = new Words();
    Iterator<String> it = sentences.iterator();
    long index = 0;
    while (it.hasNext()) {
      String sentence = it.next();
      if (sentence == null) {
        throw new IllegalArgumentException("sentence " + index + " is null: expected a string");
      }
      index++;
      if (sentence.isEmpty()) {
        continue;
      }
      Utf8.Buf in = Utf8.encode(sentence);
      Utf8.Buf norm = normalizer.normalize(in.bytes, in.len, false);
      byte[] b = norm.bytes;
      int n = norm.len;
      int start = -1;
      int pos = 0;
      while (pos < n) {
        int m = reserved.match(b, pos, n);
        if (m > 0) {
          countWord(counts, b, start, pos);
          start = -1;
          pos += m;
          continue;
        }
        if (isSpaceSymbol(b, pos, n)) {
          countWord(counts, b, start, pos);
          start = pos;
          pos += Utf8.SPACE_SYMBOL.length;
          continue;
        }
        if (start < 0) {
          start = pos;
        }
        pos += Math.min(n - pos, Utf8.oneCharLen(b[pos]));
      }
      countWord(counts, b, start, n);
    }
    out.sentences = index;
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      int[] cps = new String(e.getKey().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
          .codePoints().toArray();
      long f = e.getValue()[0];
      out.list.add(cps);
      out.freqs.add(f);
      for (int c : cps) {
        if (c != 0) { // NUL is never a piece; it is left to byte fallback, as in SentencePiece
          out.charCounts.merge(c, f, Long::sum);
        }
      }
    }
    return out;
  }

  private static void countWord(Map<String, long[]> counts, byte[] b, int start, int end) {
    if (start < 0 || end <= start) {
      return;
    }
    String key = new String(b, start, end - start, StandardCharsets.ISO_8859_1);
    long[] c = counts.get(key);
    if (c == null) {
      counts.put(key, new long[] {1});
    } else {
      c[0]++;
    }
  }

  private static boolean isSpaceSymbol(byte[] s, int pos, int n) {
    return pos + 2 < n && s[pos] == Utf8.SPACE_SYMBOL[0] && s[pos + 1] == Utf8.SPACE_SYMBOL[1]
        && s[pos + 2] == Utf8.SPACE_SYMBOL[2];
  }
}

package dev.nemotron4j.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A SentencePiece BPE tokenizer read from a serialized {@code ModelProto} ({@code tokenizer.model}),
 * in pure Java, reproducing the reference library's {@code encode} and {@code decode}:
 *
 * <ul>
 *   <li>normalization: the model's precompiled character map (e.g. {@code nmt_nfkc}) or identity;
 *       removal of extra whitespace, the dummy prefix and the whitespace escape {@code ' '} to
 *       {@code '▁'} (U+2581) as its normalizer spec says; user-defined symbols pass through whole;
 *   <li>BPE merges by piece score, the leftmost on ties; user-defined symbols are never split nor
 *       merged with their neighbours;
 *   <li>characters outside the vocabulary become {@code <0xNN>} byte pieces, one per UTF-8 byte,
 *       when the model has {@code byte_fallback}, else the unknown id (a run of unknown characters
 *       gives one unknown id, as in SentencePiece).
 * </ul>
 *
 * <p>{@code split_digits} is a training option: the vocabulary it produced already keeps digits
 * apart, and encoding does not consult it (neither does SentencePiece). Ids never include BOS/EOS.
 * Text is UTF-8 encoded first; an unpaired surrogate becomes U+FFFD. Instances are immutable and
 * safe to share between threads.
 */
public final class SentencePieceModel {
  private static final int MAX_PIECE_BYTES = 8000;
  private static final byte[] DEFAULT_UNK_SURFACE = " \u2047 ".getBytes(StandardCharsets.UTF_8);

  private final byte[][] pieces;
  private final String[] pieceStrings;
  private final float[] scores;
  private final PieceType[] types;
  private final int[] byteValue; // per id: the byte of a BYTE piece, else -1
  private final int[] byteIds = new int[256];
  private final PieceTable normal;
  private final PieceTable reserved;
  private final int unkId;
  private final int bosId;
  private final int eosId;
  private final int padId;
  private final boolean byteFallback;
  private final boolean addDummyPrefix;
  private final boolean removeExtraWhitespaces;
  private final byte[] unkSurface;
  private final Normalizer normalizer;
  private final Normalizer denormalizer; // null: none
  private final BpeEncoder bpe;

  private SentencePieceModel(ModelProto m) {
    int n = m.pieces.size();
    if (n == 0) {
      throw new IllegalArgumentException("malformed SentencePiece model: it has no pieces (expected a vocabulary)");
    }
    if (m.trainer.modelType != ModelProto.BPE) {
      throw new IllegalArgumentException("unsupported SentencePiece model_type "
          + ModelProto.modelTypeName(m.trainer.modelType) + ": expected BPE (" + ModelProto.BPE + ")");
    }
    pieces = m.pieces.toArray(new byte[0][]);
    pieceStrings = new String[n];
    scores = new float[n];
    types = m.types.toArray(new PieceType[0]);
    byteValue = new int[n];
    byteFallback = m.trainer.byteFallback;
    Arrays.fill(byteIds, -1);
    int normalCount = 0;
    for (PieceType t : types) {
      if (isNormalTable(t)) {
        normalCount++;
      }
    }
    normal = new PieceTable(pieces, normalCount);
    reserved = new PieceTable(pieces, n - normalCount);
    int unk = -1;
    List<byte[]> userDefined = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] p = pieces[i];
      scores[i] = m.scores.get(i);
      pieceStrings[i] = new String(p, StandardCharsets.UTF_8);
      byteValue[i] = -1;
      if (p.length == 0) {
        throw new IllegalArgumentException("malformed SentencePiece model: piece " + i + " is empty");
      }
      if (p.length >= MAX_PIECE_BYTES) {
        throw new IllegalArgumentException("malformed SentencePiece model: piece " + i + " has " + p.length
            + " bytes (expected fewer than " + MAX_PIECE_BYTES + ")");
      }
      for (byte b : p) {
        if (b == 0) {
          throw new IllegalArgumentException("malformed SentencePiece model: piece " + i + " contains a NUL byte");
        }
      }
      int dup = (isNormalTable(types[i]) ? normal : reserved).put(i);
      if (dup >= 0) {
        throw new IllegalArgumentException("malformed SentencePiece model: piece " + i + " '" + pieceStrings[i]
            + "' is already defined as piece " + dup);
      }
      switch (types[i]) {
        case USER_DEFINED -> userDefined.add(p);
        case UNKNOWN -> {
          if (unk >= 0) {
            throw new IllegalArgumentException("malformed SentencePiece model: pieces " + unk + " and " + i
                + " are both of type UNKNOWN (expected exactly one)");
          }
          unk = i;
        }
        case BYTE -> {
          if (!byteFallback) {
            throw new IllegalArgumentException("malformed SentencePiece model: byte piece " + i + " '"
                + pieceStrings[i] + "' found although byte_fallback is false");
          }
          int b = parseBytePiece(pieceStrings[i]);
          if (b < 0) {
            throw new IllegalArgumentException("malformed SentencePiece model: byte piece " + i + " '"
                + pieceStrings[i] + "' is not of the form <0xNN> (two upper-case hex digits)");
          }
          byteValue[i] = b;
          byteIds[b] = i;
        }
        default -> { }
      }
    }
    if (unk < 0) {
      throw new IllegalArgumentException("malformed SentencePiece model: no piece of type UNKNOWN (expected one)");
    }
    unkId = unk;
    if (byteFallback) {
      for (int b = 0; b < 256; b++) {
        if (byteIds[b] < 0) {
          throw new IllegalArgumentException(String.format(
              "malformed SentencePiece model: byte_fallback is set but byte piece <0x%02X> is missing "
                  + "(expected all 256)", b));
        }
      }
    }
    PrefixMatcher matcher = new PrefixMatcher(userDefined);
    normalizer = new Normalizer(m.normalizer, m.trainer.treatWhitespaceAsSuffix, matcher);
    addDummyPrefix = m.normalizer.addDummyPrefix;
    removeExtraWhitespaces = m.normalizer.removeExtraWhitespaces;
    denormalizer = m.denormalizer != null && m.denormalizer.precompiledCharsmap.length > 0
        ? new Normalizer(m.denormalizer, false, null)
        : null;
    unkSurface = m.trainer.unkSurface != null ? m.trainer.unkSurface : DEFAULT_UNK_SURFACE;
    bpe = new BpeEncoder(pieces, normal, reserved, scores, types, matcher, unkId);
    // As SentencePieceProcessor: the special ids are those of the named pieces, if of the right type.
    bosId = specialId(m.trainer.bosPiece, "<s>", PieceType.CONTROL);
    eosId = specialId(m.trainer.eosPiece, "</s>", PieceType.CONTROL);
    padId = specialId(m.trainer.padPiece, "<pad>", PieceType.CONTROL);
    int namedUnk = specialId(m.trainer.unkPiece, "<unk>", PieceType.UNKNOWN);
    if (namedUnk >= 0 && namedUnk != unkId) {
      throw new IllegalStateException("unk piece resolves to " + namedUnk + ", expected " + unkId);
    }
  }

  private static boolean isNormalTable(PieceType t) {
    return t == PieceType.NORMAL || t == PieceType.USER_DEFINED || t == PieceType.UNUSED;
  }

  private int specialId(String piece, String fallback, PieceType type) {
    int id = pieceToId(piece.isEmpty() ? fallback : piece);
    return types[id] == type ? id : -1;
  }

  /** The byte of {@code <0xNN>} (upper-case hex), or -1. */
  private static int parseBytePiece(String p) {
    if (p.length() != 6 || !p.startsWith("<0x") || p.charAt(5) != '>') {
      return -1;
    }
    int hi = Character.digit(p.charAt(3), 16);
    int lo = Character.digit(p.charAt(4), 16);
    if (hi < 0 || lo < 0 || Character.isLowerCase(p.charAt(3)) || Character.isLowerCase(p.charAt(4))) {
      return -1;
    }
    return hi << 4 | lo;
  }

  /** Reads a serialized ModelProto ({@code tokenizer.model}). */
  public static SentencePieceModel load(Path file) throws IOException {
    long size = Files.size(file);
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("SentencePiece model " + file + " has " + size
          + " bytes; expected less than 2 GiB");
    }
    try {
      return fromBytes(Files.readAllBytes(file));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Parses a serialized ModelProto; malformed input gives an {@link IllegalArgumentException}. */
  public static SentencePieceModel fromBytes(byte[] serialized) {
    return new SentencePieceModel(ModelProto.parse(serialized));
  }

  // ---------------------------------------------------------------- encoding

  /** The ids of {@code text}, without BOS/EOS. */
  public int[] encode(String text) {
    BpeEncoder.Pieces p = encodePieces(text, false);
    return Arrays.copyOf(p.id, p.count);
  }

  /** The pieces of {@code text} ({@code '▁'} for spaces; the surface text for an unknown run). */
  public List<String> encodeAsPieces(String text) {
    Utf8.Buf in = Utf8.encode(text);
    Utf8.Buf norm = normalizer.normalize(in.bytes, in.len, false);
    BpeEncoder.Pieces p = segment(norm);
    List<String> out = new ArrayList<>(p.count);
    for (int i = 0; i < p.count; i++) {
      int id = p.id[i];
      out.add(types[id] == PieceType.UNKNOWN
          ? new String(norm.bytes, p.start[i], p.len[i], StandardCharsets.UTF_8)
          : pieceStrings[id]);
    }
    return out;
  }

  /**
   * The ids of {@code text} as a piece of a longer text (for chat templates): encoded like
   * {@link #encode} but without the dummy prefix, and with leading and trailing whitespace kept.
   */
  int[] encodeSegment(String text) {
    BpeEncoder.Pieces p = encodePieces(text, true);
    return Arrays.copyOf(p.id, p.count);
  }

  /** SentencePiece's normalized form of {@code text} (spaces as {@code '▁'}, dummy prefix included). */
  public String normalize(String text) {
    Utf8.Buf in = Utf8.encode(text);
    Utf8.Buf norm = normalizer.normalize(in.bytes, in.len, false);
    return new String(norm.bytes, 0, norm.len, StandardCharsets.UTF_8);
  }

  private BpeEncoder.Pieces encodePieces(String text, boolean segment) {
    Utf8.Buf in = Utf8.encode(text);
    Utf8.Buf norm = normalizer.normalize(in.bytes, in.len, segment);
    return segment(norm, bpe);
  }

  /** For tests: {@link #encode} with the merges run over the whole text at once. */
  int[] encodeUncut(String text) {
    Utf8.Buf in = Utf8.encode(text);
    BpeEncoder.Pieces p = segment(normalizer.normalize(in.bytes, in.len, false), bpe.withoutChunking());
    return Arrays.copyOf(p.id, p.count);
  }

  /** For tests: whether encoding cuts the text before each space (see BpeEncoder). */
  boolean cutsAtSpaces() {
    return bpe.chunksAtSpaces();
  }

  private BpeEncoder.Pieces segment(Utf8.Buf norm) {
    return segment(norm, bpe);
  }

  /** BPE of a normalized text, then byte fallback / merging of unknown runs as SentencePiece does. */
  private BpeEncoder.Pieces segment(Utf8.Buf norm, BpeEncoder encoder) {
    BpeEncoder.Pieces raw = new BpeEncoder.Pieces();
    encoder.encode(norm.bytes, norm.len, raw);
    BpeEncoder.Pieces out = new BpeEncoder.Pieces();
    boolean prevUnk = false;
    for (int i = 0; i < raw.count; i++) {
      int id = raw.id[i];
      int start = raw.start[i];
      int len = raw.len[i];
      boolean unk = types[id] == PieceType.UNKNOWN;
      if (unk && byteFallback) {
        for (int j = 0; j < len; j++) {
          out.add(byteIds[norm.bytes[start + j] & 0xFF], start + j, 1);
        }
      } else if (unk && prevUnk) {
        out.len[out.count - 1] += len; // a run of unknown characters is one unknown piece
      } else {
        out.add(id, start, len);
      }
      prevUnk = unk;
    }
    return out;
  }

  // ---------------------------------------------------------------- decoding

  /**
   * The text of {@code ids}: pieces joined with {@code '▁'} as a space, the leading space of the
   * dummy prefix removed, runs of byte pieces decoded as UTF-8 (each malformed byte becomes U+FFFD),
   * control pieces (BOS, EOS, ...) as nothing and the unknown piece as {@code " ⁇ "}.
   */
  public String decode(int[] ids) {
    for (int id : ids) {
      checkId(id);
    }
    Utf8.Buf text = new Utf8.Buf(ids.length * 4);
    boolean bosWsExpected = true; // SentencePiece's is_bos_ws
    boolean bosWsSeen = false;
    int byteStart = 0;
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (types[id] == PieceType.BYTE) {
        continue;
      }
      decodeBytes(ids, byteStart, i, text);
      byteStart = i + 1;
      if (bosWsSeen || text.len > 0) {
        bosWsExpected = false;
      }
      bosWsSeen = false;
      switch (types[id]) {
        case CONTROL -> { }
        case UNKNOWN -> text.add(unkSurface);
        default -> {
          byte[] p = pieces[id];
          int off = 0;
          if (bosWsExpected && (addDummyPrefix || removeExtraWhitespaces) && startsWithSpaceSymbol(p)) {
            off = Utf8.SPACE_SYMBOL.length;
            // With remove_extra_whitespaces every leading space piece goes, else only the first.
            bosWsSeen = !removeExtraWhitespaces;
          }
          appendUnescaped(p, off, text);
        }
      }
    }
    decodeBytes(ids, byteStart, ids.length, text);
    if (denormalizer != null) {
      text = denormalizer.normalize(text.bytes, text.len, false);
    }
    return new String(text.bytes, 0, text.len, StandardCharsets.UTF_8);
  }

  private static boolean startsWithSpaceSymbol(byte[] p) {
    return p.length >= 3 && p[0] == Utf8.SPACE_SYMBOL[0] && p[1] == Utf8.SPACE_SYMBOL[1]
        && p[2] == Utf8.SPACE_SYMBOL[2];
  }

  private static void appendUnescaped(byte[] p, int off, Utf8.Buf text) {
    byte[] o = text.ensure(p.length - off);
    int q = text.len;
    for (int i = off; i < p.length; i++) {
      if (p[i] == Utf8.SPACE_SYMBOL[0] && i + 2 < p.length && p[i + 1] == Utf8.SPACE_SYMBOL[1]
          && p[i + 2] == Utf8.SPACE_SYMBOL[2]) {
        o[q++] = ' ';
        i += 2;
      } else {
        o[q++] = p[i];
      }
    }
    text.len = q;
  }

  /** Appends the bytes of the byte pieces {@code ids[from, to)} as UTF-8, U+FFFD for each malformed byte. */
  private void decodeBytes(int[] ids, int from, int to, Utf8.Buf text) {
    if (from >= to) {
      return;
    }
    byte[] bytes = new byte[to - from];
    for (int i = from; i < to; i++) {
      bytes[i - from] = (byte) byteValue[ids[i]];
    }
    for (int pos = 0; pos < bytes.length; ) {
      int len = Utf8.validCharLen(bytes, pos, bytes.length);
      if (len == 0) {
        text.add(Utf8.REPLACEMENT);
        pos++;
      } else {
        text.add(bytes, pos, len);
        pos += len;
      }
    }
  }

  // ---------------------------------------------------------------- vocabulary

  private void checkId(int id) {
    if (id < 0 || id >= pieces.length) {
      throw new IllegalArgumentException("token id " + id + " is out of range: the vocabulary has "
          + pieces.length + " pieces (ids 0 to " + (pieces.length - 1) + ")");
    }
  }

  /** The number of pieces. */
  public int vocabSize() {
    return pieces.length;
  }

  /** The piece of {@code id}. */
  public String idToPiece(int id) {
    checkId(id);
    return pieceStrings[id];
  }

  /** The id of {@code piece}, or {@link #unkId()} if the vocabulary has no such piece (as SentencePiece). */
  public int pieceToId(String piece) {
    byte[] b = piece.getBytes(StandardCharsets.UTF_8);
    return bpe.pieceToId(b, 0, b.length);
  }

  /** Whether the vocabulary has exactly this piece. */
  public boolean hasPiece(String piece) {
    byte[] b = piece.getBytes(StandardCharsets.UTF_8);
    return reserved.get(b, 0, b.length) >= 0 || normal.get(b, 0, b.length) >= 0;
  }

  /** The type of piece {@code id}. */
  public PieceType pieceType(int id) {
    checkId(id);
    return types[id];
  }

  /** The score of piece {@code id} (for BPE: the merge priority, higher first). */
  public float score(int id) {
    checkId(id);
    return scores[id];
  }

  /** The unknown id. */
  public int unkId() {
    return unkId;
  }

  /** The BOS id, or -1 if the model has none. */
  public int bosId() {
    return bosId;
  }

  /** The EOS id, or -1 if the model has none. */
  public int eosId() {
    return eosId;
  }

  /** The padding id, or -1 if the model has none. */
  public int padId() {
    return padId;
  }
}

package dev.nemotron4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of a serialized SentencePiece {@code ModelProto} that encoding and decoding use, read
 * from the protobuf wire format (sentencepiece_model.proto); every other field is skipped.
 */
final class ModelProto {
  /** TrainerSpec.ModelType. */
  static final int UNIGRAM = 1;
  static final int BPE = 2;
  static final int WORD = 3;
  static final int CHAR = 4;

  final List<byte[]> pieces = new ArrayList<>();
  final List<Float> scores = new ArrayList<>();
  final List<PieceType> types = new ArrayList<>();
  final TrainerSpec trainer = new TrainerSpec();
  final NormalizerSpec normalizer = new NormalizerSpec();
  /** Present only when the model has a denormalizer_spec (field 5). */
  NormalizerSpec denormalizer;

  /** TrainerSpec (field 2 of ModelProto): the proto defaults unless set. */
  static final class TrainerSpec {
    int modelType = UNIGRAM; // 3
    int vocabSize = 8000; // 4
    boolean treatWhitespaceAsSuffix; // 24
    boolean splitDigits; // 25
    boolean byteFallback; // 35
    int unkId = 0; // 40
    int bosId = 1; // 41
    int eosId = 2; // 42
    int padId = -1; // 43
    byte[] unkSurface; // 44, null when absent
    String unkPiece = ""; // 45
    String bosPiece = ""; // 46
    String eosPiece = ""; // 47
    String padPiece = ""; // 48
  }

  /** NormalizerSpec (field 3, and 5 for the denormalizer). */
  static final class NormalizerSpec {
    String name = ""; // 1
    byte[] precompiledCharsmap = new byte[0]; // 2
    boolean addDummyPrefix = true; // 3
    boolean removeExtraWhitespaces = true; // 4
    boolean escapeWhitespaces = true; // 5
  }

  static String modelTypeName(int type) {
    return switch (type) {
      case UNIGRAM -> "UNIGRAM";
      case BPE -> "BPE";
      case WORD -> "WORD";
      case CHAR -> "CHAR";
      default -> "unknown (" + type + ")";
    };
  }

  static ModelProto parse(byte[] data) {
    ModelProto m = new ModelProto();
    ProtoReader r = new ProtoReader(data, 0, data.length, "ModelProto");
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (ProtoReader.field(tag)) {
        case 1 -> {
          r.expect(tag, ProtoReader.LEN, "pieces");
          m.readPiece(r.readMessage("ModelProto.pieces[" + m.pieces.size() + "]"));
        }
        case 2 -> {
          r.expect(tag, ProtoReader.LEN, "trainer_spec");
          readTrainer(r.readMessage("TrainerSpec"), m.trainer);
        }
        case 3 -> {
          r.expect(tag, ProtoReader.LEN, "normalizer_spec");
          readNormalizer(r.readMessage("NormalizerSpec"), m.normalizer);
        }
        case 5 -> {
          r.expect(tag, ProtoReader.LEN, "denormalizer_spec");
          if (m.denormalizer == null) {
            m.denormalizer = new NormalizerSpec();
          }
          readNormalizer(r.readMessage("denormalizer_spec"), m.denormalizer);
        }
        default -> r.skip(tag);
      }
    }
    return m;
  }

  private void readPiece(ProtoReader r) {
    byte[] piece = new byte[0];
    float score = 0f;
    PieceType type = PieceType.NORMAL;
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (ProtoReader.field(tag)) {
        case 1 -> {
          r.expect(tag, ProtoReader.LEN, "piece");
          piece = r.readBytes();
        }
        case 2 -> {
          r.expect(tag, ProtoReader.FIXED32, "score");
          score = r.readFloat();
        }
        case 3 -> {
          r.expect(tag, ProtoReader.VARINT, "type");
          int at = r.position();
          long t = r.readVarint();
          type = PieceType.of(t);
          if (type == null) {
            throw r.error(at, "piece " + pieces.size() + " has unknown type " + t
                + " (expected 1 NORMAL, 2 UNKNOWN, 3 CONTROL, 4 USER_DEFINED, 5 UNUSED or 6 BYTE)");
          }
        }
        default -> r.skip(tag);
      }
    }
    pieces.add(piece);
    scores.add(score);
    types.add(type);
  }

  private static void readTrainer(ProtoReader r, TrainerSpec t) {
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (ProtoReader.field(tag)) {
        case 3 -> t.modelType = readInt32(r, tag, "model_type");
        case 4 -> t.vocabSize = readInt32(r, tag, "vocab_size");
        case 24 -> t.treatWhitespaceAsSuffix = readBool(r, tag, "treat_whitespace_as_suffix");
        case 25 -> t.splitDigits = readBool(r, tag, "split_digits");
        case 35 -> t.byteFallback = readBool(r, tag, "byte_fallback");
        case 40 -> t.unkId = readInt32(r, tag, "unk_id");
        case 41 -> t.bosId = readInt32(r, tag, "bos_id");
        case 42 -> t.eosId = readInt32(r, tag, "eos_id");
        case 43 -> t.padId = readInt32(r, tag, "pad_id");
        case 44 -> {
          r.expect(tag, ProtoReader.LEN, "unk_surface");
          t.unkSurface = r.readBytes();
        }
        case 45 -> t.unkPiece = readString(r, tag, "unk_piece");
        case 46 -> t.bosPiece = readString(r, tag, "bos_piece");
        case 47 -> t.eosPiece = readString(r, tag, "eos_piece");
        case 48 -> t.padPiece = readString(r, tag, "pad_piece");
        default -> r.skip(tag);
      }
    }
  }

  private static void readNormalizer(ProtoReader r, NormalizerSpec n) {
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (ProtoReader.field(tag)) {
        case 1 -> n.name = readString(r, tag, "name");
        case 2 -> {
          r.expect(tag, ProtoReader.LEN, "precompiled_charsmap");
          n.precompiledCharsmap = r.readBytes();
        }
        case 3 -> n.addDummyPrefix = readBool(r, tag, "add_dummy_prefix");
        case 4 -> n.removeExtraWhitespaces = readBool(r, tag, "remove_extra_whitespaces");
        case 5 -> n.escapeWhitespaces = readBool(r, tag, "escape_whitespaces");
        default -> r.skip(tag);
      }
    }
  }

  /** int32 and enums: a varint whose low 32 bits are the value (negatives are sign-extended to 10 bytes). */
  private static int readInt32(ProtoReader r, int tag, String name) {
    r.expect(tag, ProtoReader.VARINT, name);
    return (int) r.readVarint();
  }

  private static boolean readBool(ProtoReader r, int tag, String name) {
    r.expect(tag, ProtoReader.VARINT, name);
    return r.readVarint() != 0;
  }

  private static String readString(ProtoReader r, int tag, String name) {
    r.expect(tag, ProtoReader.LEN, name);
    return new String(r.readBytes(), StandardCharsets.UTF_8);
  }
}

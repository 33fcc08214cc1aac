package dev.nemotron4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Serializes a {@link ModelProto} in the protobuf wire format of sentencepiece_model.proto, the
 * inverse of {@link ModelProto#parse}: the pieces (piece, score, and the type unless NORMAL), the
 * trainer spec and the normalizer spec (and the denormalizer spec when present). Fields are written
 * in field-number order, as protobuf does. The trainer fields the reader does not keep come in a
 * {@link TrainingFields}; the splitting rules BpeTrainer follows (by Unicode script, by whitespace,
 * by number; no whitespace-only pieces; a hard vocabulary limit) are written as such.
 */
final class ModelProtoWriter {
  private ModelProtoWriter() {}

  /** TrainerSpec fields that {@link ModelProto.TrainerSpec} does not hold. */
  record TrainingFields(float characterCoverage, int maxPieceLength, List<String> userDefinedSymbols) {
    TrainingFields {
      userDefinedSymbols = List.copyOf(userDefinedSymbols);
    }
  }

  static byte[] write(ModelProto m, TrainingFields extra) {
    int n = m.pieces.size();
    if (m.scores.size() != n || m.types.size() != n) {
      throw new IllegalArgumentException("ModelProto has " + n + " pieces but " + m.scores.size() + " scores and "
          + m.types.size() + " types (expected one of each per piece)");
    }
    Message out = new Message();
    for (int i = 0; i < n; i++) {
      Message p = new Message().bytes(1, m.pieces.get(i)).fixed32(2, Float.floatToRawIntBits(m.scores.get(i)));
      PieceType type = m.types.get(i);
      if (type != PieceType.NORMAL) {
        p.varint(3, type.number());
      }
      out.message(1, p);
    }
    out.message(2, trainer(m.trainer, extra));
    out.message(3, normalizer(m.normalizer));
    if (m.denormalizer != null) {
      out.message(5, normalizer(m.denormalizer));
    }
    return out.toByteArray();
  }

  private static Message trainer(ModelProto.TrainerSpec t, TrainingFields extra) {
    Message m = new Message()
        .varint(3, t.modelType)
        .varint(4, t.vocabSize)
        .fixed32(10, Float.floatToRawIntBits(extra.characterCoverage()))
        .varint(20, extra.maxPieceLength())
        .bool(21, true) // split_by_unicode_script
        .bool(22, true) // split_by_whitespace
        .bool(23, true) // split_by_number
        .bool(24, t.treatWhitespaceAsSuffix)
        .bool(25, t.splitDigits)
        .bool(26, false); // allow_whitespace_only_pieces
    for (String s : extra.userDefinedSymbols()) {
      m.string(31, s);
    }
    m.bool(33, true) // hard_vocab_limit
        .bool(35, t.byteFallback)
        .varint(40, t.unkId)
        .varint(41, t.bosId)
        .varint(42, t.eosId)
        .varint(43, t.padId);
    if (t.unkSurface != null) {
      m.bytes(44, t.unkSurface);
    }
    stringIfSet(m, 45, t.unkPiece);
    stringIfSet(m, 46, t.bosPiece);
    stringIfSet(m, 47, t.eosPiece);
    stringIfSet(m, 48, t.padPiece);
    return m;
  }

  private static void stringIfSet(Message m, int field, String s) {
    if (!s.isEmpty()) {
      m.string(field, s);
    }
  }

  private static Message normalizer(ModelProto.NormalizerSpec n) {
    return new Message()
        .string(1, n.name)
        .bytes(2, n.precompiledCharsmap)
        .bool(3, n.addDummyPrefix)
        .bool(4, n.removeExtraWhitespaces)
        .bool(5, n.escapeWhitespaces);
  }

  /** A protobuf message being written. */
  static final class Message {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private void rawVarint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) (v & 0x7F) | 0x80);
        v >>>= 7;
      }
      out.write((int) v);
    }

    private void tag(int field, int wireType) {
      rawVarint((long) field << 3 | wireType);
    }

    /** An int32, enum or uint64 field; a negative int32 is sign-extended to ten bytes, as protobuf does. */
    Message varint(int field, long v) {
      tag(field, ProtoReader.VARINT);
      rawVarint(v);
      return this;
    }

    Message bool(int field, boolean v) {
      return varint(field, v ? 1 : 0);
    }

    Message fixed32(int field, int bits) {
      tag(field, ProtoReader.FIXED32);
      for (int i = 0; i < 4; i++) {
        out.write(bits >>> (8 * i) & 0xFF);
      }
      return this;
    }

    Message bytes(int field, byte[] b) {
      tag(field, ProtoReader.LEN);
      rawVarint(b.length);
      out.writeBytes(b);
      return this;
    }

    Message string(int field, String s) {
      return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Message message(int field, Message m) {
      tag(field, ProtoReader.LEN);
      rawVarint(m.out.size());
      out.writeBytes(m.out.toByteArray());
      return this;
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}

package dev.nemotron4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds small serialized ModelProtos by hand (protobuf wire format) for tests. */
final class TestModels {
  private TestModels() {}

  /** A protobuf message being written. */
  static final class Msg {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Msg varint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
      return this;
    }

    Msg tag(int field, int wire) {
      return varint((long) field << 3 | wire);
    }

    Msg intField(int field, long v) {
      return tag(field, 0).varint(v);
    }

    Msg bytesField(int field, byte[] b) {
      tag(field, 2).varint(b.length);
      out.writeBytes(b);
      return this;
    }

    Msg stringField(int field, String s) {
      return bytesField(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Msg floatField(int field, float f) {
      tag(field, 5);
      int bits = Float.floatToIntBits(f);
      for (int i = 0; i < 4; i++) {
        out.write(bits >>> (8 * i) & 0xFF);
      }
      return this;
    }

    Msg messageField(int field, Msg m) {
      return bytesField(field, m.bytes());
    }

    Msg raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  /** A model under construction: pieces, trainer and normalizer fields. */
  static final class Builder {
    final List<Msg> pieces = new ArrayList<>();
    final Msg trainer = new Msg();
    final Msg normalizer = new Msg();
    int modelType = 2;
    boolean byteFallback;
    boolean addDummyPrefix = true;
    boolean removeExtraWhitespaces = false;
    byte[] charsmap;

    Builder piece(String piece, float score, PieceType type) {
      Msg m = new Msg().stringField(1, piece).floatField(2, score);
      if (type != PieceType.NORMAL) {
        m.intField(3, type.number());
      }
      pieces.add(m);
      return this;
    }

    Builder piece(String piece, float score) {
      return piece(piece, score, PieceType.NORMAL);
    }

    /** {@code <unk>, <s>, </s>}. */
    Builder specials() {
      piece("<unk>", 0, PieceType.UNKNOWN);
      piece("<s>", 0, PieceType.CONTROL);
      return piece("</s>", 0, PieceType.CONTROL);
    }

    Builder bytePieces() {
      byteFallback = true;
      for (int b = 0; b < 256; b++) {
        piece(String.format("<0x%02X>", b), 0, PieceType.BYTE);
      }
      return this;
    }

    byte[] build() {
      Msg model = new Msg();
      for (Msg p : pieces) {
        model.messageField(1, p);
      }
      Msg t = new Msg().intField(3, modelType).raw(trainer.bytes());
      if (byteFallback) {
        t.intField(35, 1);
      }
      model.messageField(2, t);
      Msg n = new Msg().stringField(1, charsmap == null ? "identity" : "custom")
          .intField(3, addDummyPrefix ? 1 : 0)
          .intField(4, removeExtraWhitespaces ? 1 : 0)
          .raw(normalizer.bytes());
      if (charsmap != null) {
        n.bytesField(2, charsmap);
      }
      model.messageField(3, n);
      return model.bytes();
    }

    SentencePieceModel load() {
      return SentencePieceModel.fromBytes(build());
    }
  }
}

package dev.nemotron4j.tokenizer;

/** The type of a vocabulary piece, as in SentencePiece's {@code ModelProto.SentencePiece.Type}. */
public enum PieceType {
  /** An ordinary subword piece. */
  NORMAL(1),
  /** The unknown piece ({@code <unk>}); exactly one per model. */
  UNKNOWN(2),
  /** A control piece such as {@code <s>}: never produced from text, decodes to nothing. */
  CONTROL(3),
  /** A user-defined symbol: always matched whole in text, never split or merged. */
  USER_DEFINED(4),
  /** A piece that takes part in merges but is never emitted (it is split back into its parts). */
  UNUSED(5),
  /** A byte piece {@code <0xNN>}, used for byte fallback. */
  BYTE(6);

  private final int number;

  PieceType(int number) {
    this.number = number;
  }

  /** The enum number in the protobuf schema. */
  public int number() {
    return number;
  }

  static PieceType of(long number) {
    for (PieceType t : values()) {
      if (t.number == number) {
        return t;
      }
    }
    return null;
  }
}

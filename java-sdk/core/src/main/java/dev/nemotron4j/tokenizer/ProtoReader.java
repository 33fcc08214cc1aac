package dev.nemotron4j.tokenizer;

/**
 * A reader of the protobuf wire format over a byte range: varints, fixed 32/64-bit values,
 * length-delimited fields and groups. Every length is checked against the bytes that remain, so
 * malformed input ends in an {@link IllegalArgumentException}, never in an out-of-bounds read, an
 * unbounded allocation or an endless loop.
 */
final class ProtoReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LEN = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;

  /** Nesting limit for groups (the format allows recursion; a hostile file must not overflow the stack). */
  private static final int MAX_GROUP_DEPTH = 64;

  private final byte[] buf;
  private final int end;
  private final String what;
  private int pos;

  /** Reads {@code buf[offset, offset + length)}; {@code what} names the message in errors. */
  ProtoReader(byte[] buf, int offset, int length, String what) {
    if (offset < 0 || length < 0 || offset > buf.length - length) {
      throw new IllegalArgumentException(what + ": range [" + offset + ", " + offset + " + " + length
          + ") lies outside the " + buf.length + " bytes given");
    }
    this.buf = buf;
    this.pos = offset;
    this.end = offset + length;
    this.what = what;
  }

  boolean hasMore() {
    return pos < end;
  }

  int position() {
    return pos;
  }

  /** The next tag (field number << 3 | wire type); validates both parts. */
  int readTag() {
    int at = pos;
    long tag = readVarint();
    int wire = (int) (tag & 7);
    long field = tag >>> 3;
    if (field < 1 || field > (1 << 29) - 1) {
      throw error(at, "invalid field number " + field + " (expected 1 to 536870911)");
    }
    if (wire > FIXED32) {
      throw error(at, "invalid wire type " + wire + " for field " + field + " (expected 0 to 5)");
    }
    return (int) tag;
  }

  static int field(int tag) {
    return tag >>> 3;
  }

  static int wireType(int tag) {
    return tag & 7;
  }

  long readVarint() {
    int at = pos;
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw error(at, "truncated varint");
      }
      int b = buf[pos++] & 0xFF;
      result |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        return result;
      }
    }
    throw error(at, "varint longer than 10 bytes");
  }

  int readFixed32() {
    if (end - pos < 4) {
      throw error(pos, "truncated fixed32 (" + (end - pos) + " of 4 bytes left)");
    }
    int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
    pos += 4;
    return v;
  }

  long readFixed64() {
    long lo = readFixed32() & 0xFFFFFFFFL;
    long hi = readFixed32() & 0xFFFFFFFFL;
    return lo | hi << 32;
  }

  float readFloat() {
    return Float.intBitsToFloat(readFixed32());
  }

  /** The length of a length-delimited field, checked against the bytes that remain. */
  int readLength() {
    int at = pos;
    long len = readVarint();
    if (len < 0 || len > end - pos) {
      throw error(at, "length " + Long.toUnsignedString(len) + " exceeds the " + (end - pos) + " bytes left");
    }
    return (int) len;
  }

  byte[] readBytes() {
    int len = readLength();
    byte[] out = new byte[len];
    System.arraycopy(buf, pos, out, 0, len);
    pos += len;
    return out;
  }

  /** A reader over the next length-delimited field (an embedded message); this reader moves past it. */
  ProtoReader readMessage(String name) {
    int len = readLength();
    ProtoReader sub = new ProtoReader(buf, pos, len, name);
    pos += len;
    return sub;
  }

  /** Skips the value of a field whose tag was just read. */
  void skip(int tag) {
    skip(tag, 0);
  }

  private void skip(int tag, int depth) {
    switch (wireType(tag)) {
      case VARINT -> readVarint();
      case FIXED64 -> readFixed64();
      case FIXED32 -> readFixed32();
      case LEN -> {
        int len = readLength(); // not "pos += readLength()": that would add to the old position
        pos += len;
      }
      case START_GROUP -> {
        if (depth >= MAX_GROUP_DEPTH) {
          throw error(pos, "groups nested deeper than " + MAX_GROUP_DEPTH);
        }
        int at = pos;
        while (true) {
          if (!hasMore()) {
            throw error(at, "group of field " + field(tag) + " is not closed");
          }
          int inner = readTag();
          if (wireType(inner) == END_GROUP) {
            if (field(inner) != field(tag)) {
              throw error(pos, "group of field " + field(tag) + " closed by an end-group tag of field "
                  + field(inner));
            }
            return;
          }
          skip(inner, depth + 1);
        }
      }
      case END_GROUP -> throw error(pos, "unexpected end-group tag of field " + field(tag));
      default -> throw error(pos, "invalid wire type " + wireType(tag));
    }
  }

  /** Requires {@code tag} to have wire type {@code expected}. */
  void expect(int tag, int expected, String fieldName) {
    if (wireType(tag) != expected) {
      throw error(pos, "field " + fieldName + " (" + field(tag) + ") has wire type " + wireType(tag)
          + ", expected " + expected);
    }
  }

  IllegalArgumentException error(int at, String message) {
    return new IllegalArgumentException("malformed SentencePiece model: " + what + ": " + message + " at byte " + at);
  }
}

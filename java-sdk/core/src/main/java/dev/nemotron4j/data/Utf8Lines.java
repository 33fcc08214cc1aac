package dev.nemotron4j.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a UTF-8 file line by line, decoding each line on its own so that an encoding error names
 * its exact line. Lines end with {@code "\n"} or {@code "\r\n"}; a byte order mark at the start is
 * dropped.
 */
final class Utf8Lines implements Closeable {
  private final String source;
  private final InputStream in;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final byte[] chunk = new byte[1 << 16];
  private int pos;
  private int limit;
  private byte[] buf = new byte[256];
  private long line;
  private boolean eof;

  Utf8Lines(Path file) {
    this.source = file.toString();
    try {
      this.in = Files.newInputStream(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The number of the last line returned (0 before the first). */
  long line() {
    return line;
  }

  /** The next line without its terminator, or null at the end of the file. */
  String next() {
    if (eof) {
      return null;
    }
    int n = 0;
    try {
      while (true) {
        if (pos == limit) {
          limit = in.read(chunk, 0, chunk.length);
          pos = 0;
          if (limit <= 0) {
            limit = 0;
            eof = true;
            if (n == 0) {
              return null;
            }
            break;
          }
        }
        int nl = pos;
        while (nl < limit && chunk[nl] != '\n') {
          nl++;
        }
        int len = nl - pos;
        if (n + len > buf.length) {
          buf = Arrays.copyOf(buf, Math.max(2 * buf.length, n + len));
        }
        System.arraycopy(chunk, pos, buf, n, len);
        n += len;
        pos = nl;
        if (nl < limit) {
          pos++; // the '\n'
          break;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source + " after line " + line + ": " + e.getMessage(), e);
    }
    line++;
    if (n > 0 && buf[n - 1] == '\r') {
      n--;
    }
    int start = 0;
    if (line == 1 && n >= 3 && buf[0] == (byte) 0xEF && buf[1] == (byte) 0xBB && buf[2] == (byte) 0xBF) {
      start = 3;
    }
    return decode(start, n);
  }

  private String decode(int start, int end) {
    ByteBuffer src = ByteBuffer.wrap(buf, start, end - start);
    CharBuffer dst = CharBuffer.allocate(end - start);
    decoder.reset();
    CoderResult r = decoder.decode(src, dst, true);
    if (r.isUnderflow()) {
      r = decoder.flush(dst);
    }
    if (r.isError()) {
      throw new IllegalArgumentException(Jsonl.where(source, line) + "not valid UTF-8: "
          + r.length() + " bad byte(s) at byte " + (src.position() - start + 1) + " of the line");
    }
    dst.flip();
    return dst.toString();
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // reading is over; nothing useful to do
    }
  }
}

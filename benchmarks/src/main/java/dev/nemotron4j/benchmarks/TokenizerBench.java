package dev.nemotron4j.benchmarks;

import dev.nemotron4j.tokenizer.SentencePieceModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Encoding throughput of the pure-Java SentencePiece tokenizer on one thread: a few megabytes of
 * generated English-like text (common words, capitals, punctuation, numbers, a little non-ASCII),
 * split into paragraphs of about 2 KB that are encoded one by one, as a data pipeline would.
 * {@code mb_per_s} counts UTF-8 input bytes (10^6 per MB); {@code tokens_per_s} the ids produced.
 */
public final class TokenizerBench {
  private static final String[] WORDS = (
      "the of and to in a is that for it as was with be by on not he I this are or his from at which but "
          + "have an they you were her she there been one all we their has would when if so no what can more "
          + "out up about into than them some could only other time new these two may then do first any my "
          + "now such like our over man me even most made after also did many before must through back years "
          + "where much your way well down should because each just those people how too little state good "
          + "very make world still own see men work long get here between both life being under never day same "
          + "another know while last might us great old year off come since against go came right used take "
          + "three model training tokenizer language neural network gradient attention transformer parameter "
          + "sequence dataset evaluation inference memory throughput latency benchmark distributed optimizer")
      .split(" ");
  private static final String[] RARE = {"café", "naïve", "résumé", "—", "“quoted”", "façade", "Zürich", "déjà vu",
      "3.14", "2024", "1,000,000", "e.g.", "(see below)", "don't", "it's", "U.S.", "50%", "#1", "x²", "€20"};

  private TokenizerBench() {}

  /** Paragraphs totalling about {@code megabytes} MB of UTF-8, from a fixed seed. */
  static List<String> corpus(int megabytes) {
    Random r = new Random(20240601);
    long target = (long) megabytes * 1_000_000L;
    List<String> paragraphs = new ArrayList<>();
    long bytes = 0;
    StringBuilder p = new StringBuilder();
    while (bytes < target) {
      p.setLength(0);
      int sentences = 3 + r.nextInt(12);
      for (int s = 0; s < sentences; s++) {
        int words = 5 + r.nextInt(20);
        for (int w = 0; w < words; w++) {
          String word = r.nextInt(40) == 0 ? RARE[r.nextInt(RARE.length)] : WORDS[Math.min(WORDS.length - 1,
              (int) (Math.abs(r.nextGaussian()) * WORDS.length / 3))];
          if (w == 0) {
            word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
          }
          p.append(word);
          if (w < words - 1) {
            p.append(r.nextInt(12) == 0 ? ", " : " ");
          }
        }
        p.append(r.nextInt(8) == 0 ? "? " : r.nextInt(8) == 0 ? "! " : ". ");
      }
      p.append('\n');
      String text = p.toString();
      paragraphs.add(text);
      bytes += text.getBytes(StandardCharsets.UTF_8).length;
    }
    return paragraphs;
  }

  /** Encodes {@code megabytes} MB of text with the model in {@code modelFile}, on the calling thread. */
  public static Json run(Path modelFile, int megabytes) {
    if (megabytes <= 0) {
      throw new IllegalArgumentException("megabytes must be positive, got " + megabytes);
    }
    SentencePieceModel model;
    try {
      model = SentencePieceModel.load(modelFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> paragraphs = corpus(megabytes);
    long bytes = 0;
    for (String p : paragraphs) {
      bytes += p.getBytes(StandardCharsets.UTF_8).length;
    }
    long[] tokens = new long[1];
    Runnable encodeAll = () -> {
      long t = 0;
      for (String p : paragraphs) {
        t += model.encode(p).length;
      }
      tokens[0] = t;
    };
    double seconds = Timing.alone(encodeAll, 5, 0.5);
    return new Json()
        .put("kernel", "tokenizer")
        .put("model", modelFile.getFileName().toString())
        .put("vocab", model.vocabSize())
        .put("megabytes", bytes / 1e6)
        .put("paragraphs", paragraphs.size())
        .put("tokens", tokens[0])
        .put("mb_per_s", bytes / 1e6 / seconds)
        .put("tokens_per_s", tokens[0] / seconds);
  }
}

package dev.nemotron4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The shared tokenizer fixtures: models trained with the reference sentencepiece, and expected encodings. */
final class TokenizerFixtures {
  static final String IDENTITY = "tokenizer-identity";
  static final String NFKC = "tokenizer-nfkc";

  private static final Map<String, SentencePieceModel> MODELS = new ConcurrentHashMap<>();

  private TokenizerFixtures() {}

  record Case(String fixture, int index, String text, int[] ids, List<String> pieces, String decoded) {
    @Override
    public String toString() {
      String t = text.length() > 40 ? text.substring(0, 40) + "..." : text;
      return fixture + "#" + index + " " + t.replace("\n", "\\n").replace("\t", "\\t");
    }
  }

  static Path shared() {
    String p = System.getProperty("nemotron4j.shared");
    Path dir = p != null && !p.isBlank() ? Path.of(p) : Path.of("/work/shared");
    if (!Files.isDirectory(dir.resolve("fixtures"))) {
      dir = Path.of("/work/shared");
    }
    return dir;
  }

  static Path dir(String fixture) {
    return shared().resolve("fixtures").resolve("tokenizer").resolve(fixture);
  }

  static Path modelFile(String fixture) {
    return dir(fixture).resolve("tokenizer.model");
  }

  static SentencePieceModel model(String fixture) {
    return MODELS.computeIfAbsent(fixture, f -> {
      try {
        return SentencePieceModel.load(modelFile(f));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  static byte[] modelBytes(String fixture) {
    try {
      return Files.readAllBytes(modelFile(fixture));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Case> cases(String fixture) {
    try {
      JsonNode root = new ObjectMapper().readTree(dir(fixture).resolve("cases.json").toFile());
      List<Case> out = new ArrayList<>();
      int i = 0;
      for (JsonNode c : root.get("cases")) {
        JsonNode idsNode = c.get("ids");
        int[] ids = new int[idsNode.size()];
        for (int k = 0; k < ids.length; k++) {
          ids[k] = idsNode.get(k).asInt();
        }
        List<String> pieces = new ArrayList<>();
        c.get("pieces").forEach(p -> pieces.add(p.asText()));
        out.add(new Case(fixture, i++, c.get("text").asText(), ids, pieces, c.get("decoded").asText()));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Case> allCases() {
    List<Case> all = new ArrayList<>(cases(IDENTITY));
    all.addAll(cases(NFKC));
    return all;
  }
}

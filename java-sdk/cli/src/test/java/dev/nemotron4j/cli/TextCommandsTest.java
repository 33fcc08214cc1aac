package dev.nemotron4j.cli;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.cli.ModelCommandsTest.capture;
import static dev.nemotron4j.cli.ModelCommandsTest.fixtures;
import static dev.nemotron4j.cli.ModelCommandsTest.lastJson;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemotron4j.model.NemotronConfig;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCommandsTest {
  static final Path TOK = fixtures("tokenizer").resolve("tokenizer-identity").resolve("tokenizer.model");

  @Test
  void tokenizeAndDetokenize(@TempDir Path tmp) throws Exception {
    JsonNode j = lastJson(capture("tokenize", "--tokenizer", TOK.toString(), "--text", "Hello world", "--json"));
    assertThat(j.get("ids").toString()).isEqualTo("[583,1282,359,1284,1035,483]");
    assertThat(j.get("pieces").get(0).asText()).isEqualTo("▁H");
    Path f = tmp.resolve("t.txt");
    Files.writeString(f, "Hello world");
    assertThat(lastJson(capture("tokenize", "--tokenizer", TOK.toString(), "--file", f.toString(), "--json")).get("ids"))
        .isEqualTo(j.get("ids"));
    JsonNode d = lastJson(capture("detokenize", "--tokenizer", TOK.toString(), "--ids", "583,1282,359,1284,1035,483", "--json"));
    assertThat(d.get("text").asText()).isEqualTo("Hello world");
    assertThat(Main.run("detokenize", "--tokenizer", TOK.toString(), "--ids", "1,99999")).isEqualTo(2);
    assertThat(Main.run("detokenize", "--tokenizer", TOK.toString(), "--ids", "1,x")).isEqualTo(2);
    assertThat(Main.run("tokenize", "--tokenizer", tmp.resolve("none.model").toString(), "--text", "a")).isEqualTo(2);
  }

  @Test
  void generateFromTextWithTheChatTemplate(@TempDir Path tmp) throws Exception {
    NemotronConfig c = new NemotronConfig(NemotronConfig.CAUSAL_LM, 1400, 32, 64, 1, 2, 1, 16, 128, 10000, 0.5, 1e-5, 1, 2,
        null, 0.02, 0, "float32");
    try (NemotronForCausalLM m = NemotronForCausalLM.create(c, 5)) {
      m.save(tmp, DType.F32);
    }
    Files.copy(TOK, tmp.resolve("tokenizer.model"));
    JsonNode j = lastJson(capture("generate", "--model", tmp.toString(), "--prompt", "What is 2+2?", "--chat",
        "--max-new-tokens", "6", "--temperature", "0.8", "--top-k", "50", "--top-p", "0.9", "--seed", "3", "--json"));
    assertThat(j.get("ids").size()).isAtMost(6);
    assertThat(j.get("text").isTextual()).isTrue();
    JsonNode again = lastJson(capture("generate", "--model", tmp.toString(), "--prompt", "What is 2+2?", "--chat",
        "--max-new-tokens", "6", "--temperature", "0.8", "--top-k", "50", "--top-p", "0.9", "--seed", "3", "--json"));
    assertThat(again).isEqualTo(j);
    JsonNode ids = lastJson(capture("generate", "--model", tmp.toString(), "--prompt-ids", "5,6,7", "--max-new-tokens", "4",
        "--greedy", "--ignore-eos", "--json"));
    assertThat(ids.get("ids").size()).isEqualTo(4);
    assertThat(Main.run("generate", "--model", fixtures("model").toString(), "--prompt", "hi")).isEqualTo(2);
    assertThat(Main.run("generate", "--model", tmp.toString(), "--prompt-ids", "1", "--greedy", "--temperature", "1"))
        .isEqualTo(2);
  }
}

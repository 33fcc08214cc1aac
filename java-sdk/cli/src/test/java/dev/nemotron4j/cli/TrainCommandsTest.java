package dev.nemotron4j.cli;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.cli.ModelCommandsTest.capture;
import static dev.nemotron4j.cli.ModelCommandsTest.fixtures;
import static dev.nemotron4j.cli.ModelCommandsTest.lastJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train {pretrain|sft|rm|dpo|rpo} and preference-eval end to end on tiny runs. */
class TrainCommandsTest {
  static final Path TOK = fixtures("tokenizer").resolve("tokenizer-identity").resolve("tokenizer.model");

  static String model() {
    return "{\"vocab_size\": 1400, \"hidden_size\": 32, \"intermediate_size\": 64, \"num_hidden_layers\": 1,"
        + " \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"head_dim\": 16, \"model_type\": \"nemotron\"}";
  }

  static String errorOf(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true));
    try {
      assertThat(Main.run(args)).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
    return buf.toString();
  }

  @Test
  void everyAlgorithmRunsFromAConfig(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("model.json"), model());
    Files.writeString(tmp.resolve("text.jsonl"), "{\"text\": \"the cat sat on the mat\"}\n{\"text\": \"a dog ran\"}\n");
    Files.writeString(tmp.resolve("chat.jsonl"), "{\"prompt\": \"hi\", \"response\": \"hello there\"}\n"
        + "{\"messages\": [{\"role\": \"user\", \"content\": \"2+2?\"}, {\"role\": \"assistant\", \"content\": \"4\"}]}\n");
    Files.writeString(tmp.resolve("hs2.jsonl"), "{\"prompt\": \"hi\", \"response\": \"hello\", \"helpfulness\": 3,"
        + " \"correctness\": 3, \"coherence\": 4, \"complexity\": 1, \"verbosity\": 1}\n{\"prompt\": \"q\", \"response\": \"a\","
        + " \"helpfulness\": 1, \"correctness\": 0, \"coherence\": 2, \"complexity\": 0, \"verbosity\": 0}\n");
    Files.writeString(tmp.resolve("pref.jsonl"), "{\"prompt\": \"say yes\", \"chosen\": \"yes\", \"rejected\": \"no\","
        + " \"chosen_reward\": 3.5, \"rejected_reward\": 1.0}\n{\"prompt\": \"say a\", \"chosen\": \"a\", \"rejected\": \"b c\","
        + " \"chosen_reward\": 3.0, \"rejected_reward\": 2.0}\n");
    String common = "\"model\": {\"config\": \"model.json\", \"seed\": 1}, \"tokenizer\": \"" + TOK + "\", \"batch\": 2,"
        + " \"progress\": false, ";
    Files.writeString(tmp.resolve("pre.json"), "{" + common + "\"out\": \"pre\", \"data\": [{\"path\": \"text.jsonl\"}],"
        + " \"seq_len\": 16, \"steps\": 2}");
    JsonNode pre = new ObjectMapper().readTree(capture("train", "pretrain", "--config", tmp.resolve("pre.json").toString()));
    assertThat(pre.get("steps").asInt()).isEqualTo(2);
    Path preModel = Path.of(pre.get("model").asText());
    assertThat(Files.exists(preModel.resolve("tokenizer.model"))).isTrue();
    Files.writeString(tmp.resolve("sft.json"), "{" + common.replace("{\"config\": \"model.json\", \"seed\": 1}",
        "\"" + preModel + "\"") + "\"out\": \"sft\", \"stages\": [{\"name\": \"code\", \"data\": [{\"path\": \"chat.jsonl\"}],"
        + " \"steps\": 2}, {\"name\": \"general\", \"data\": [{\"path\": \"chat.jsonl\"}], \"mix\": [{\"stage\": 0,"
        + " \"fraction\": 0.25}], \"epochs\": 1, \"optimizer\": {\"lr\": 1e-4}}]}");
    JsonNode sft = new ObjectMapper().readTree(capture("train", "sft", "--config", tmp.resolve("sft.json").toString()));
    assertThat(sft.get("stages").size()).isEqualTo(2);
    assertThat(Files.exists(tmp.resolve("sft/code/checkpoints/latest"))).isTrue();
    Files.writeString(tmp.resolve("rm.json"), "{" + common + "\"out\": \"rm\", \"data\": [{\"path\": \"hs2.jsonl\"}],"
        + " \"eval_data\": [{\"path\": \"hs2.jsonl\"}], \"steps\": 2}");
    JsonNode rm = new ObjectMapper().readTree(capture("train", "rm", "--config", tmp.resolve("rm.json").toString()));
    assertThat(rm.get("eval").has("mse_helpfulness")).isTrue();
    assertThat(new ObjectMapper().readTree(Files.readString(tmp.resolve("rm/final/config.json"))).get("num_labels").asInt())
        .isEqualTo(5);
    Files.writeString(tmp.resolve("rmp.json"), "{" + common + "\"out\": \"rmp\", \"mode\": \"pairwise\","
        + " \"data\": [{\"path\": \"pref.jsonl\"}], \"steps\": 1}");
    assertThat(new ObjectMapper().readTree(capture("train", "rm", "--config", tmp.resolve("rmp.json").toString()))
        .has("accuracy")).isTrue();
    Files.writeString(tmp.resolve("dpo.json"), "{" + common + "\"out\": \"dpo\", \"data\": [{\"path\": \"pref.jsonl\"}],"
        + " \"beta\": 0.2, \"alpha\": 0.1, \"steps\": 2, \"eval_data\": [{\"path\": \"pref.jsonl\"}]}");
    JsonNode dpo = new ObjectMapper().readTree(capture("train", "dpo", "--config", tmp.resolve("dpo.json").toString()));
    assertThat(dpo.get("algorithm").asText()).isEqualTo("dpo");
    assertThat(dpo.get("eval").has("rpo_loss")).isTrue();
    Files.writeString(tmp.resolve("rpo.json"), "{" + common + "\"out\": \"rpo\", \"data\": [{\"path\": \"pref.jsonl\"}],"
        + " \"beta\": 0.2, \"eta\": 0.5, \"iterations\": 2, \"steps\": 1, \"reference\": {\"mode\": \"in_memory\"}}");
    JsonNode rpo = new ObjectMapper().readTree(capture("train", "rpo", "--config", tmp.resolve("rpo.json").toString()));
    assertThat(rpo.get("iterations").size()).isEqualTo(2);
    assertThat(Files.exists(tmp.resolve("rpo/iteration-2/checkpoints/latest"))).isTrue();
  }

  @Test
  void badInputsAreReportedWithFileAndLine(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("model.json"), model());
    Files.writeString(tmp.resolve("chat.jsonl"), "{\"prompt\": \"hi\", \"response\": \"hello\"}\n{\"prompt\": \"x\" \n");
    String cfg = "{\"out\": \"o\", \"model\": {\"config\": \"model.json\"}, \"tokenizer\": \"" + TOK + "\","
        + " \"data\": [{\"path\": \"chat.jsonl\"}], \"steps\": 1, \"progress\": false";
    Files.writeString(tmp.resolve("a.json"), cfg + "}");
    assertThat(errorOf("train", "sft", "--config", tmp.resolve("a.json").toString())).contains("chat.jsonl:2:");
    Files.writeString(tmp.resolve("good.jsonl"), "{\"prompt\": \"hi\", \"response\": \"hello\"}\n");
    Files.writeString(tmp.resolve("b.json"), cfg.replace("chat.jsonl", "good.jsonl") + ", \"learning_rate\": 1}");
    assertThat(errorOf("train", "sft", "--config", tmp.resolve("b.json").toString())).contains("unknown key(s) [learning_rate]");
    Files.writeString(tmp.resolve("c.json"), cfg.replace("chat.jsonl", "missing.jsonl") + "}");
    assertThat(errorOf("train", "sft", "--config", tmp.resolve("c.json").toString())).contains("no file at");
    assertThat(errorOf("train", "ppo", "--config", tmp.resolve("a.json").toString())).contains("unknown algorithm 'ppo'");
    // over-long and empty examples: rejected as configured, and counted
    Files.writeString(tmp.resolve("chat2.jsonl"), "{\"prompt\": \"hi\", \"response\": \"hello\"}\n"
        + "{\"prompt\": \"" + "word ".repeat(200) + "\", \"response\": \"ok\"}\n{\"prompt\": \"q\", \"response\": \"  \"}\n");
    Files.writeString(tmp.resolve("d.json"), cfg.replace("chat.jsonl", "chat2.jsonl")
        + ", \"length\": {\"max\": 64, \"mode\": \"reject\"}}");
    JsonNode r = new ObjectMapper().readTree(capture("train", "sft", "--config", tmp.resolve("d.json").toString()));
    assertThat(r.get("data").get("rejected_too_long").asInt()).isEqualTo(1);
    assertThat(r.get("data").get("rejected_empty").asInt()).isEqualTo(1);
    assertThat(r.get("data").get("kept").asInt()).isEqualTo(1);
  }

  /** preference-eval on the alignment fixture reproduces its losses. */
  @Test
  void preferenceEvalMatchesTheAlignmentFixture(@TempDir Path tmp) throws Exception {
    Path dir = fixtures("alignment");
    JsonNode a = new ObjectMapper().readTree(Files.readString(dir.resolve("alignment.json")));
    StringBuilder rows = new StringBuilder();
    for (JsonNode p : a.get("pairs")) {
      rows.append("{\"prompt_ids\": ").append(p.get("prompt_ids")).append(", \"chosen_ids\": ")
          .append(p.get("chosen_response_ids")).append(", \"rejected_ids\": ").append(p.get("rejected_response_ids"))
          .append(", \"chosen_reward\": ").append(p.get("reward_chosen")).append(", \"rejected_reward\": ")
          .append(p.get("reward_rejected")).append("}\n");
    }
    Files.writeString(tmp.resolve("pairs.jsonl"), rows);
    JsonNode s = lastJson(capture("preference-eval", "--policy", dir.resolve("policy").toString(), "--reference",
        dir.resolve("reference").toString(), "--data", tmp.resolve("pairs.jsonl").toString(), "--beta", "0.3", "--eta", "0.8",
        "--alpha", "0.2", "--json"));
    for (String k : new String[] {"dpo_loss", "dpo_sft_loss", "rpo_loss"}) {
      double e = a.get(k).asDouble();
      assertThat(Math.abs(s.get(k).asDouble() - e)).isAtMost(1e-5 * Math.max(1, Math.abs(e)));
    }
    for (String k : new String[] {"rpo_fwd_kl_loss", "rpo_sq_loss", "ipo_loss", "accuracy"}) {
      assertThat(s.has(k)).isTrue();
    }
  }
}

package dev.nemotron4j.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.tokenizer.ChatTemplate.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExamplesTest {
  @TempDir Path dir;

  private static Jsonl.Row row(String json) {
    return Jsonl.parseLine("f.jsonl", 3, json);
  }

  private static void assertError(Function<Jsonl.Row, ?> parser, String json, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parser.apply(row(json)));
    assertThat(e).hasMessageThat().isEqualTo("f.jsonl:3: " + message);
  }

  private static void assertErrorContains(Function<Jsonl.Row, ?> parser, String json, String part) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parser.apply(row(json)));
    assertThat(e).hasMessageThat().startsWith("f.jsonl:3: ");
    assertThat(e).hasMessageThat().contains(part);
  }

  // ---------------------------------------------------------------- text

  @Test
  void textRows() {
    assertThat(TextExample.parse(row("{\"text\": \"abc\", \"meta\": 1}"))).isEqualTo(new TextExample("abc"));
    assertError(TextExample::parse, "{\"txt\": \"abc\"}", "missing field \"text\" (expected a string)");
    assertError(TextExample::parse, "{\"text\": [\"abc\"]}", "field \"text\" is an array, expected a string");
    assertError(TextExample::parse, "{\"text\": null}", "field \"text\" is null, expected a string");
  }

  @Test
  void plainTextDocumentsAreSeparatedByBlankLines() throws IOException {
    Path p = dir.resolve("corpus.txt");
    Files.writeString(p, "\n\nFirst line\nsecond line\n\n\n  \t\nSecond doc\r\n\r\nThird  doc \n", StandardCharsets.UTF_8);
    assertThat(TextExample.read(p)).containsExactly(
        new TextExample("First line\nsecond line"), new TextExample("Second doc"), new TextExample("Third  doc "))
        .inOrder();
    Path empty = dir.resolve("empty.md");
    Files.writeString(empty, "\n \n");
    assertThat(TextExample.read(empty)).isEmpty();
  }

  @Test
  void textFilesByExtension() throws IOException {
    Path jsonl = dir.resolve("docs.JSONL");
    Files.writeString(jsonl, "{\"text\": \"a\\n\\nb\"}\n{\"text\": \"c\"}\n");
    assertThat(TextExample.isJsonl(jsonl)).isTrue();
    assertThat(TextExample.read(jsonl)).containsExactly(new TextExample("a\n\nb"), new TextExample("c")).inOrder();
    Path txt = dir.resolve("docs.txt");
    Files.writeString(txt, "{\"text\": \"a\"}\n");
    assertThat(TextExample.read(txt)).containsExactly(new TextExample("{\"text\": \"a\"}"));
  }

  // ---------------------------------------------------------------- chat

  @Test
  void chatMessagesForm() {
    ChatExample c = ChatExample.parse(row("{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
        + " {\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"Assistant\", \"content\": \"Hello\"}]}"));
    assertThat(c.messages()).containsExactly(Message.system("Be brief."), Message.user("Hi"),
        Message.assistant("Hello")).inOrder();
  }

  @Test
  void chatPromptResponseForm() {
    assertThat(ChatExample.parse(row("{\"prompt\": \"Hi\", \"response\": \"Hello\"}")))
        .isEqualTo(ChatExample.of("Hi", "Hello"));
    assertThat(ChatExample.parse(row("{\"system\": \"S\", \"prompt\": \"Hi\", \"response\": \"\"}")).messages())
        .containsExactly(Message.system("S"), Message.user("Hi"), Message.assistant("")).inOrder();
  }

  @Test
  void chatErrors() {
    assertError(ChatExample::parse, "{\"text\": \"x\"}",
        "missing field \"messages\" (expected a list of {\"role\", \"content\"} objects), or \"prompt\" and \"response\"");
    assertError(ChatExample::parse, "{\"prompt\": \"Hi\"}", "missing field \"response\" (expected a string)");
    assertError(ChatExample::parse, "{\"prompt\": \"Hi\", \"response\": 5}",
        "field \"response\" is the number 5, expected a string");
    assertError(ChatExample::parse, "{\"messages\": {}}",
        "field \"messages\" is an object, expected a list of {\"role\", \"content\"} objects");
    assertError(ChatExample::parse, "{\"messages\": [{\"role\": \"user\"}]}",
        "field \"messages[0].content\" is missing, expected a string");
    assertError(ChatExample::parse, "{\"messages\": [{\"role\": \"bot\", \"content\": \"x\"}]}",
        "field \"messages[0].role\" is a string (\"bot\"), expected one of system, user, assistant");
    assertError(ChatExample::parse, "{\"messages\": [\"hi\"]}",
        "field \"messages[0]\" is a string (\"hi\"), expected a {\"role\", \"content\"} object");
    assertErrorContains(ChatExample::parse, "{\"messages\": [{\"role\": \"assistant\", \"content\": \"x\"}]}",
        "message 0 is from the assistant, expected the user");
    assertErrorContains(ChatExample::parse, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}",
        "must end with an assistant reply");
    assertErrorContains(ChatExample::parse, "{\"prompt\": \"a <extra_id_0> b\", \"response\": \"x\"}",
        "contains the chat marker <extra_id_0>");
    assertErrorContains(ChatExample::parse, "{\"messages\": [], \"prompt\": \"x\"}", "expected one form");
  }

  @Test
  void helpSteerMultiTurnPromptStringsAreSplitIntoTurns() {
    ChatExample c = ChatExample.parse(row("{\"prompt\": \"u1\\n<extra_id_1>Assistant\\na1\\n<extra_id_1>User\\nu2\","
        + " \"response\": \"a2\"}"));
    assertThat(c.messages()).containsExactly(Message.user("u1"), Message.assistant("a1"), Message.user("u2"),
        Message.assistant("a2")).inOrder();
    assertErrorContains(ChatExample::parse, "{\"prompt\": \"u1\\n<extra_id_1>Bot\\na1\", \"response\": \"a2\"}",
        "field \"prompt\": turn 1 after <extra_id_1> starts with \"Bot\\na1\", expected \"User\\n\" or \"Assistant\\n\"");
    assertErrorContains(ChatExample::parse, "{\"prompt\": \"u1\\n<extra_id_1>Assistant\\na1\", \"response\": \"a2\"}",
        "field \"prompt\": expected a conversation that ends with a user turn");
  }

  // ---------------------------------------------------------------- preferences

  @Test
  void preferenceTextForm() {
    PreferenceExample p = PreferenceExample.parse(row(
        "{\"prompt\": \"Q\", \"chosen\": \"good\", \"rejected\": \"bad\", \"chosen_reward\": 3.5, \"rejected_reward\": -1}"));
    assertThat(p).isEqualTo(new PreferenceExample.Text(List.of(Message.user("Q")), "good", "bad", 3.5f, -1f));
    assertThat(p.hasRewards()).isTrue();
    PreferenceExample conv = PreferenceExample.parse(row("{\"prompt\": [{\"role\": \"system\", \"content\": \"S\"},"
        + " {\"role\": \"user\", \"content\": \"u1\"}, {\"role\": \"assistant\", \"content\": \"a1\"},"
        + " {\"role\": \"user\", \"content\": \"u2\"}], \"chosen\": \"c\", \"rejected\": \"\"}"));
    assertThat(((PreferenceExample.Text) conv).prompt()).hasSize(4);
    assertThat(conv.hasRewards()).isFalse();
  }

  @Test
  void preferenceIdForm() {
    PreferenceExample p = PreferenceExample.parse(row(
        "{\"prompt_ids\": [5, 6], \"chosen_ids\": [7], \"rejected_ids\": [], \"chosen_reward\": 1, \"rejected_reward\": 0}"));
    assertThat(p).isEqualTo(new PreferenceExample.Ids(new int[] {5, 6}, new int[] {7}, new int[0], 1f, 0f));
  }

  @Test
  void preferenceErrors() {
    Function<Jsonl.Row, ?> parse = PreferenceExample::parse;
    assertError(parse, "{\"prompt\": \"Q\", \"chosen\": \"c\"}", "missing field \"rejected\" (expected a string)");
    assertError(parse, "{\"prompt\": 1, \"chosen\": \"c\", \"rejected\": \"r\"}",
        "field \"prompt\" is the number 1, expected a string or a list of {\"role\", \"content\"} messages ending"
            + " with a user turn");
    assertErrorContains(parse, "{\"prompt\": [{\"role\": \"user\", \"content\": \"u\"}, {\"role\": \"assistant\","
        + " \"content\": \"a\"}], \"chosen\": \"c\", \"rejected\": \"r\"}",
        "field \"prompt\": expected a conversation that ends with a user turn, got a last message from the assistant");
    assertError(parse, "{\"prompt\": \"Q\", \"chosen\": \"c\", \"rejected\": \"r\", \"chosen_reward\": 1}",
        "has \"chosen_reward\" but no \"rejected_reward\": expected both rewards or neither");
    assertError(parse, "{\"prompt\": \"Q\", \"chosen\": \"c\", \"rejected\": \"r\", \"chosen_reward\": 1,"
        + " \"rejected_reward\": 1e400}", "field \"rejected_reward\" is Infinity, expected a finite number (as a float)");
    assertError(parse, "{\"prompt\": \"Q\", \"chosen\": \"c\", \"rejected\": \"r\", \"chosen_reward\": \"high\","
        + " \"rejected_reward\": 1}", "field \"chosen_reward\" is a string (\"high\"), expected a finite number");
    assertError(parse, "{\"prompt_ids\": [1], \"chosen_ids\": [2, -3], \"rejected_ids\": [4]}",
        "field \"chosen_ids\"[1] is the number -3, expected a token id (an integer from 0 to 2147483647)");
    assertError(parse, "{\"prompt_ids\": [1], \"chosen_ids\": [2.5], \"rejected_ids\": [4]}",
        "field \"chosen_ids\"[0] is the number 2.5, expected a token id (an integer from 0 to 2147483647)");
    assertError(parse, "{\"prompt_ids\": [], \"chosen_ids\": [2], \"rejected_ids\": [4]}",
        "field \"prompt_ids\" is empty, expected at least one token");
    assertError(parse, "{\"prompt_ids\": [1], \"chosen_ids\": [2]}",
        "missing field \"rejected_ids\" (expected a list of token ids (integers >= 0))");
    assertErrorContains(parse, "{\"prompt_ids\": [1], \"chosen\": \"c\", \"rejected_ids\": [2]}",
        "mixes the text form");
    assertErrorContains(parse, "{\"question\": \"Q\"}", "missing fields \"prompt\", \"chosen\", \"rejected\"");
    assertErrorContains(parse, "{\"prompt\": \"Q\", \"chosen\": \"<extra_id_1>User\", \"rejected\": \"r\"}",
        "contains the chat marker <extra_id_1>");
  }

  // ---------------------------------------------------------------- reward

  private static final String HS2 = "{\"prompt\": \"c#\", \"response\": \"C# is a language.\", \"helpfulness\": 3,"
      + " \"correctness\": 4, \"coherence\": 4, \"complexity\": 2, \"verbosity\": 1}";

  @Test
  void rewardRows() {
    RewardExample r = RewardExample.parse(row(HS2));
    assertThat(r).isEqualTo(RewardExample.of("c#", "C# is a language.", 3, 4, 4, 2, 1));
    assertThat(r.attribute("complexity")).isEqualTo(2f);
    assertThat(r.conversation()).containsExactly(Message.user("c#"), Message.assistant("C# is a language.")).inOrder();
  }

  @Test
  void rewardAttributesMustBeNumbersInRange() {
    Function<Jsonl.Row, ?> parse = RewardExample::parse;
    assertError(parse, HS2.replace("\"helpfulness\": 3", "\"helpfulness\": 4.5"),
        "field \"helpfulness\" is 4.5, expected a number in [0, 4]");
    assertError(parse, HS2.replace("\"verbosity\": 1", "\"verbosity\": -1"),
        "field \"verbosity\" is -1, expected a number in [0, 4]");
    assertError(parse, HS2.replace("\"coherence\": 4", "\"coherence\": \"4\""),
        "field \"coherence\" is a string (\"4\"), expected a number in [0, 4]");
    assertError(parse, HS2.replace(", \"complexity\": 2", ""),
        "missing field \"complexity\" (expected a number in [0, 4])");
    assertError(parse, HS2.replace("\"response\": \"C# is a language.\"", "\"response\": null"),
        "field \"response\" is null, expected a string");
    assertThrows(IllegalArgumentException.class, () -> RewardExample.of("p", "r", 1, 2, 3));
  }

  @Test
  void recordsRoundTripThroughJson() {
    List<Jsonl.Writable> all = List.of(
        new TextExample("t"),
        new ChatExample(List.of(Message.system("s"), Message.user("u"), Message.assistant("a"))),
        new PreferenceExample.Text(List.of(Message.system("s"), Message.user("u")), "c", "r", 1f, 2f),
        new PreferenceExample.Text(List.of(Message.user("u1"), Message.assistant("a1"), Message.user("u2")), "c", "r",
            null, null),
        new PreferenceExample.Ids(new int[] {1, 2}, new int[] {3}, new int[] {4, 5}, null, null),
        RewardExample.of("p", "r", 0, 1, 2, 3, 4),
        new RewardExample(List.of(Message.user("u1"), Message.assistant("a1"), Message.user("u2")), "r",
            new float[] {0.5f, 1, 2, 3, 4}));
    for (Jsonl.Writable w : all) {
      Jsonl.Row r = Jsonl.parseLine("mem", 1, w.toJson().toString());
      Object back = w instanceof TextExample ? TextExample.parse(r)
          : w instanceof ChatExample ? ChatExample.parse(r)
          : w instanceof PreferenceExample ? PreferenceExample.parse(r)
          : RewardExample.parse(r);
      assertThat(back).isEqualTo(w);
    }
  }
}

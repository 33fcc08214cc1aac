package dev.nemotron4j.sdg;

import static com.google.common.truth.Truth.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectionTest {
  private static final Map<String, Double> W = Map.of("ground_truth", 2.0, "instructions", 2.0, "reward", 0.5);

  private static ObjectNode prompt(String id) {
    return SdgRecords.prompt(id, "question " + id, "test", SdgRecords.provenance("t", "g", "tpl", 1));
  }

  private static ObjectNode resp(String promptId, int k, String text, Double gt, Double ins, double reward) {
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("id", promptId + "-" + k);
    r.put("prompt_id", promptId);
    r.put("response", text);
    ObjectNode s = r.putObject("scores");
    if (gt == null) {
      s.putNull("ground_truth");
    } else {
      s.put("ground_truth", gt);
    }
    if (ins == null) {
      s.putNull("instructions");
    } else {
      s.put("instructions", ins);
    }
    s.put("reward", reward);
    r.set("provenance", SdgRecords.provenance("t", "g", "response", 1));
    return r;
  }

  @Test
  void qualityIsTheWeightedSumOfTheJudgesWithOpinions() {
    assertThat(Selection.quality(resp("p", 0, "x", 1.0, 0.5, 4.0), W)).isWithin(1e-12).of(2 + 1 + 2);
    assertThat(Selection.quality(resp("p", 0, "x", null, null, 4.0), W)).isWithin(1e-12).of(2);
  }

  @Test
  void sftKeepsTheBestVerifiedResponsePerPrompt() {
    List<ObjectNode> prompts = List.of(prompt("a"), prompt("b"));
    List<ObjectNode> rs = new ArrayList<>(List.of(
        resp("a", 0, "wrong but loved", 0.0, 1.0, 9.0),
        resp("a", 1, "right", 1.0, 1.0, 1.0),
        resp("a", 2, "right and better", 1.0, 1.0, 3.0),
        resp("a", 3, "right, ignores an instruction", 1.0, 0.5, 9.0),
        resp("b", 0, "wrong", 0.0, 1.0, 5.0)));
    Selection.Stats st = new Selection.Stats();
    List<ObjectNode> out = Selection.sft(prompts, rs, new Selection.Policy(W, true, true, 0, 400), st);
    assertThat(out).hasSize(1);
    ObjectNode o = out.get(0);
    assertThat(o.get("messages").get(1).get("content").asText()).isEqualTo("right and better");
    assertThat(o.get("messages").get(1).get("role").asText()).isEqualTo("assistant");
    assertThat(o.get("provenance").get("stage").asText()).isEqualTo("t");
    assertThat(st.kept).isEqualTo(1);
    assertThat(st.noCandidate).isEqualTo(1);
  }

  @Test
  void qualityFiltersDropBadResponsesAndCountThem() {
    List<ObjectNode> prompts = List.of(prompt("a"));
    String degenerate = "the cat sat on the mat ".repeat(8);
    List<ObjectNode> rs = List.of(
        resp("a", 0, "   ", 1.0, 1.0, 9.0),
        resp("a", 1, "x".repeat(500), 1.0, 1.0, 9.0),
        resp("a", 2, degenerate, 1.0, 1.0, 9.0),
        resp("a", 3, "ok <extra_id_1>User\nforged", 1.0, 1.0, 9.0),
        resp("a", 4, "fine", 1.0, 1.0, 0.0));
    Selection.Stats st = new Selection.Stats();
    List<ObjectNode> out = Selection.sft(prompts, rs, new Selection.Policy(W, true, true, 0, 400), st);
    assertThat(out.get(0).get("messages").get(1).get("content").asText()).isEqualTo("fine");
    assertThat(st.empty).isEqualTo(1);
    assertThat(st.tooLong).isEqualTo(1);
    assertThat(st.degenerate).isEqualTo(1);
    assertThat(st.malformed).isEqualTo(1);
  }

  @Test
  void preferencesPairTheBestVerifiedWithTheWorstAboveTheMargin() {
    List<ObjectNode> prompts = List.of(prompt("a"), prompt("b"), prompt("c"));
    List<ObjectNode> rs = List.of(
        resp("a", 0, "good", 1.0, 1.0, 4.0),
        resp("a", 1, "bad", 0.0, 0.0, 1.0),
        resp("a", 2, "meh", 1.0, 0.0, 2.0),
        // b: all equal -> no margin
        resp("b", 0, "same", 1.0, 1.0, 2.0),
        resp("b", 1, "same too", 1.0, 1.0, 2.0),
        // c: nothing verified -> no chosen
        resp("c", 0, "wrong", 0.0, 1.0, 5.0),
        resp("c", 1, "wrong too", 0.0, 0.0, 1.0));
    Selection.Stats st = new Selection.Stats();
    List<ObjectNode> out = Selection.preferences(prompts, rs, new Selection.Policy(W, true, true, 0.5, 400), st);
    assertThat(out).hasSize(1);
    ObjectNode p = out.get(0);
    assertThat(p.get("chosen").asText()).isEqualTo("good");
    assertThat(p.get("rejected").asText()).isEqualTo("bad");
    assertThat(p.get("chosen_reward").asDouble()).isWithin(1e-12).of(6.0);
    assertThat(p.get("rejected_reward").asDouble()).isWithin(1e-12).of(0.5);
    assertThat(p.get("prompt").get(0).get("content").asText()).isEqualTo("question a");
    assertThat(st.noMargin).isEqualTo(1);
    assertThat(st.noCandidate).isEqualTo(1);
    assertThat(st.toJson().get("kept").asInt()).isEqualTo(1);
  }
}

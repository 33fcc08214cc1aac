package dev.nemotron4j.sdg;

import static com.google.common.truth.Truth.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.sdg.backend.Sampling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JudgesAndResponsesTest {
  @TempDir Path dir;

  private static ObjectNode prompt(String id, String text, String instructionId) {
    ObjectNode p = SdgRecords.prompt(id, text, "t", SdgRecords.provenance("t", "g", "x", 1));
    if (instructionId != null) {
      p.putArray("instructions").addObject().put("id", instructionId).putObject("kwargs");
    }
    return p;
  }

  private static final Judges.Judge ANSWER_IS_4 = Judges.groundTruth(
      p -> SdgRecords.lastUser(p).startsWith("2+2") ? Optional.of("4") : Optional.empty(), (r, a) -> r.strip().equals(a));

  @Test
  void groundTruthAndInstructionJudges() {
    List<ObjectNode> ps = List.of(prompt("a", "2+2?", "punctuation:no_comma"), prompt("b", "Tell me a story.", null));
    double[] gt = ANSWER_IS_4.score(ps, List.of("4", "Once, upon a time"));
    assertThat(gt[0]).isEqualTo(1.0);
    assertThat(gt[1]).isNaN();
    double[] ins = Judges.instructions().score(ps, List.of("4, I think", "x"));
    assertThat(ins[0]).isEqualTo(0.0);
    assertThat(ins[1]).isNaN();
  }

  @Test
  void anLlmJudgeMustAgreeWithItselfWhenTheOrderIsSwapped() {
    List<ObjectNode> ps = List.of(prompt("a", "2+2?", null), prompt("b", "2+2?", null), prompt("c", "2+2?", null));
    // a judge that prefers the response containing "4"; ties go to the first position (a position bias)
    FakeBackend judge = new FakeBackend((ask, k) -> {
      String a = ask.substring(ask.indexOf("Response A:"), ask.indexOf("Response B:"));
      String b = ask.substring(ask.indexOf("Response B:"), ask.indexOf("Reply with"));
      boolean a4 = a.contains("4"), b4 = b.contains("4");
      return a4 == b4 ? "A" : a4 ? "A" : "B";
    });
    List<Judges.Verdict> v = Judges.llmPairwise(judge, ps, List.of("4", "5", "5"), List.of("5", "4", "6"), 1);
    assertThat(v).containsExactly(Judges.Verdict.FIRST, Judges.Verdict.SECOND, Judges.Verdict.INCONSISTENT).inOrder();
    assertThat(judge.conversations).isEqualTo(6);
  }

  @Test
  void responsesAreScoredByEveryJudgeAndTheStageResumes() throws Exception {
    List<ObjectNode> ps = List.of(prompt("a", "2+2?", null), prompt("b", "2+2? again", null), prompt("c", "2+2? more", null));
    FakeBackend gen = new FakeBackend((u, k) -> k == 0 ? "4" : "5");
    Sampling s = new Sampling(8, 1.0, 1.0, 2, 9, List.of());
    gen.failAfterCalls = 2;
    Path out = dir.resolve("responses.jsonl");
    try {
      ResponseGeneration.run("r", out, ps, List.of(gen), s, List.of(ANSWER_IS_4, Judges.instructions()), 1, false);
    } catch (IllegalStateException expected) {
      // the simulated crash after two prompts
    }
    FakeBackend again = new FakeBackend((u, k) -> k == 0 ? "4" : "5");
    List<ObjectNode> rs = ResponseGeneration.run("r", out, ps, List.of(again), s, List.of(ANSWER_IS_4, Judges.instructions()),
        1, false);
    assertThat(again.calls).isEqualTo(1);
    assertThat(rs).hasSize(6);
    assertThat(Files.readAllLines(out)).hasSize(6);
    ObjectNode r0 = rs.get(0);
    assertThat(r0.get("prompt_id").asText()).isEqualTo("a");
    assertThat(r0.get("response").asText()).isEqualTo("4");
    assertThat(r0.get("scores").get("ground_truth").asDouble()).isEqualTo(1.0);
    assertThat(r0.get("scores").get("instructions").isNull()).isTrue();
    assertThat(rs.get(1).get("scores").get("ground_truth").asDouble()).isEqualTo(0.0);
    assertThat(r0.get("provenance").get("generator").asText()).isEqualTo("fake");
    assertThat(r0.get("provenance").get("stage").asText()).isEqualTo("r");
  }

  @Test
  void dialoguesAlternateRolesAndTheJudgeFiltersThem() {
    List<ObjectNode> ps = List.of(prompt("a", "Hi there.", null), prompt("b", "Hello.", null));
    FakeBackend assistant = new FakeBackend((u, k) -> u.startsWith("Hi") ? "Good answer." : "Meh.");
    FakeBackend user = new FakeBackend((u, k) -> "Tell me more.");
    Judges.Judge judge = new Judges.Judge() {
      @Override
      public String name() {
        return "reward";
      }

      @Override
      public double[] score(List<ObjectNode> prompts, List<String> responses) {
        double[] s = new double[responses.size()];
        for (int i = 0; i < s.length; i++) {
          // the context is the dialogue before the last reply
          s[i] = SdgRecords.messages(prompts.get(i)).get(0).content().startsWith("Hi") ? 1 : 0;
        }
        return s;
      }
    };
    List<ObjectNode> d = Dialogues.generate(dir.resolve("d.jsonl"), ps, assistant, user, 3, judge, 0.5, 1, 8, false);
    assertThat(d).hasSize(1);
    var m = SdgRecords.messages(d.get(0));
    assertThat(m).hasSize(6);
    assertThat(m.get(0).content()).isEqualTo("Hi there.");
    assertThat(m.get(1).content()).isEqualTo("Good answer.");
    assertThat(m.get(2).content()).isEqualTo("Tell me more.");
    assertThat(m.get(5).role().name()).isEqualTo("ASSISTANT");
    assertThat(d.get(0).get("score").asDouble()).isEqualTo(1.0);
  }
}

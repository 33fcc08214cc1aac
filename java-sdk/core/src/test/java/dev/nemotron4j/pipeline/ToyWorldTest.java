package dev.nemotron4j.pipeline;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.sdg.checkers.IfEval;
import dev.nemotron4j.sdg.checkers.Instruction;
import dev.nemotron4j.sdg.checkers.Instructions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ToyWorldTest {
  private final ToyWorld world = new ToyWorld(3, 12);

  @Test
  void theWorldIsDeterministicInItsSeed() {
    assertThat(new ToyWorld(3, 12).countries()).isEqualTo(world.countries());
    assertThat(new ToyWorld(4, 12).countries()).isNotEqualTo(world.countries());
    assertThat(new HashSet<>(world.countries())).hasSize(12);
    assertThrows(IllegalArgumentException.class, () -> new ToyWorld(1, 0));
  }

  @Test
  void everyQuestionIsSolvedFromItsTextAlone() {
    SplittableRandom r = new SplittableRandom(1);
    Set<ToyWorld.Kind> kinds = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      ToyWorld.Question q = world.question(r);
      kinds.add(q.kind());
      assertThat(world.solve(q.text())).hasValue(q.answer());
      // also with instructions after it, or a first turn before it
      List<ToyWorld.Instruction> ins = world.instructions(r);
      assertThat(world.solve(ToyWorld.promptText(q.text(), ins))).hasValue(q.answer());
      assertThat(world.solve("Say the word cat twice. " + q.text())).hasValue(q.answer());
    }
    assertThat(kinds).containsExactlyElementsIn(ToyWorld.Kind.values());
    assertThat(world.solve("What is the capital of Atlantis?")).isEmpty();
    assertThat(world.solve("Tell me a story.")).isEmpty();
    String c = world.countries().get(0);
    assertThat(world.solve("Name the capital city of " + c + ".")).hasValue(world.capital(c));
    assertThat(world.solve("What is 7 plus 8?")).hasValue("15");
    assertThat(world.solve("Give the last letter of desk.")).hasValue("k");
    assertThat(world.solve("Repeat the word moon two times.")).hasValue("moon moon");
  }

  @Test
  void theIdealReplyIsCorrectAndFollowsEveryInstruction() {
    SplittableRandom r = new SplittableRandom(2);
    Set<String> used = new HashSet<>();
    for (int i = 0; i < 3000; i++) {
      ToyWorld.Question q = world.question(r);
      List<ToyWorld.Instruction> ins = world.instructions(r);
      List<Instruction> checkers = new ArrayList<>();
      for (ToyWorld.Instruction in : ins) {
        checkers.add(ToyWorld.checker(in));
        used.add(in.id());
      }
      assertThat(Instructions.compatible(checkers)).isTrue();
      for (String a : List.of(q.answer(), "Sure, the answer is " + q.answer())) {
        String ideal = ToyWorld.ideal(a, ins);
        assertThat(ToyWorld.answerCorrect(ideal, q.answer())).isTrue();
        for (Instruction c : checkers) {
          assertThat(IfEval.followsStrict(c, ideal)).isTrue();
        }
      }
      String wrong = world.wrongAnswer(q.text(), r);
      assertThat(ToyWorld.answerCorrect(ToyWorld.ideal(wrong, ins), q.answer())).isFalse();
    }
    assertThat(used).containsExactlyElementsIn(List.of(ToyWorld.INSTRUCTION_IDS));
  }

  @Test
  void theCorpusHoldsFactsAndNoneOfTheAvoidedQuestions() {
    SplittableRandom r = new SplittableRandom(5);
    Set<String> avoid = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      avoid.add(world.question(r).text());
    }
    List<String> docs = world.corpus(new SplittableRandom(6), 400, 0.5, avoid);
    assertThat(docs).hasSize(400);
    String all = String.join("\n", docs);
    for (String q : avoid) {
      assertThat(all).doesNotContain(q);
    }
    String c = world.countries().get(1);
    assertThat(all).contains(world.capital(c));
    assertThat(all).contains("<extra_id_1>Assistant\n");
    assertThat(all).contains("Q: ");
  }

  @Test
  void theWeakGeneratorIsRightOnlyPartOfTheTime() {
    ToyBackend weak = new ToyBackend(world, 0.6, 0.5, 0.3);
    SplittableRandom r = new SplittableRandom(8);
    int right = 0, n = 1000;
    for (int i = 0; i < n; i++) {
      ToyWorld.Question q = world.question(r);
      if (ToyWorld.answerCorrect(weak.reply(q.text(), new SplittableRandom(i)), q.answer())) {
        right++;
      }
    }
    assertThat((double) right / n).isWithin(0.06).of(0.6);
  }
}

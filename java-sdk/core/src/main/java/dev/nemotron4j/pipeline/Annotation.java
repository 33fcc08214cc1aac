package dev.nemotron4j.pipeline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.model.NemotronRewardModel;
import dev.nemotron4j.sdg.Judges;
import dev.nemotron4j.sdg.SdgRecords;
import dev.nemotron4j.sdg.checkers.Instruction;
import dev.nemotron4j.sdg.checkers.Instructions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The toy world's "human-annotated" set, the analogue of HelpSteer2: prompts of the world, each
 * with several responses of varied quality (ideal, wrong, ignoring instructions, padded, evasive,
 * rambling), labelled on the five HelpSteer2 attributes (0..4) by a ground-truth scorer with
 * annotator noise.
 */
final class Annotation {
  private Annotation() {}

  /** The noise-free attributes of a response: helpfulness, correctness, coherence, complexity, verbosity. */
  static int[] attributes(String prompt, String response, List<Instruction> ins, ToyWorld world) {
    String answer = world.solve(prompt).orElse("");
    boolean correct = ToyWorld.answerCorrect(response, answer);
    boolean evasive = response.strip().equalsIgnoreCase("I am not sure.");
    int followed = 0;
    for (Instruction i : ins) {
      if (i.check(response)) {
        followed++;
      }
    }
    double follow = ins.isEmpty() ? 1 : (double) followed / ins.size();
    boolean rambling = response.split("\\s+").length > 12;
    int correctness = correct ? 4 : evasive ? 1 : 0;
    int helpfulness = (int) Math.round((correct ? 2.0 : 0.0) + 2.0 * follow - (rambling ? 1 : 0) - (evasive ? 0.5 : 0));
    int coherence = rambling ? 2 : 4;
    int complexity = 1;
    int verbosity = rambling ? 3 : response.toLowerCase(java.util.Locale.ROOT).contains("sure, the answer is") ? 2 : 1;
    return new int[] {clamp(helpfulness), correctness, coherence, complexity, verbosity};
  }

  /** The reward of noise-free attributes under the HelpSteer2 weights. */
  static double trueReward(int[] a) {
    double r = 0;
    for (int i = 0; i < a.length; i++) {
      r += NemotronRewardModel.HELPSTEER2_WEIGHTS[i] * a[i];
    }
    return r;
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(4, v));
  }

  /** Responses of varied quality to one prompt of the world. */
  static List<String> responses(String prompt, List<ToyWorld.Instruction> ins, ToyWorld world, SplittableRandom r) {
    String right = world.solve(prompt).orElseThrow(() -> new IllegalArgumentException("not a question of the world: " + prompt));
    List<String> out = new ArrayList<>();
    out.add(ToyWorld.ideal(right, ins));
    out.add(ToyWorld.ideal(world.wrongAnswer(prompt, r), ins));
    List<ToyWorld.Instruction> some = new ArrayList<>(ins);
    if (!some.isEmpty()) {
      some.remove(r.nextInt(some.size()));
    }
    out.add(ToyWorld.ideal(right, some));
    out.add(ToyWorld.ideal("Sure, the answer is " + (r.nextBoolean() ? right : world.wrongAnswer(prompt, r)), ins));
    switch (r.nextInt(3)) {
      case 0: out.add("I am not sure."); break;
      case 1: out.add(ToyWorld.ideal(world.wrongAnswer(prompt, r), List.of())); break;
      default: {
        String a = r.nextBoolean() ? right : world.wrongAnswer(prompt, r);
        out.add(ToyWorld.ideal("Well, let me think about this question for a while and then say " + a, ins));
      }
    }
    return out;
  }

  /**
   * The annotated set: for each of {@code prompts} prompts, the responses with noisy labels (each
   * attribute moved by one with probability {@code noise}). Rows are HelpSteer2 JSONL
   * ({@code prompt, response, helpfulness, ...}) plus {@code id}, {@code prompt_id}, {@code
   * instructions} and the noise-free {@code true_reward}.
   */
  static List<ObjectNode> build(ToyWorld world, int prompts, double noise, SplittableRandom r, java.util.Set<String> avoid) {
    List<ObjectNode> out = new ArrayList<>();
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (int p = 0; p < prompts; p++) {
      ToyWorld.Question q = world.question(r);
      if (avoid.contains(q.text())) {
        p--;
        continue;
      }
      List<ToyWorld.Instruction> ins = world.instructions(r);
      String text = ToyWorld.promptText(q.text(), ins);
      if (seen.put(text, true) != null) {
        p--;
        continue;
      }
      ArrayNode insJson = ToyWorld.instructionsJson(ins);
      List<Instruction> checkers = new ArrayList<>();
      for (ToyWorld.Instruction i : ins) {
        checkers.add(Instructions.create(i.id(), i.kwargs()));
      }
      String pid = SdgRecords.id("annotated", text);
      int k = 0;
      for (String resp : responses(q.text(), ins, world, r)) {
        int[] a = attributes(q.text(), resp, checkers, world);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", SdgRecords.id("annotated", text, Integer.toString(k++)));
        o.put("prompt_id", pid);
        o.put("prompt", text);
        o.put("response", resp);
        String[] names = {"helpfulness", "correctness", "coherence", "complexity", "verbosity"};
        for (int i = 0; i < 5; i++) {
          int v = a[i];
          if (r.nextDouble() < noise) {
            v = clamp(v + (r.nextBoolean() ? 1 : -1));
          }
          o.put(names[i], v);
        }
        o.set("instructions", insJson.deepCopy());
        o.put("true_reward", trueReward(a));
        out.add(o);
      }
    }
    return out;
  }

  /** A judge's scores of annotated rows (prompt and response). */
  static double[] scores(List<ObjectNode> rows, Judges.Judge judge) {
    List<ObjectNode> prompts = new ArrayList<>();
    List<String> responses = new ArrayList<>();
    for (ObjectNode o : rows) {
      ObjectNode p = JsonNodeFactory.instance.objectNode();
      p.set("messages", JsonNodeFactory.instance.arrayNode().add(
          JsonNodeFactory.instance.objectNode().put("role", "user").put("content", o.get("prompt").asText())));
      prompts.add(p);
      responses.add(o.get("response").asText());
    }
    return judge.score(prompts, responses);
  }

  /**
   * Pairwise accuracy of scores {@code s} of annotated rows: over pairs of responses to the same prompt
   * whose noise-free rewards differ, the fraction the judge orders the same way (ties count as wrong).
   */
  static double pairwiseAccuracy(List<ObjectNode> rows, double[] s) {
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      groups.computeIfAbsent(rows.get(i).get("prompt_id").asText(), k -> new ArrayList<>()).add(i);
    }
    int pairs = 0, right = 0;
    for (List<Integer> g : groups.values()) {
      for (int a = 0; a < g.size(); a++) {
        for (int b = a + 1; b < g.size(); b++) {
          double ta = rows.get(g.get(a)).get("true_reward").asDouble(), tb = rows.get(g.get(b)).get("true_reward").asDouble();
          if (ta == tb) {
            continue;
          }
          pairs++;
          double sa = s[g.get(a)], sb = s[g.get(b)];
          if (sa != sb && (ta > tb) == (sa > sb)) {
            right++;
          }
        }
      }
    }
    return pairs == 0 ? Double.NaN : (double) right / pairs;
  }
}

package dev.nemotron4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.sdg.Judges;
import dev.nemotron4j.sdg.SdgRecords;
import dev.nemotron4j.sdg.backend.ChatBackend;
import dev.nemotron4j.sdg.backend.Sampling;
import dev.nemotron4j.sdg.checkers.IfEval;
import dev.nemotron4j.sdg.checkers.Instruction;
import dev.nemotron4j.sdg.checkers.Instructions;
import dev.nemotron4j.tokenizer.ChatTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Held-out evaluation of a responder (a model or the weak generator), greedy: answer accuracy
 * against the toy world's ground truth, IFEval prompt- and instruction-level strict accuracy, and
 * the mean reward-model score.
 */
final class Evaluation {
  private Evaluation() {}

  /** One stage's held-out numbers (accuracies as fractions) and its per-prompt records. */
  record Metrics(String name, double answerAccuracy, double ifevalPromptStrict, double ifevalInstructionStrict,
      double reward, List<ObjectNode> records) {
    ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("name", name);
      o.put("answer_accuracy", answerAccuracy);
      o.put("ifeval_prompt_strict", ifevalPromptStrict);
      o.put("ifeval_instruction_strict", ifevalInstructionStrict);
      o.put("reward", reward);
      return o;
    }

    static Metrics fromJson(JsonNode o) {
      return new Metrics(o.get("name").asText(), o.get("answer_accuracy").asDouble(), o.get("ifeval_prompt_strict").asDouble(),
          o.get("ifeval_instruction_strict").asDouble(), o.get("reward").asDouble(), List.of());
    }
  }

  /** Whether a prompt text asks for the instruction {@code id} of the toy world (its description is in the text). */
  static boolean mentions(String text, String id) {
    return text.contains(Instructions.create(id, ToyWorld.instruction(id).kwargs()).description());
  }

  /** Greedy replies to the prompt records. */
  static List<String> respond(ChatBackend responder, List<ObjectNode> prompts, int maxTokens, int batch) {
    List<String> responses = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i += batch) {
      List<List<ChatTemplate.Message>> convs = new ArrayList<>();
      for (ObjectNode p : prompts.subList(i, Math.min(prompts.size(), i + batch))) {
        convs.add(SdgRecords.messages(p));
      }
      for (List<String> r : responder.complete(convs, Sampling.greedy(maxTokens))) {
        responses.add(r.get(0));
      }
    }
    return responses;
  }

  static Metrics evaluate(String name, ChatBackend responder, List<ObjectNode> heldOut, ToyWorld world,
      Judges.Judge rewardModel, int maxTokens, int batch) {
    List<String> responses = respond(responder, heldOut, maxTokens, batch);
    double[] rw = rewardModel.score(heldOut, responses);
    int correct = 0, answerable = 0, promptsWith = 0, promptsOk = 0, instructions = 0, followed = 0;
    double rewardSum = 0;
    List<ObjectNode> records = new ArrayList<>();
    for (int i = 0; i < heldOut.size(); i++) {
      ObjectNode p = heldOut.get(i);
      String response = responses.get(i);
      ObjectNode rec = JsonNodeFactory.instance.objectNode();
      rec.put("id", p.get("id").asText());
      rec.put("prompt", SdgRecords.lastUser(p));
      rec.put("response", response);
      Optional<String> ans = world.solve(SdgRecords.lastUser(p));
      if (ans.isPresent()) {
        answerable++;
        boolean ok = ToyWorld.answerCorrect(response, ans.get());
        correct += ok ? 1 : 0;
        rec.put("answer_correct", ok);
      }
      List<Instruction> ins = Judges.instructionsOf(p);
      if (!ins.isEmpty()) {
        promptsWith++;
        boolean all = true;
        for (Instruction in : ins) {
          instructions++;
          if (IfEval.followsStrict(in, response)) {
            followed++;
          } else {
            all = false;
          }
        }
        promptsOk += all ? 1 : 0;
        rec.put("instructions_followed", all);
      }
      rec.put("reward", rw[i]);
      rewardSum += rw[i];
      records.add(rec);
    }
    return new Metrics(name, answerable == 0 ? 0 : (double) correct / answerable,
        promptsWith == 0 ? 0 : (double) promptsOk / promptsWith, instructions == 0 ? 0 : (double) followed / instructions,
        rewardSum / heldOut.size(), records);
  }
}

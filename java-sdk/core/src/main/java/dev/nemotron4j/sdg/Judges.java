package dev.nemotron4j.sdg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.data.Batcher;
import dev.nemotron4j.data.PaddedBatch;
import dev.nemotron4j.data.Sequence;
import dev.nemotron4j.model.NemotronRewardModel;
import dev.nemotron4j.sdg.backend.ChatBackend;
import dev.nemotron4j.sdg.backend.Sampling;
import dev.nemotron4j.sdg.checkers.Instruction;
import dev.nemotron4j.sdg.checkers.Instructions;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Judges of responses: ground truth, instruction checkers, a reward model, an LLM (position-swapped). */
public final class Judges {
  private Judges() {}

  /** A pointwise judge: one score per (prompt record, response); NaN where it has no opinion. */
  public interface Judge {
    String name();

    double[] score(List<ObjectNode> prompts, List<String> responses);
  }

  /** 1 when the response states the known answer, 0 when not, NaN when the prompt has none. */
  public static Judge groundTruth(Function<ObjectNode, Optional<String>> answerOf,
      java.util.function.BiPredicate<String, String> correct) {
    return new Judge() {
      @Override
      public String name() {
        return "ground_truth";
      }

      @Override
      public double[] score(List<ObjectNode> prompts, List<String> responses) {
        double[] s = new double[prompts.size()];
        for (int i = 0; i < s.length; i++) {
          Optional<String> a = answerOf.apply(prompts.get(i));
          s[i] = a.isEmpty() ? Double.NaN : correct.test(responses.get(i), a.get()) ? 1 : 0;
        }
        return s;
      }
    };
  }

  /** The instructions a prompt record carries ({@code "instructions": [{"id", "kwargs"}]}). */
  public static List<Instruction> instructionsOf(JsonNode prompt) {
    List<Instruction> out = new ArrayList<>();
    JsonNode ins = prompt.get("instructions");
    if (ins != null) {
      for (JsonNode i : ins) {
        out.add(Instructions.create(i.get("id").asText(), i.get("kwargs")));
      }
    }
    return out;
  }

  /** The fraction of the prompt's instructions the response follows (NaN without instructions). */
  public static Judge instructions() {
    return new Judge() {
      @Override
      public String name() {
        return "instructions";
      }

      @Override
      public double[] score(List<ObjectNode> prompts, List<String> responses) {
        double[] s = new double[prompts.size()];
        for (int i = 0; i < s.length; i++) {
          List<Instruction> ins = instructionsOf(prompts.get(i));
          if (ins.isEmpty()) {
            s[i] = Double.NaN;
            continue;
          }
          int ok = 0;
          for (Instruction in : ins) {
            if (in.check(responses.get(i))) {
              ok++;
            }
          }
          s[i] = (double) ok / ins.size();
        }
        return s;
      }
    };
  }

  /**
   * The reward model's scalar reward of the conversation with the response as the assistant's
   * reply; NaN for a response that contains a chat marker (see {@link #malformed}).
   */
  public static Judge rewardModel(NemotronRewardModel rm, SentencePieceModel sp, float[] weights, int batch) {
    ChatTemplate tpl = new ChatTemplate(sp);
    return new Judge() {
      @Override
      public String name() {
        return "reward";
      }

      @Override
      public double[] score(List<ObjectNode> prompts, List<String> responses) {
        double[] out = new double[prompts.size()];
        for (int i = 0; i < prompts.size(); i += batch) {
          List<Sequence> seqs = new ArrayList<>();
          for (int j = i; j < Math.min(prompts.size(), i + batch); j++) {
            List<ChatTemplate.Message> conv = new ArrayList<>(SdgRecords.messages(prompts.get(j)));
            conv.add(ChatTemplate.Message.assistant(responses.get(j)));
            if (malformed(responses.get(j))) {
              seqs.add(null); // no opinion: the reply cannot be rendered in the chat template
              continue;
            }
            int[] ids = tpl.encode(conv).ids();
            int max = rm.config().maxPositions();
            if (ids.length > max) {
              ids = java.util.Arrays.copyOfRange(ids, ids.length - max, ids.length);
            }
            seqs.add(Sequence.document(ids));
          }
          List<Integer> rows = new ArrayList<>();
          List<Sequence> present = new ArrayList<>();
          for (int k = 0; k < seqs.size(); k++) {
            if (seqs.get(k) == null) {
              out[i + k] = Double.NaN;
            } else {
              rows.add(i + k);
              present.add(seqs.get(k));
            }
          }
          if (present.isEmpty()) {
            continue;
          }
          try (Scope s = Scope.open()) {
            PaddedBatch pb = Batcher.pad(present);
            long[] lens = new long[pb.rows()];
            for (int k = 0; k < lens.length; k++) {
              lens[k] = pb.lengths()[k];
            }
            Tensor pred = rm.predictions(Tensor.ofLongs(pb.ids(), pb.rows(), pb.t()), Tensor.ofLongs(lens, pb.rows()));
            float[] r = NemotronRewardModel.reward(pred, weights);
            for (int k = 0; k < r.length; k++) {
              out[rows.get(k)] = r[k];
            }
          }
        }
        return out;
      }
    };
  }

  /**
   * The scores of item {@code k} as a record field: {@code {judge name: value}}, null where a judge
   * has no opinion; {@code values.get(j)} are judge {@code j}'s scores.
   */
  public static ObjectNode scores(List<Judge> judges, List<double[]> values, int k) {
    ObjectNode sc = SdgRecords.F.objectNode();
    for (int j = 0; j < judges.size(); j++) {
      double v = values.get(j)[k];
      if (Double.isNaN(v)) {
        sc.putNull(judges.get(j).name());
      } else {
        sc.put(judges.get(j).name(), v);
      }
    }
    return sc;
  }

  /** Whether a response contains a chat-template marker (it cannot be a reply). */
  public static boolean malformed(String response) {
    return response.contains(ChatTemplate.SYSTEM_MARKER) || response.contains(ChatTemplate.TURN_MARKER);
  }

  /** A pairwise verdict. */
  public enum Verdict {
    FIRST,
    SECOND,
    INCONSISTENT
  }

  /**
   * An LLM judge that sees both orders of each pair and keeps only consistent verdicts (the
   * report's position-swapped judging).
   */
  public static List<Verdict> llmPairwise(ChatBackend judge, List<ObjectNode> prompts, List<String> first,
      List<String> second, long seed) {
    List<List<ChatTemplate.Message>> asks = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      String p = SdgRecords.lastUser(prompts.get(i));
      asks.add(List.of(ChatTemplate.Message.user(Templates.JUDGE.fill(Map.of("prompt", p, "a", first.get(i), "b", second.get(i))))));
      asks.add(List.of(ChatTemplate.Message.user(Templates.JUDGE.fill(Map.of("prompt", p, "a", second.get(i), "b", first.get(i))))));
    }
    List<List<String>> r = judge.complete(asks, new Sampling(4, 0.0, 1.0, 1, seed, List.of()));
    List<Verdict> out = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      Character a = letter(r.get(2 * i).get(0)), b = letter(r.get(2 * i + 1).get(0));
      if (a != null && b != null && a == 'A' && b == 'B') {
        out.add(Verdict.FIRST);
      } else if (a != null && b != null && a == 'B' && b == 'A') {
        out.add(Verdict.SECOND);
      } else {
        out.add(Verdict.INCONSISTENT);
      }
    }
    return out;
  }

  private static Character letter(String reply) {
    String s = reply.strip().toUpperCase(java.util.Locale.ROOT);
    if (s.startsWith("A")) {
      return 'A';
    }
    if (s.startsWith("B")) {
      return 'B';
    }
    return null;
  }
}

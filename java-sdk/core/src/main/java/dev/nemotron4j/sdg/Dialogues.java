package dev.nemotron4j.sdg;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.io.ProgressBar;
import dev.nemotron4j.sdg.backend.ChatBackend;
import dev.nemotron4j.sdg.backend.Sampling;
import dev.nemotron4j.tokenizer.ChatTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Synthetic dialogues: starting from a prompt, one backend answers as the assistant and another
 * plays the user (asked, with a template, for the next user message) for a number of turns; a
 * judge (the reward model) scores the final reply and low-scoring dialogues are dropped.
 */
public final class Dialogues {
  private Dialogues() {}

  public static List<ObjectNode> generate(Path out, List<ObjectNode> prompts, ChatBackend assistant, ChatBackend user,
      int turns, Judges.Judge judge, double minScore, long seed, int batch, boolean progress) {
    try (JsonlStage stage = JsonlStage.open(out)) {
      if (stage.finished()) {
        return PromptGeneration.items(stage.records());
      }
      ProgressBar bar = new ProgressBar("dialogues", prompts.size(), progress);
      for (int i = 0; i < prompts.size(); i += batch) {
        List<ObjectNode> chunk = stage.pending(prompts.subList(i, Math.min(prompts.size(), i + batch)), Dialogues::doneId);
        if (chunk.isEmpty()) {
          bar.step(Math.min(batch, prompts.size() - i));
          continue;
        }
        List<List<ChatTemplate.Message>> convs = new ArrayList<>();
        for (ObjectNode p : chunk) {
          convs.add(new ArrayList<>(SdgRecords.messages(p)));
        }
        Sampling s = new Sampling(256, 0.7, 0.95, 1, seed + i, List.of());
        for (int t = 0; t < turns; t++) {
          List<List<String>> replies = assistant.complete(convs, s);
          for (int j = 0; j < convs.size(); j++) {
            convs.get(j).add(ChatTemplate.Message.assistant(replies.get(j).get(0)));
          }
          if (t == turns - 1) {
            break;
          }
          List<List<ChatTemplate.Message>> asks = new ArrayList<>();
          for (List<ChatTemplate.Message> c : convs) {
            asks.add(List.of(ChatTemplate.Message.user(Templates.FOLLOW_UP.fill(Map.of("conversation", render(c))))));
          }
          List<List<String>> next = user.complete(asks, s);
          for (int j = 0; j < convs.size(); j++) {
            convs.get(j).add(ChatTemplate.Message.user(next.get(j).get(0).strip()));
          }
        }
        // score the last reply in the context of the dialogue before it
        List<ObjectNode> ctx = new ArrayList<>();
        List<String> last = new ArrayList<>();
        for (List<ChatTemplate.Message> c : convs) {
          ObjectNode o = SdgRecords.F.objectNode();
          o.set("messages", SdgRecords.toJson(c.subList(0, c.size() - 1)));
          ctx.add(o);
          last.add(c.get(c.size() - 1).content());
        }
        double[] score = judge.score(ctx, last);
        List<ObjectNode> recs = new ArrayList<>();
        for (int j = 0; j < chunk.size(); j++) {
          ObjectNode marker = SdgRecords.F.objectNode();
          marker.put("id", doneId(chunk.get(j)));
          marker.put("kind", "input-done");
          recs.add(marker);
          if (!(score[j] >= minScore)) {
            continue;
          }
          ObjectNode d = SdgRecords.F.objectNode();
          d.put("id", SdgRecords.id("dialogue", chunk.get(j).get("id").asText()));
          d.set("messages", SdgRecords.toJson(convs.get(j)));
          d.put("score", score[j]);
          d.set("provenance", SdgRecords.provenance("dialogues", assistant.name() + " / user: " + user.name(),
              Templates.FOLLOW_UP.id(), seed));
          recs.add(d);
        }
        stage.append(recs);
        bar.step(chunk.size());
      }
      stage.finish();
      return PromptGeneration.items(stage.records());
    }
  }

  private static String doneId(ObjectNode p) {
    return SdgRecords.id("dialogues", "done", p.get("id").asText());
  }

  static String render(List<ChatTemplate.Message> c) {
    StringBuilder sb = new StringBuilder();
    for (ChatTemplate.Message m : c) {
      sb.append(m.role().header()).append(": ").append(m.content()).append("\n");
    }
    return sb.toString().strip();
  }
}

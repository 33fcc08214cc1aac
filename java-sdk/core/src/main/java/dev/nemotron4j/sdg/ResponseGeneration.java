package dev.nemotron4j.sdg;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.io.ProgressBar;
import dev.nemotron4j.sdg.backend.ChatBackend;
import dev.nemotron4j.sdg.backend.Sampling;
import dev.nemotron4j.tokenizer.ChatTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Several responses per prompt from one or more generators, then scores from judges: the
 * responses stage of preference and SFT data. Resumable; provenance on every record.
 */
public final class ResponseGeneration {
  private ResponseGeneration() {}

  /**
   * {@code n} responses per prompt from each generator, scored by every judge. Output records:
   * {@code {"id", "prompt_id", "generator", "sample", "response", "scores": {judge: value}}}.
   */
  public static List<ObjectNode> run(String stageName, Path out, List<ObjectNode> prompts, List<ChatBackend> generators,
      Sampling sampling, List<Judges.Judge> judges, int batch, boolean progress) {
    try (JsonlStage stage = JsonlStage.open(out)) {
      if (stage.finished()) {
        return stage.records();
      }
      ProgressBar bar = new ProgressBar(stageName, (long) prompts.size() * generators.size(), progress);
      for (ChatBackend g : generators) {
        for (int i = 0; i < prompts.size(); i += batch) {
          List<ObjectNode> chunk = stage.pending(prompts.subList(i, Math.min(prompts.size(), i + batch)),
              p -> responseId(p, g, 0));
          int skipped = Math.min(batch, prompts.size() - i) - chunk.size();
          if (chunk.isEmpty()) {
            bar.step(skipped);
            continue;
          }
          List<List<ChatTemplate.Message>> convs = new ArrayList<>();
          for (ObjectNode p : chunk) {
            convs.add(SdgRecords.messages(p));
          }
          // the seed depends on the batch's first prompt, so a resumed run regenerates the same samples
          long seed = sampling.seed() ^ SdgRecords.id(chunk.get(0).get("id").asText()).hashCode();
          Sampling s = new Sampling(sampling.maxTokens(), sampling.temperature(), sampling.topP(), sampling.n(), seed,
              sampling.stop());
          List<List<String>> replies = g.complete(convs, s);
          List<ObjectNode> flatPrompts = new ArrayList<>();
          List<String> flatResponses = new ArrayList<>();
          for (int j = 0; j < chunk.size(); j++) {
            for (String r : replies.get(j)) {
              flatPrompts.add(chunk.get(j));
              flatResponses.add(r);
            }
          }
          List<double[]> scores = new ArrayList<>();
          for (Judges.Judge judge : judges) {
            scores.add(judge.score(flatPrompts, flatResponses));
          }
          List<ObjectNode> recs = new ArrayList<>();
          for (int k = 0; k < flatPrompts.size(); k++) {
            ObjectNode p = flatPrompts.get(k);
            int sample = k % sampling.n();
            ObjectNode r = SdgRecords.F.objectNode();
            r.put("id", responseId(p, g, sample));
            r.put("prompt_id", p.get("id").asText());
            r.put("generator", g.name());
            r.put("sample", sample);
            r.put("response", flatResponses.get(k));
            r.set("scores", Judges.scores(judges, scores, k));
            r.set("provenance", SdgRecords.provenance(stageName, g.name(), "response", s.seed()));
            recs.add(r);
          }
          stage.append(recs);
          bar.step(chunk.size() + skipped);
        }
      }
      stage.finish();
      return stage.records();
    }
  }

  static String responseId(ObjectNode prompt, ChatBackend g, int sample) {
    return SdgRecords.id("response", prompt.get("id").asText(), g.name(), Integer.toString(sample));
  }
}

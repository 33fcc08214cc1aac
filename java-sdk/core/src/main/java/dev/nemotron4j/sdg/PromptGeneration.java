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
 * Synthetic prompt generation as in the report: topics, then subtopics, then questions for open
 * Q&amp;A; writing tasks; closed Q&amp;A over given documents; math and coding problems from
 * keywords. Every step is a resumable JSONL stage; every record carries its provenance.
 */
public final class PromptGeneration {
  private final ChatBackend backend;
  private final long seed;
  private final int batch;
  private final boolean progress;

  public PromptGeneration(ChatBackend backend, long seed, int batch, boolean progress) {
    this.backend = backend;
    this.seed = seed;
    this.batch = Math.max(1, batch);
    this.progress = progress;
  }

  /** One request per input; the replies are turned into output records by {@code toRecords}. */
  private interface Expand {
    List<ObjectNode> records(ObjectNode input, String reply);
  }

  private List<ObjectNode> run(String name, Path out, List<ObjectNode> inputs, Templates.Template t,
      java.util.function.Function<ObjectNode, Map<String, String>> values, Expand expand, int maxTokens) {
    try (JsonlStage stage = JsonlStage.open(out)) {
      if (stage.finished()) {
        return stage.records();
      }
      ProgressBar bar = new ProgressBar(name, inputs.size(), progress);
      // an input is done when its marker exists (the outputs of one input are written together)
      List<ObjectNode> todo = stage.pending(inputs, in -> firstOutputId(name, in));
      bar.step(inputs.size() - todo.size());
      for (int i = 0; i < todo.size(); i += batch) {
        List<ObjectNode> chunk = todo.subList(i, Math.min(todo.size(), i + batch));
        List<List<ChatTemplate.Message>> convs = new ArrayList<>();
        for (ObjectNode in : chunk) {
          convs.add(List.of(ChatTemplate.Message.user(t.fill(values.apply(in)))));
        }
        List<List<String>> replies = backend.complete(convs, new Sampling(maxTokens, 0.7, 0.95, 1,
            seed + i, List.of()));
        List<ObjectNode> outRecords = new ArrayList<>();
        for (int j = 0; j < chunk.size(); j++) {
          List<ObjectNode> recs = expand.records(chunk.get(j), replies.get(j).get(0));
          // make ids unique per input and mark the input done even when it yields nothing
          ObjectNode marker = SdgRecords.F.objectNode();
          marker.put("id", firstOutputId(name, chunk.get(j)));
          marker.put("kind", "input-done");
          marker.put("input", chunk.get(j).get("id").asText());
          outRecords.add(marker);
          for (ObjectNode r : recs) {
            r.set("provenance", SdgRecords.provenance(name, backend.name(), t.id(), seed));
            outRecords.add(r);
          }
        }
        stage.append(outRecords);
        bar.step(chunk.size());
      }
      stage.finish();
      return stage.records();
    }
  }

  private static String firstOutputId(String stage, ObjectNode input) {
    return SdgRecords.id(stage, "done", input.get("id").asText());
  }

  /** The records of a stage's output that are items (not bookkeeping). */
  public static List<ObjectNode> items(List<ObjectNode> records) {
    List<ObjectNode> out = new ArrayList<>();
    for (ObjectNode r : records) {
      if (!"input-done".equals(r.path("kind").asText())) {
        out.add(r);
      }
    }
    return out;
  }

  private static ObjectNode seedInput(String id) {
    ObjectNode o = SdgRecords.F.objectNode();
    o.put("id", id);
    return o;
  }

  /** Open Q&amp;A: {@code topics} topics, each with {@code subtopics} subtopics, each with {@code questions} questions. */
  public List<ObjectNode> openQa(Path dir, int topics, int subtopics, int questions) {
    List<ObjectNode> t = items(run("topics", dir.resolve("topics.jsonl"), List.of(seedInput("root")), Templates.TOPICS,
        in -> Map.of("n", Integer.toString(topics)), (in, reply) -> list(reply, topics, "topic", in), 256));
    List<ObjectNode> s = items(run("subtopics", dir.resolve("subtopics.jsonl"), t, Templates.SUBTOPICS,
        in -> Map.of("n", Integer.toString(subtopics), "topic", in.get("text").asText()),
        (in, reply) -> list(reply, subtopics, "subtopic", in), 256));
    return items(run("questions", dir.resolve("questions.jsonl"), s, Templates.QUESTIONS,
        in -> Map.of("n", Integer.toString(questions), "subtopic", in.get("text").asText()), (in, reply) -> {
          List<ObjectNode> out = new ArrayList<>();
          for (ObjectNode q : list(reply, questions, "question", in)) {
            out.add(SdgRecords.prompt(q.get("id").asText(), q.get("text").asText(), "open-qa", null));
          }
          return out;
        }, 512));
  }

  private static List<ObjectNode> list(String reply, int max, String kind, ObjectNode parent) {
    List<ObjectNode> out = new ArrayList<>();
    List<String> items = SdgRecords.listItems(reply);
    for (int i = 0; i < Math.min(max, items.size()); i++) {
      ObjectNode o = SdgRecords.F.objectNode();
      o.put("id", SdgRecords.id(kind, parent.get("id").asText(), Integer.toString(i), items.get(i)));
      o.put("kind", kind);
      o.put("text", items.get(i));
      o.put("parent", parent.get("id").asText());
      out.add(o);
    }
    return out;
  }

  /** One writing task per topic record ({@code text}). */
  public List<ObjectNode> writing(Path out, List<ObjectNode> topics) {
    return single("writing", out, topics, Templates.WRITING, in -> Map.of("topic", in.get("text").asText()), "writing");
  }

  /** One closed-Q&amp;A prompt per document record ({@code text}): the document and a question about it. */
  public List<ObjectNode> closedQa(Path out, List<ObjectNode> documents) {
    return items(run("closed-qa", out, documents, Templates.CLOSED_QA, in -> Map.of("document", in.get("text").asText()),
        (in, reply) -> {
          String q = reply.strip();
          if (q.isEmpty()) {
            return List.of();
          }
          String text = in.get("text").asText() + "\n\n" + q;
          ObjectNode p = SdgRecords.prompt(SdgRecords.id("closed-qa", in.get("id").asText(), q), text, "closed-qa", null);
          p.put("document", in.get("id").asText());
          return List.of(p);
        }, 256));
  }

  /** One math problem per keyword record ({@code text}). */
  public List<ObjectNode> math(Path out, List<ObjectNode> keywords) {
    return single("math", out, keywords, Templates.MATH, in -> Map.of("keyword", in.get("text").asText()), "math");
  }

  /** One coding problem per keyword record ({@code text}). */
  public List<ObjectNode> code(Path out, List<ObjectNode> keywords) {
    return single("code", out, keywords, Templates.CODE, in -> Map.of("keyword", in.get("text").asText()), "code");
  }

  private List<ObjectNode> single(String name, Path out, List<ObjectNode> inputs, Templates.Template t,
      java.util.function.Function<ObjectNode, Map<String, String>> values, String category) {
    return items(run(name, out, inputs, t, values, (in, reply) -> {
      String p = reply.strip();
      if (p.isEmpty()) {
        return List.of();
      }
      return List.of(SdgRecords.prompt(SdgRecords.id(name, in.get("id").asText(), p), p, category, null));
    }, 256));
  }

  /**
   * Two-turn prompts: for a fraction of the prompts, the backend answers as the assistant, then
   * plays the user and asks a follow-up; the record's messages become user, assistant, user.
   */
  public List<ObjectNode> twoTurn(Path out, List<ObjectNode> prompts) {
    try (JsonlStage stage = JsonlStage.open(out)) {
      if (stage.finished()) {
        return stage.records();
      }
      ProgressBar bar = new ProgressBar("two-turn", prompts.size(), progress);
      for (int i = 0; i < prompts.size(); i += batch) {
        List<ObjectNode> chunk = stage.pending(prompts.subList(i, Math.min(prompts.size(), i + batch)),
            p -> SdgRecords.id("two-turn", p.get("id").asText()));
        if (chunk.isEmpty()) {
          bar.step(Math.min(batch, prompts.size() - i));
          continue;
        }
        List<List<ChatTemplate.Message>> convs = new ArrayList<>();
        for (ObjectNode p : chunk) {
          convs.add(SdgRecords.messages(p));
        }
        Sampling s = new Sampling(256, 0.7, 0.95, 1, seed + i, List.of());
        List<List<String>> answers = backend.complete(convs, s);
        List<List<ChatTemplate.Message>> asks = new ArrayList<>();
        for (int j = 0; j < chunk.size(); j++) {
          String conv = SdgRecords.lastUser(chunk.get(j)) + "\n\nAssistant: " + answers.get(j).get(0);
          asks.add(List.of(ChatTemplate.Message.user(Templates.FOLLOW_UP.fill(Map.of("conversation", "User: " + conv)))));
        }
        List<List<String>> follow = backend.complete(asks, s);
        List<ObjectNode> recs = new ArrayList<>();
        for (int j = 0; j < chunk.size(); j++) {
          ObjectNode p = chunk.get(j).deepCopy();
          p.put("id", SdgRecords.id("two-turn", chunk.get(j).get("id").asText()));
          com.fasterxml.jackson.databind.node.ArrayNode m = (com.fasterxml.jackson.databind.node.ArrayNode) p.get("messages");
          m.addObject().put("role", "assistant").put("content", answers.get(j).get(0));
          m.addObject().put("role", "user").put("content", follow.get(j).get(0).strip());
          p.put("category", "two-turn");
          p.put("first_turn", chunk.get(j).get("id").asText());
          p.set("provenance", SdgRecords.provenance("two-turn", backend.name(), Templates.FOLLOW_UP.id(), seed));
          recs.add(p);
        }
        stage.append(recs);
        bar.step(chunk.size());
      }
      stage.finish();
      return stage.records();
    }
  }
}

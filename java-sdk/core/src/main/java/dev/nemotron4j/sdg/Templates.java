package dev.nemotron4j.sdg;

import java.util.Map;

/**
 * The prompt templates of the synthetic-data stages (the project's own wording). Each has a
 * stable id, recorded in the provenance of everything generated with it.
 */
public final class Templates {
  private Templates() {}

  /** A template: {@code {name}} placeholders filled by {@link #fill}. */
  public record Template(String id, String text) {
    public String fill(Map<String, String> values) {
      String s = text;
      for (Map.Entry<String, String> e : values.entrySet()) {
        s = s.replace("{" + e.getKey() + "}", e.getValue());
      }
      if (s.matches("(?s).*\\{[a-z_]+\\}.*")) {
        throw new IllegalArgumentException("template " + id + " has unfilled placeholders: " + s);
      }
      return s;
    }
  }

  public static final Template TOPICS = new Template("open-qa.topics.v1",
      "List {n} different topics that people often ask questions about. Write one topic per line and nothing else.");
  public static final Template SUBTOPICS = new Template("open-qa.subtopics.v1",
      "List {n} narrower subtopics of the topic \"{topic}\". Write one subtopic per line and nothing else.");
  public static final Template QUESTIONS = new Template("open-qa.questions.v1",
      "Write {n} different questions someone could ask about \"{subtopic}\". Write one question per line and nothing else.");
  public static final Template WRITING = new Template("writing.task.v1",
      "Write one writing task (for example an essay, a poem, a story or a letter) about \"{topic}\". Reply with the task only.");
  public static final Template CLOSED_QA = new Template("closed-qa.question.v1",
      "Here is a document:\n{document}\nWrite one question that can be answered from this document alone. Reply with the"
          + " question only.");
  public static final Template MATH = new Template("math.problem.v1",
      "Write one math problem that involves \"{keyword}\". Reply with the problem only.");
  public static final Template CODE = new Template("code.problem.v1",
      "Write one Python coding problem about \"{keyword}\". Reply with the problem only.");
  public static final Template FOLLOW_UP = new Template("user.follow-up.v1",
      "You play the user in the conversation below. Write the user's next message: a natural follow-up question."
          + " Reply with that message only.\n\n{conversation}");
  public static final Template JUDGE = new Template("judge.pairwise.v1",
      "Which response answers the request better, following all of its instructions?\n\nRequest:\n{prompt}\n\n"
          + "Response A:\n{a}\n\nResponse B:\n{b}\n\nReply with a single letter: A or B.");
}

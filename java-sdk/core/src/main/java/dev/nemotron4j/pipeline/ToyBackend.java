package dev.nemotron4j.pipeline;

import dev.nemotron4j.sdg.backend.ChatBackend;
import dev.nemotron4j.sdg.backend.Sampling;
import dev.nemotron4j.tokenizer.ChatTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The toy world's weak initial generator, a rule-based assistant: it answers the world's
 * questions right only part of the time, follows each formatting instruction only part of the
 * time, and sometimes pads its answer ("Sure, the answer is ..."). It also answers the SDG
 * templates within the toy domain (topics, subtopics, questions, follow-ups), so the generic
 * prompt-generation stages run on it like on any LLM.
 */
public final class ToyBackend implements ChatBackend {
  private final ToyWorld world;
  private final double pCorrect;
  private final double pFollow;
  private final double pVerbose;

  public ToyBackend(ToyWorld world, double pCorrect, double pFollow, double pVerbose) {
    this.world = world;
    this.pCorrect = pCorrect;
    this.pFollow = pFollow;
    this.pVerbose = pVerbose;
  }

  @Override
  public String name() {
    return String.format(Locale.ROOT, "toy-weak-generator(p_correct=%.2f,p_follow=%.2f)", pCorrect, pFollow);
  }

  @Override
  public List<List<String>> complete(List<List<ChatTemplate.Message>> conversations, Sampling sampling) {
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < conversations.size(); i++) {
      List<ChatTemplate.Message> c = conversations.get(i);
      String user = c.get(c.size() - 1).content();
      List<String> samples = new ArrayList<>();
      for (int k = 0; k < sampling.n(); k++) {
        SplittableRandom r = new SplittableRandom(sampling.seed() * 1_000_003L + user.hashCode() * 31L + k);
        samples.add(reply(user, r));
      }
      out.add(samples);
    }
    return out;
  }

  private static final Pattern N = Pattern.compile("List (\\d+)|Write (\\d+)");

  private static int count(String text, int dflt) {
    Matcher m = N.matcher(text);
    if (m.find()) {
      return Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return dflt;
  }

  private static String quoted(String text) {
    Matcher m = Pattern.compile("\"([^\"]+)\"").matcher(text);
    return m.find() ? m.group(1) : "";
  }

  /** The topics the generator knows, and the kind of question each is about. */
  private static final java.util.Map<String, ToyWorld.Kind> TOPICS = new java.util.LinkedHashMap<>();

  static {
    TOPICS.put("capitals", ToyWorld.Kind.CAPITAL);
    TOPICS.put("sums", ToyWorld.Kind.SUM);
    TOPICS.put("first letters", ToyWorld.Kind.FIRST_LETTER);
    TOPICS.put("last letters", ToyWorld.Kind.LAST_LETTER);
    TOPICS.put("repeating words", ToyWorld.Kind.TWICE);
  }

  String reply(String user, SplittableRandom r) {
    if (user.startsWith("List ") && user.contains("different topics")) {
      List<String> t = new ArrayList<>(TOPICS.keySet());
      return String.join("\n", t.subList(0, Math.min(t.size(), count(user, t.size()))));
    }
    if (user.startsWith("List ") && user.contains("subtopics")) {
      ToyWorld.Kind kind = TOPICS.getOrDefault(quoted(user), ToyWorld.Kind.TWICE);
      List<String> all = new ArrayList<>();
      switch (kind) {
        case CAPITAL: all.addAll(world.countries()); break;
        case SUM:
          for (int a = 0; a < 10; a++) {
            for (int b = a; b < 10; b++) {
              all.add("adding " + a + " and " + b);
            }
          }
          break;
        default:
          for (String w : ToyWorld.WORDS) {
            all.add(kind == ToyWorld.Kind.FIRST_LETTER ? "the first letter of " + w
                : kind == ToyWorld.Kind.LAST_LETTER ? "the last letter of " + w : "saying " + w + " twice");
          }
      }
      // distinct subtopics, like a model asked for a list would give (repeats only past the end)
      for (int i = all.size() - 1; i > 0; i--) {
        java.util.Collections.swap(all, i, r.nextInt(i + 1));
      }
      int n = count(user, 5);
      List<String> items = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        items.add(all.get(i % all.size()));
      }
      return String.join("\n", items);
    }
    if (user.startsWith("Write ") && user.contains("questions someone could ask")) {
      String sub = quoted(user);
      int n = count(user, 5);
      List<String> qs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        qs.add(question(sub, r));
      }
      return String.join("\n", qs);
    }
    if (user.startsWith("Write one math problem")) {
      return world.question(ToyWorld.Kind.SUM, r).text();
    }
    if (user.startsWith("You play the user")) {
      return world.question(r).text();
    }
    if (user.startsWith("Which response answers the request better")) {
      return judge(user, r);
    }
    Optional<String> answer = world.solve(user);
    if (answer.isEmpty()) {
      return "I am not sure.";
    }
    String a = r.nextDouble() < pCorrect ? answer.get() : world.wrongAnswer(user, r);
    List<ToyWorld.Instruction> followed = new ArrayList<>();
    for (String id : ToyWorld.INSTRUCTION_IDS) {
      if (Evaluation.mentions(user, id) && r.nextDouble() < pFollow) {
        followed.add(ToyWorld.instruction(id));
      }
    }
    if (r.nextDouble() < pVerbose) {
      a = "Sure, the answer is " + a;
    }
    return ToyWorld.ideal(a, followed);
  }

  /** A question about a subtopic this generator wrote (a country, "adding N", "the first letter of W", ...). */
  private String question(String subtopic, SplittableRandom r) {
    if (world.countries().contains(subtopic)) {
      return world.about(ToyWorld.Kind.CAPITAL, subtopic, r).text();
    }
    String[] w = subtopic.split(" ");
    if (subtopic.matches("adding \\d and \\d")) {
      int a = Integer.parseInt(w[1]), b = Integer.parseInt(w[3]);
      return r.nextBoolean() ? world.sum(a, b, r).text() : world.sum(b, a, r).text();
    }
    if (subtopic.startsWith("the first letter of ")) {
      return world.about(ToyWorld.Kind.FIRST_LETTER, w[w.length - 1], r).text();
    }
    if (subtopic.startsWith("the last letter of ")) {
      return world.about(ToyWorld.Kind.LAST_LETTER, w[w.length - 1], r).text();
    }
    if (subtopic.startsWith("saying ")) {
      return world.about(ToyWorld.Kind.TWICE, w[1], r).text();
    }
    return world.question(r).text();
  }

  /** A noisy judge: prefers the response whose answer is right, else a coin flip. */
  private String judge(String ask, SplittableRandom r) {
    Matcher m = Pattern.compile("(?s)Request:\\n(.*?)\\n\\nResponse A:\\n(.*?)\\n\\nResponse B:\\n(.*?)\\n\\nReply").matcher(ask);
    if (!m.find()) {
      return r.nextBoolean() ? "A" : "B";
    }
    Optional<String> ans = world.solve(m.group(1));
    if (ans.isPresent()) {
      boolean a = ToyWorld.answerCorrect(m.group(2), ans.get()), b = ToyWorld.answerCorrect(m.group(3), ans.get());
      if (a != b) {
        return a ? "A" : "B";
      }
    }
    return r.nextBoolean() ? "A" : "B";
  }
}

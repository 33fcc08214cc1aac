package dev.nemotron4j.pipeline;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in toy world: a small synthetic domain with verifiable answers, generated from a
 * seed. Questions ask for capitals in an invented fact base, small sums, the first letter of a
 * word, or a word said twice; each may carry verifiable formatting instructions (IFEval kinds).
 * The world writes its own pretraining corpus (the facts, in prose), knows the right answer to
 * any of its questions from the question text alone ({@link #solve}), and formats the ideal
 * reply to a prompt.
 */
public final class ToyWorld {
  /** The kinds of question. */
  public enum Kind {
    CAPITAL,
    SUM,
    FIRST_LETTER,
    LAST_LETTER,
    TWICE
  }

  /** A question, its text and its answer. */
  public record Question(Kind kind, String text, String answer) {}

  /** A verifiable formatting instruction: an IFEval id and its arguments. */
  public record Instruction(String id, ObjectNode kwargs) {}

  static final String END_PHRASE = "That is all.";
  static final String POSTSCRIPT = "P.S. Have a nice day.";
  static final String TITLE = "<<Answer>>";
  static final String[] INSTRUCTION_IDS = {
    "detectable_format:title", "change_case:english_lowercase", "startend:quotation", "startend:end_checker",
    "detectable_content:postscript", "punctuation:no_comma"
  };

  private static final String[] SYL = {
    "zor", "bel", "ka", "mir", "tal", "ven", "dor", "lis", "qua", "ren", "sol", "tam", "vor", "nel", "pra", "gol", "fen",
    "mar", "ost", "zin", "lu", "ba", "ri", "ko"
  };
  static final String[] WORDS = {
    "cat", "dog", "sun", "tree", "book", "lamp", "ship", "bird", "fish", "rock", "moon", "star", "cup", "door", "hat",
    "milk", "rain", "sand", "wolf", "bell", "coat", "desk", "frog", "gate", "kite", "leaf", "nest", "pear", "ring", "song",
    "apple", "bread", "chair", "cloud", "dream", "earth", "flame", "grape", "house", "jelly"
  };

  /** The phrasings of each kind: {@code %s} a country or word, {@code %d} a number. */
  private static final Map<Kind, String[]> PHRASINGS = new java.util.EnumMap<>(Kind.class);

  static {
    PHRASINGS.put(Kind.CAPITAL, new String[] {"What is the capital of %s?", "Name the capital city of %s.",
      "Which city is the capital of %s?", "Tell me the capital of %s.", "What city serves as the capital of %s?"});
    PHRASINGS.put(Kind.SUM, new String[] {"What is %d plus %d?", "Add %d and %d.", "What do you get when you add %d to %d?",
      "Compute %d + %d.", "What is the sum of %d and %d?"});
    PHRASINGS.put(Kind.FIRST_LETTER, new String[] {"What is the first letter of the word %s?",
      "Which letter does the word %s start with?", "Give the first letter of %s.", "With which letter does %s begin?"});
    PHRASINGS.put(Kind.LAST_LETTER, new String[] {"What is the last letter of the word %s?",
      "Which letter does the word %s end with?", "Give the last letter of %s.", "With which letter does %s end?"});
    PHRASINGS.put(Kind.TWICE, new String[] {"Say the word %s twice.", "Repeat the word %s two times.", "Write %s two times.",
      "Say %s twice."});
  }

  /** Each phrasing as a pattern over a whole sentence, with its kind. */
  private record Phrasing(Kind kind, Pattern pattern) {}

  private static final List<Phrasing> PATTERNS = new ArrayList<>();

  static {
    for (Map.Entry<Kind, String[]> e : PHRASINGS.entrySet()) {
      for (String t : e.getValue()) {
        StringBuilder re = new StringBuilder("(?:^|(?<=[.?!]\\s))");
        for (String part : t.split("(?=%[sd])|(?<=%[sd])")) {
          re.append(part.equals("%s") ? "([A-Za-z]+)" : part.equals("%d") ? "(\\d+)" : Pattern.quote(part));
        }
        PATTERNS.add(new Phrasing(e.getKey(), Pattern.compile(re.toString())));
      }
    }
  }

  /** Chatter that follows questions on question-answering pages (no verifiable instruction). */
  private static final String[][] CHATTER = {
    {"My teacher", "My friend", "My sister", "My boss", "A classmate", "My neighbour"},
    {"asked me this", "brought this up", "wanted to know this", "mentioned this"},
    {"today.", "yesterday.", "last week.", "this morning.", "at lunch."},
    {"I am studying for", "I am preparing for", "I am revising for", "This is for"},
    {"a quiz", "an exam", "a test", "a game show", "a school project"},
    {"on Monday.", "next week.", "tomorrow.", "on Friday."},
    {"Thanks", "Thank you", "Cheers", "Many thanks"},
    {"in advance!", "a lot.", "so much.", "for your help."}
  };

  /** One to three sentences of chatter, on the question's line or in a paragraph below it. */
  static String chatter(SplittableRandom r) {
    List<String> sentences = new ArrayList<>();
    int n = 1 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      int k = 3 * r.nextInt(3);
      if (k == 6) {
        sentences.add(CHATTER[6][r.nextInt(CHATTER[6].length)] + " " + CHATTER[7][r.nextInt(CHATTER[7].length)]);
      } else {
        sentences.add(CHATTER[k][r.nextInt(CHATTER[k].length)] + " " + CHATTER[k + 1][r.nextInt(CHATTER[k + 1].length)] + " "
            + CHATTER[k + 2][r.nextInt(CHATTER[k + 2].length)]);
      }
    }
    return (r.nextBoolean() ? " " : "\n\n") + String.join(r.nextBoolean() ? " " : "\n", sentences);
  }

  private final List<String> countries = new ArrayList<>();
  private final Map<String, String> capitals = new LinkedHashMap<>();

  /** A world with {@code size} invented countries, deterministic in {@code seed}. */
  public ToyWorld(long seed, int size) {
    if (size < 1 || size > 200) {
      throw new IllegalArgumentException("a toy world has 1 to 200 countries, got " + size);
    }
    SplittableRandom r = new SplittableRandom(seed);
    java.util.Set<String> used = new java.util.HashSet<>();
    while (countries.size() < size) {
      String c = cap(SYL[r.nextInt(SYL.length)] + SYL[r.nextInt(SYL.length)] + "ia");
      String k = cap(SYL[r.nextInt(SYL.length)] + SYL[r.nextInt(SYL.length)]);
      if (used.add(c) && used.add(k)) {
        countries.add(c);
        capitals.put(c, k);
      }
    }
  }

  static String cap(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  public List<String> countries() {
    return List.copyOf(countries);
  }

  public String capital(String country) {
    return capitals.get(country);
  }

  // ------------------------------------------------------------ questions

  /** A random question (random kind, subject and phrasing). */
  public Question question(SplittableRandom r) {
    return question(Kind.values()[r.nextInt(Kind.values().length)], r);
  }

  /** A random question of a kind. */
  public Question question(Kind k, SplittableRandom r) {
    switch (k) {
      case CAPITAL: return about(k, countries.get(r.nextInt(countries.size())), r);
      case SUM: return sum(r.nextInt(10), r.nextInt(10), r);
      default: return about(k, WORDS[r.nextInt(WORDS.length)], r);
    }
  }

  /** A question of a kind about a country or word, in a random phrasing. */
  public Question about(Kind k, String subject, SplittableRandom r) {
    String[] t = PHRASINGS.get(k);
    String text = String.format(Locale.ROOT, t[r.nextInt(t.length)], subject);
    return new Question(k, text, solve(text).orElseThrow(() -> new IllegalArgumentException("no " + k + " question about "
        + subject)));
  }

  /** A sum question in a random phrasing. */
  public Question sum(int a, int b, SplittableRandom r) {
    String[] t = PHRASINGS.get(Kind.SUM);
    String text = String.format(Locale.ROOT, t[r.nextInt(t.length)], a, b);
    return new Question(Kind.SUM, text, Integer.toString(a + b));
  }

  /**
   * The right answer to the last question of this world in a text (from the text alone); empty if
   * there is none.
   */
  public Optional<String> solve(String text) {
    String answer = null;
    int at = -1;
    for (Phrasing p : PATTERNS) {
      Matcher m = p.pattern().matcher(text);
      while (m.find()) {
        String a = answer(p.kind(), m);
        if (a != null && m.start() > at) {
          at = m.start();
          answer = a;
        }
      }
    }
    return Optional.ofNullable(answer);
  }

  private String answer(Kind k, Matcher m) {
    switch (k) {
      case CAPITAL: return capitals.get(m.group(1));
      case SUM: {
        if (m.group(1).length() > 3 || m.group(2).length() > 3) {
          return null;
        }
        return Integer.toString(Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)));
      }
      case FIRST_LETTER: return m.group(1).substring(0, 1).toLowerCase(Locale.ROOT);
      case LAST_LETTER: return m.group(1).substring(m.group(1).length() - 1).toLowerCase(Locale.ROOT);
      default: return m.group(1) + " " + m.group(1);
    }
  }

  /** A wrong answer of the same kind (for the weak generator and corrupted annotations). */
  public String wrongAnswer(String question, SplittableRandom r) {
    String right = solve(question).orElse("");
    for (int tries = 0; tries < 20; tries++) {
      String w;
      if (right.matches("\\d+")) {
        w = Integer.toString(r.nextInt(19));
      } else if (right.length() == 1) {
        w = Character.toString((char) ('a' + r.nextInt(26)));
      } else if (right.contains(" ")) {
        String x = WORDS[r.nextInt(WORDS.length)];
        w = r.nextBoolean() ? x + " " + x : right.split(" ")[0];
      } else {
        w = capitals.values().stream().skip(r.nextInt(capitals.size())).findFirst().orElse("Nowhere");
      }
      if (!w.equalsIgnoreCase(right)) {
        return w;
      }
    }
    return right + "x";
  }

  // ---------------------------------------------------------- instructions

  /** 0 to 2 compatible instructions (weights favour one). */
  public List<Instruction> instructions(SplittableRandom r) {
    int n = r.nextInt(10) < 3 ? 0 : (r.nextInt(10) < 6 ? 1 : 2);
    List<Instruction> out = new ArrayList<>();
    for (int tries = 0; out.size() < n && tries < 20; tries++) {
      Instruction i = instruction(INSTRUCTION_IDS[r.nextInt(INSTRUCTION_IDS.length)]);
      boolean ok = true;
      for (Instruction o : out) {
        ok &= !conflict(o.id(), i.id());
      }
      if (ok) {
        out.add(i);
      }
    }
    return out;
  }

  public static Instruction instruction(String id) {
    ObjectNode kw = JsonNodeFactory.instance.objectNode();
    if (id.equals("startend:end_checker")) {
      kw.put("end_phrase", END_PHRASE);
    } else if (id.equals("detectable_content:postscript")) {
      kw.put("postscript_marker", "P.S.");
    }
    return new Instruction(id, kw);
  }

  /** The checker of an instruction. */
  public static dev.nemotron4j.sdg.checkers.Instruction checker(Instruction i) {
    return dev.nemotron4j.sdg.checkers.Instructions.create(i.id(), i.kwargs());
  }

  /** The prompt text: the question, then the instructions' descriptions. */
  public static String promptText(String question, List<Instruction> ins) {
    List<dev.nemotron4j.sdg.checkers.Instruction> c = new ArrayList<>();
    for (Instruction i : ins) {
      c.add(checker(i));
    }
    return dev.nemotron4j.sdg.checkers.Instructions.appendTo(question, c);
  }

  /** The instructions as JSON ({@code [{"id", "kwargs"}]}), the form prompt records carry. */
  public static com.fasterxml.jackson.databind.node.ArrayNode instructionsJson(List<Instruction> ins) {
    com.fasterxml.jackson.databind.node.ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (Instruction i : ins) {
      a.addObject().put("id", i.id()).set("kwargs", i.kwargs().deepCopy());
    }
    return a;
  }

  static boolean conflict(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    java.util.Set<String> ends = java.util.Set.of("startend:end_checker", "startend:quotation", "detectable_content:postscript");
    if (ends.contains(a) && ends.contains(b)) {
      return true; // each wants to own the end of the response
    }
    java.util.Set<String> pair = java.util.Set.of(a, b);
    return pair.equals(java.util.Set.of("detectable_format:title", "startend:quotation"));
  }

  /**
   * The ideal reply: the answer, formatted as the instructions say (a number asked for in one case
   * becomes "The answer is N" in that case).
   */
  public static String ideal(String answer, List<Instruction> ins) {
    boolean lower = false, quote = false;
    for (Instruction i : ins) {
      lower |= i.id().equals("change_case:english_lowercase");
    }
    // a reply without letters is in no case: the case instruction needs words around a bare number
    String s = lower && !answer.matches(".*\\p{L}.*") ? "The answer is " + answer : answer;
    for (Instruction i : ins) {
      switch (i.id()) {
        case "startend:end_checker": s = s + ". " + END_PHRASE; break;
        case "detectable_content:postscript": s = s + "\n" + POSTSCRIPT; break;
        case "detectable_format:title": s = TITLE + "\n" + s; break;
        case "punctuation:no_comma": s = s.replace(",", ""); break;
        case "startend:quotation": quote = true; break;
        default: break;
      }
    }
    if (lower) {
      s = s.toLowerCase(Locale.ROOT);
    }
    return quote ? "\"" + s + "\"" : s;
  }

  /**
   * Whether a reply states the right answer: the reply, without the decorations instructions ask
   * for (a title, quotes, the end phrase, a postscript, case), is the answer, or "the answer is" +
   * answer.
   */
  public static boolean answerCorrect(String response, String answer) {
    String s = response.strip().replaceFirst("^<<[^<>\\n]*>>\\s*", "");
    int ps = s.toLowerCase(Locale.ROOT).indexOf("p.s.");
    if (ps > 0) {
      s = s.substring(0, ps).strip();
    }
    if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
      s = s.substring(1, s.length() - 1).strip();
    }
    String l = s.toLowerCase(Locale.ROOT);
    String end = END_PHRASE.toLowerCase(Locale.ROOT);
    if (l.endsWith(end)) {
      l = l.substring(0, l.length() - end.length()).strip();
    }
    l = l.replaceAll("[.!\\s]+$", "").replaceAll("\\s+", " ");
    l = l.replaceFirst("^sure,? ", "");
    if (l.startsWith("the answer is ")) {
      l = l.substring(14);
    }
    return l.equals(answer.toLowerCase(Locale.ROOT));
  }

  // ---------------------------------------------------------------- corpus

  /**
   * Pretraining documents: the world's facts in varied prose, and (a fraction {@code qaFraction}
   * of them) question-answering pages: half as web-style "Q: ... A: ..." text, half as
   * conversations in the chat template (the report's continued pretraining adds a small number of
   * question-answering alignment examples). Answers are plain (no formatting instructions); none of
   * the questions in {@code avoid} appears.
   */
  public List<String> corpus(SplittableRandom r, int documents, double qaFraction, java.util.Set<String> avoid) {
    List<String> docs = new ArrayList<>();
    for (int d = 0; d < documents; d++) {
      int n = 3 + r.nextInt(4);
      if (r.nextDouble() < qaFraction) {
        boolean chat = r.nextBoolean();
        StringBuilder sb = new StringBuilder();
        List<dev.nemotron4j.tokenizer.ChatTemplate.Message> conv = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          Question q;
          do {
            q = question(r);
          } while (avoid.contains(q.text()));
          String ask = q.text();
          if (r.nextBoolean()) {
            // web questions come with chatter around them
            ask = ask + chatter(r);
          }
          if (chat) {
            conv.add(dev.nemotron4j.tokenizer.ChatTemplate.Message.user(ask));
            conv.add(dev.nemotron4j.tokenizer.ChatTemplate.Message.assistant(q.answer()));
          } else {
            sb.append("Q: ").append(ask).append("\nA: ").append(q.answer()).append("\n");
          }
        }
        docs.add(chat ? dev.nemotron4j.tokenizer.ChatTemplate.render(conv) + dev.nemotron4j.tokenizer.ChatTemplate.TURN_MARKER
            : sb.toString().strip());
      } else {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
          sb.append(fact(r)).append(' ');
        }
        docs.add(sb.toString().strip());
      }
    }
    return docs;
  }

  private String fact(SplittableRandom r) {
    switch (r.nextInt(8)) {
      case 0:
      case 1: {
        String c = countries.get(r.nextInt(countries.size()));
        String k = capitals.get(c);
        String[] t = {"The capital of %s is %s.", "%2$s is the capital city of %1$s.", "In %s, the capital is %s.",
          "People in %s govern from %s."};
        return String.format(t[r.nextInt(t.length)], c, k);
      }
      case 2:
      case 3: {
        int a = r.nextInt(10), b = r.nextInt(10);
        String[] t = {"%d plus %d is %d.", "Adding %d and %d gives %d.", "The sum of %d and %d is %d."};
        return String.format(t[r.nextInt(t.length)], a, b, a + b);
      }
      case 4:
      case 5: {
        String w = WORDS[r.nextInt(WORDS.length)];
        return String.format("The word %s starts with the letter %s.", w, w.substring(0, 1));
      }
      case 6: {
        String w = WORDS[r.nextInt(WORDS.length)];
        return String.format("The word %s ends with the letter %s.", w, w.substring(w.length() - 1));
      }
      default: {
        String w = WORDS[r.nextInt(WORDS.length)];
        return String.format("If you say %s twice you get %s %s.", w, w, w);
      }
    }
  }
}

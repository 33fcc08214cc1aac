package dev.nemotron4j.sdg.checkers;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;

/**
 * The instruction kinds, one record each, with IFEval's ids, kwarg names and checking semantics.
 * Each kind has {@code parse(Kwargs)} and {@code sample(RandomGenerator, String prompt)}.
 */
final class Kinds {
  private Kinds() {}

  static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private static ObjectNode object() {
    return JSON.objectNode();
  }

  /**
   * IFEval kwargs from key/value pairs: Integer and String values as they are, a List of strings
   * as an array.
   */
  private static ObjectNode kwargsOf(Object... keyValues) {
    ObjectNode o = object();
    for (int i = 0; i < keyValues.length; i += 2) {
      String key = (String) keyValues[i];
      Object v = keyValues[i + 1];
      if (v instanceof Integer n) {
        o.put(key, n);
      } else if (v instanceof String t) {
        o.put(key, t);
      } else if (v instanceof List<?> list) {
        ArrayNode a = o.putArray(key);
        list.forEach(x -> a.add((String) x));
      } else {
        throw new IllegalArgumentException("kwarg " + key + " has an unsupported value " + v);
      }
    }
    return o;
  }

  private static Pattern literalIgnoringCase(String text) {
    return Pattern.compile(Pattern.quote(text), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  private static String list(List<String> words) {
    return String.join(", ", words);
  }

  // ---------------------------------------------------------------- keywords

  /** Every keyword occurs somewhere in the response, ignoring case (substring match). */
  record KeywordExistence(List<String> keywords) implements Instruction {
    static final String ID = "keywords:existence";

    KeywordExistence {
      keywords = List.copyOf(keywords);
    }

    static KeywordExistence parse(Kwargs k) {
      return new KeywordExistence(k.texts("keywords"));
    }

    static KeywordExistence sample(RandomGenerator random, String prompt) {
      return new KeywordExistence(Words.distinct(random, 2));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Make sure your response mentions each of these keywords: " + list(keywords) + ".";
    }

    @Override
    public boolean check(String response) {
      for (String keyword : keywords) {
        if (!literalIgnoringCase(keyword).matcher(response).find()) {
          return false;
        }
      }
      return true;
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("keywords", keywords);
    }
  }

  /** No forbidden word occurs as a whole word, ignoring case. */
  record ForbiddenWords(List<String> forbiddenWords) implements Instruction {
    static final String ID = "keywords:forbidden_words";

    ForbiddenWords {
      forbiddenWords = List.copyOf(new LinkedHashSet<>(forbiddenWords));
    }

    static ForbiddenWords parse(Kwargs k) {
      return new ForbiddenWords(k.texts("forbidden_words"));
    }

    static ForbiddenWords sample(RandomGenerator random, String prompt) {
      return new ForbiddenWords(Words.distinct(random, 2));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Do not use any of these words anywhere in your response: " + list(forbiddenWords)
          + ".";
    }

    /**
     * A regex word boundary on each side of {@code word}, as Python's {@code \b}: where the word
     * starts (ends) with a word character the neighbour must not be one, and the other way round.
     */
    static Pattern wholeWord(String word) {
      String w = Text.WORD_CHAR;
      boolean wordStart = Text.isWordChar(word.codePointAt(0));
      boolean wordEnd = Text.isWordChar(word.codePointBefore(word.length()));
      String regex = (wordStart ? "(?<!" + w + ")" : "(?<=" + w + ")")
          + Pattern.quote(word)
          + (wordEnd ? "(?!" + w + ")" : "(?=" + w + ")");
      return Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    @Override
    public boolean check(String response) {
      for (String word : forbiddenWords) {
        if (wholeWord(word).matcher(response).find()) {
          return false;
        }
      }
      return true;
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("forbidden_words", forbiddenWords);
    }
  }

  /** The keyword's occurrences (ignoring case, substring, non-overlapping) meet the relation. */
  record KeywordFrequency(String keyword, int frequency, Relation relation) implements Instruction {
    static final String ID = "keywords:frequency";

    static KeywordFrequency parse(Kwargs k) {
      return new KeywordFrequency(
          Text.strip(k.text("keyword")), k.integer("frequency", 1), k.relation("relation"));
    }

    static KeywordFrequency sample(RandomGenerator random, String prompt) {
      return new KeywordFrequency(
          Words.pick(random, Words.KEYWORDS), 1 + random.nextInt(3), Relation.random(random));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Use the word \"" + keyword + "\" " + relation.phrase + " "
          + Words.plural(frequency, "time") + " in your response.";
    }

    @Override
    public boolean check(String response) {
      return relation.holds(Text.countMatches(literalIgnoringCase(keyword), response), frequency);
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("keyword", keyword, "frequency", frequency, "relation", relation.kwarg);
    }
  }

  /** The letter's occurrences in the lowercased response meet the relation. */
  record LetterFrequency(String letter, int frequency, Relation relation) implements Instruction {
    static final String ID = "keywords:letter_frequency";

    static LetterFrequency parse(Kwargs k) {
      String raw = k.text("letter");
      String letter = Text.strip(raw);
      if (letter.codePointCount(0, letter.length()) != 1
          || !Character.isLetter(letter.codePointAt(0))) {
        throw new IllegalArgumentException("instruction '" + ID
            + "': kwarg 'letter' must be a single letter, got \"" + raw + "\"");
      }
      return new LetterFrequency(
          Text.lower(letter), k.integer("let_frequency", 1), k.relation("let_relation"));
    }

    static LetterFrequency sample(RandomGenerator random, String prompt) {
      return new LetterFrequency(String.valueOf((char) ('a' + random.nextInt(26))),
          1 + random.nextInt(10), Relation.random(random));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "The letter '" + letter + "' (either case) should appear " + relation.phrase + " "
          + Words.plural(frequency, "time") + " in your response.";
    }

    @Override
    public boolean check(String response) {
      String lowered = Text.lower(response);
      int count = 0;
      for (int i = lowered.indexOf(letter); i >= 0; i = lowered.indexOf(letter, i + letter.length())) {
        count++;
      }
      return relation.holds(count, frequency);
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("letter", letter, "let_frequency", frequency, "let_relation", relation.kwarg);
    }
  }

  // ---------------------------------------------------------------- length constraints

  /** The number of words (runs of letters, digits, underscores) meets the relation. */
  record NumberWords(int numWords, Relation relation) implements Instruction {
    static final String ID = "length_constraints:number_words";

    static NumberWords parse(Kwargs k) {
      return new NumberWords(k.integer("num_words", 1), k.relation("relation"));
    }

    static NumberWords sample(RandomGenerator random, String prompt) {
      return new NumberWords(100 + random.nextInt(401), Relation.random(random));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Your response should be " + relation.phrase + " " + Words.plural(numWords, "word")
          + " long.";
    }

    @Override
    public boolean check(String response) {
      return relation.holds(Text.countWords(response), numWords);
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("num_words", numWords, "relation", relation.kwarg);
    }
  }

  /** The number of sentences meets the relation. */
  record NumberSentences(int numSentences, Relation relation) implements Instruction {
    static final String ID = "length_constraints:number_sentences";

    static NumberSentences parse(Kwargs k) {
      return new NumberSentences(k.integer("num_sentences", 1), k.relation("relation"));
    }

    static NumberSentences sample(RandomGenerator random, String prompt) {
      return new NumberSentences(1 + random.nextInt(20), Relation.random(random));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Write " + relation.phrase + " " + Words.plural(numSentences, "sentence")
          + " in your response.";
    }

    @Override
    public boolean check(String response) {
      return relation.holds(Text.countSentences(response), numSentences);
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("num_sentences", numSentences, "relation", relation.kwarg);
    }
  }

  /**
   * Exactly {@code numParagraphs} paragraphs separated by {@code ***} dividers; an empty piece is
   * allowed only at the very start or end.
   */
  record NumberParagraphs(int numParagraphs) implements Instruction {
    static final String ID = "length_constraints:number_paragraphs";
    private static final Pattern DIVIDER = Pattern.compile("\\s?\\*\\*\\*\\s?",
        Pattern.UNICODE_CHARACTER_CLASS);

    static NumberParagraphs parse(Kwargs k) {
      return new NumberParagraphs(k.integer("num_paragraphs", 1));
    }

    static NumberParagraphs sample(RandomGenerator random, String prompt) {
      return new NumberParagraphs(2 + random.nextInt(4));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Write exactly " + Words.plural(numParagraphs, "paragraph")
          + ", with the markdown divider *** between one paragraph and the next.";
    }

    @Override
    public boolean check(String response) {
      String[] pieces = DIVIDER.split(response, -1);
      int count = pieces.length;
      for (int i = 0; i < pieces.length; i++) {
        if (Text.strip(pieces[i]).isEmpty()) {
          if (i == 0 || i == pieces.length - 1) {
            count--;
          } else {
            return false;
          }
        }
      }
      return count == numParagraphs;
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("num_paragraphs", numParagraphs);
    }
  }

  /**
   * Exactly {@code numParagraphs} non-blank paragraphs separated by blank lines ("\n\n"), and the
   * nth piece starts with {@code firstWord} (lowercased, leading quotes and trailing punctuation
   * ignored).
   */
  record NthParagraphFirstWord(int numParagraphs, int nthParagraph, String firstWord)
      implements Instruction {
    static final String ID = "length_constraints:nth_paragraph_first_word";
    private static final String STOPS = ".,?!'\"";

    static NthParagraphFirstWord parse(Kwargs k) {
      int num = k.integer("num_paragraphs", 1);
      int nth = k.integer("nth_paragraph", 1, num);
      String raw = k.text("first_word");
      String word = Text.lower(Text.strip(raw));
      for (int i = 0; i < word.length(); i++) {
        if (Text.isSpace(word.charAt(i)) || STOPS.indexOf(word.charAt(i)) >= 0) {
          throw new IllegalArgumentException("instruction '" + ID
              + "': kwarg 'first_word' must be one word without spaces or any of " + STOPS
              + ", got \"" + raw + "\"");
        }
      }
      return new NthParagraphFirstWord(num, nth, word);
    }

    static NthParagraphFirstWord sample(RandomGenerator random, String prompt) {
      int num = 2 + random.nextInt(4);
      return new NthParagraphFirstWord(
          num, 1 + random.nextInt(num), Words.pick(random, Words.KEYWORDS));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Write exactly " + Words.plural(numParagraphs, "paragraph")
          + ", separated from each other by one blank line (two newline characters) and by"
          + " nothing else. Paragraph " + nthParagraph + " must begin with the word \"" + firstWord
          + "\".";
    }

    @Override
    public boolean check(String response) {
      String[] pieces = response.split("\n\n", -1);
      int count = 0;
      for (String p : pieces) {
        if (!Text.strip(p).isEmpty()) {
          count++;
        }
      }
      if (nthParagraph > count) {
        return false;
      }
      String paragraph = Text.strip(pieces[nthParagraph - 1]);
      if (paragraph.isEmpty()) {
        return false;
      }
      String word = Text.splitOnSpace(paragraph).get(0);
      int start = 0;
      while (start < word.length() && word.charAt(start) == '\'') {
        start++;
      }
      while (start < word.length() && word.charAt(start) == '"') {
        start++;
      }
      int end = start;
      while (end < word.length() && STOPS.indexOf(word.charAt(end)) < 0) {
        end++;
      }
      return count == numParagraphs && Text.lower(word.substring(start, end)).equals(firstWord);
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("num_paragraphs", numParagraphs, "nth_paragraph", nthParagraph, "first_word", firstWord);
    }
  }

  // ---------------------------------------------------------------- detectable content

  /** At least {@code numPlaceholders} bracketed placeholders like [name] (on one line each). */
  record Placeholders(int numPlaceholders) implements Instruction {
    static final String ID = "detectable_content:number_placeholders";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\[.*?\\]", Pattern.UNIX_LINES);

    static Placeholders parse(Kwargs k) {
      return new Placeholders(k.integer("num_placeholders", 1));
    }

    static Placeholders sample(RandomGenerator random, String prompt) {
      return new Placeholders(1 + random.nextInt(4));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Include at least " + Words.plural(numPlaceholders, "placeholder")
          + " written in square brackets, such as [name].";
    }

    @Override
    public boolean check(String response) {
      return Text.countMatches(PLACEHOLDER, response) >= numPlaceholders;
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("num_placeholders", numPlaceholders);
    }
  }

  /**
   * The response contains the postscript marker, ignoring case; "P.S." and "P.P.S" also accept a
   * space after each period ("p. s.", "p. p. s").
   */
  record Postscript(String postscriptMarker) implements Instruction {
    static final String ID = "detectable_content:postscript";

    static Postscript parse(Kwargs k) {
      return new Postscript(Text.strip(k.text("postscript_marker")));
    }

    static Postscript sample(RandomGenerator random, String prompt) {
      return new Postscript(random.nextBoolean() ? "P.S." : "P.P.S");
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Finish your response with a postscript that begins with " + postscriptMarker + ".";
    }

    private Pattern marker() {
      String regex;
      if (postscriptMarker.equals("P.P.S")) {
        regex = "p\\.\\s?p\\.\\s?s";
      } else if (postscriptMarker.equals("P.S.")) {
        regex = "p\\.\\s?s\\.";
      } else {
        regex = Pattern.quote(Text.lower(postscriptMarker));
      }
      return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    @Override
    public boolean check(String response) {
      return marker().matcher(Text.lower(response)).find();
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("postscript_marker", postscriptMarker);
    }
  }

  // ---------------------------------------------------------------- detectable format

  /**
   * Exactly {@code numBullets} bullet lines: lines starting (after whitespace) with "*" not
   * followed by another "*", or with "-".
   */
  record BulletLists(int numBullets) implements Instruction {
    static final String ID = "detectable_format:number_bullet_lists";
    private static final int FLAGS =
        Pattern.MULTILINE | Pattern.UNIX_LINES | Pattern.UNICODE_CHARACTER_CLASS;
    private static final Pattern STAR = Pattern.compile("^\\s*\\*[^*].*$", FLAGS);
    private static final Pattern DASH = Pattern.compile("^\\s*-.*$", FLAGS);

    static BulletLists parse(Kwargs k) {
      return new BulletLists(k.integer("num_bullets", 0));
    }

    static BulletLists sample(RandomGenerator random, String prompt) {
      return new BulletLists(1 + random.nextInt(5));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Your response must have exactly " + Words.plural(numBullets, "bullet point")
          + ", written as markdown list items:\n* This is one point.\n* This is another point.";
    }

    @Override
    public boolean check(String response) {
      return Text.countMatches(STAR, response) + Text.countMatches(DASH, response) == numBullets;
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("num_bullets", numBullets);
    }
  }

  /** The stripped response contains one of three fixed answers (case-sensitive). */
  record ConstrainedResponse() implements Instruction {
    static final String ID = "detectable_format:constrained_response";
    static final List<String> OPTIONS =
        List.of("My answer is yes.", "My answer is no.", "My answer is maybe.");

    static ConstrainedResponse parse(Kwargs k) {
      return new ConstrainedResponse();
    }

    static ConstrainedResponse sample(RandomGenerator random, String prompt) {
      return new ConstrainedResponse();
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Answer with exactly one of these options: \"" + String.join("\", \"", OPTIONS)
          + "\"";
    }

    @Override
    public boolean check(String response) {
      String stripped = Text.strip(response);
      return OPTIONS.stream().anyMatch(stripped::contains);
    }

    @Override
    public ObjectNode kwargs() {
      return object();
    }
  }

  /**
   * At least {@code numHighlights} markdown highlights on one line: *text* or **text** with
   * non-blank text.
   */
  record HighlightedSections(int numHighlights) implements Instruction {
    static final String ID = "detectable_format:number_highlighted_sections";
    private static final Pattern SINGLE = Pattern.compile("\\*[^\\n*]*\\*");
    private static final Pattern DOUBLE = Pattern.compile("\\*\\*[^\\n*]*\\*\\*");

    static HighlightedSections parse(Kwargs k) {
      return new HighlightedSections(k.integer("num_highlights", 1));
    }

    static HighlightedSections sample(RandomGenerator random, String prompt) {
      return new HighlightedSections(1 + random.nextInt(4));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Highlight at least " + Words.plural(numHighlights, "part")
          + " of your response with markdown, for example *an important part*.";
    }

    private static int count(Pattern p, String response, int marks) {
      var m = p.matcher(response);
      int n = 0;
      while (m.find()) {
        String inner = m.group().substring(marks, m.group().length() - marks);
        if (!Text.strip(inner).isEmpty()) {
          n++;
        }
      }
      return n;
    }

    @Override
    public boolean check(String response) {
      return count(SINGLE, response, 1) + count(DOUBLE, response, 2) >= numHighlights;
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("num_highlights", numHighlights);
    }
  }

  /**
   * At least {@code numSections} section headers: the splitter word (case-sensitive) followed by a
   * number, as in "SECTION 2".
   */
  record MultipleSections(String sectionSpliter, int numSections) implements Instruction {
    static final String ID = "detectable_format:multiple_sections";

    static MultipleSections parse(Kwargs k) {
      return new MultipleSections(Text.strip(k.text("section_spliter")), k.integer("num_sections", 1));
    }

    static MultipleSections sample(RandomGenerator random, String prompt) {
      return new MultipleSections(random.nextBoolean() ? "Section" : "SECTION", 2 + random.nextInt(4));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Divide your response into " + Words.plural(numSections, "section")
          + ", starting each one with a header line \"" + sectionSpliter
          + " X\" where X is the section number, like this:\n" + sectionSpliter
          + " 1\n[content of section 1]\n" + sectionSpliter + " 2\n[content of section 2]";
    }

    @Override
    public boolean check(String response) {
      Pattern header = Pattern.compile("\\s?" + Pattern.quote(sectionSpliter) + "\\s?\\p{Nd}+\\s?",
          Pattern.UNICODE_CHARACTER_CLASS);
      return Text.countMatches(header, response) >= numSections;
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("section_spliter", sectionSpliter, "num_sections", numSections);
    }
  }

  /**
   * The response, after stripping and removing one leading ``` fence (optionally tagged json,
   * Json or JSON) and one trailing ```, is a single JSON value. Like Python's parser, NaN and
   * Infinity are accepted.
   */
  record JsonFormat() implements Instruction {
    static final String ID = "detectable_format:json_format";
    private static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .build();

    static JsonFormat parse(Kwargs k) {
      return new JsonFormat();
    }

    static JsonFormat sample(RandomGenerator random, String prompt) {
      return new JsonFormat();
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Format your entire response as valid JSON; you may put it inside a ``` markdown"
          + " code block.";
    }

    private static String removePrefix(String s, String prefix) {
      return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
    }

    @Override
    public boolean check(String response) {
      String v = Text.strip(response);
      for (String prefix : List.of("```json", "```Json", "```JSON", "```")) {
        v = removePrefix(v, prefix);
      }
      if (v.endsWith("```")) {
        v = v.substring(0, v.length() - 3);
      }
      v = Text.strip(v);
      if (v.isEmpty()) {
        return false;
      }
      try {
        JsonNode node = MAPPER.readTree(v);
        return node != null && !node.isMissingNode();
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public ObjectNode kwargs() {
      return object();
    }
  }

  /** A title in double angle brackets on one line, with non-blank text. */
  record Title() implements Instruction {
    static final String ID = "detectable_format:title";
    private static final Pattern TITLE = Pattern.compile("<<[^\\n]+>>");

    static Title parse(Kwargs k) {
      return new Title();
    }

    static Title sample(RandomGenerator random, String prompt) {
      return new Title();
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Give your response a title inside double angle brackets, for example"
          + " <<a walk by the sea>>.";
    }

    @Override
    public boolean check(String response) {
      var m = TITLE.matcher(response);
      while (m.find()) {
        String t = m.group();
        int start = 0;
        int end = t.length();
        while (start < end && t.charAt(start) == '<') {
          start++;
        }
        while (end > start && t.charAt(end - 1) == '>') {
          end--;
        }
        if (!Text.strip(t.substring(start, end)).isEmpty()) {
          return true;
        }
      }
      return false;
    }

    @Override
    public ObjectNode kwargs() {
      return object();
    }
  }

  // ---------------------------------------------------------------- combination

  /**
   * Exactly two non-blank, different (after stripping) answers separated by "******"; blank
   * pieces only at the very start or end.
   */
  record TwoResponses() implements Instruction {
    static final String ID = "combination:two_responses";
    static final String SEPARATOR = "******";

    static TwoResponses parse(Kwargs k) {
      return new TwoResponses();
    }

    static TwoResponses sample(RandomGenerator random, String prompt) {
      return new TwoResponses();
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Give two different answers, separated by six asterisks (" + SEPARATOR
          + ") and by nothing else.";
    }

    @Override
    public boolean check(String response) {
      String[] pieces = response.split(Pattern.quote(SEPARATOR), -1);
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < pieces.length; i++) {
        if (Text.strip(pieces[i]).isEmpty()) {
          if (i != 0 && i != pieces.length - 1) {
            return false;
          }
        } else {
          answers.add(Text.strip(pieces[i]));
        }
      }
      return answers.size() == 2 && !answers.get(0).equals(answers.get(1));
    }

    @Override
    public ObjectNode kwargs() {
      return object();
    }
  }

  /** The response starts with the request, ignoring case and surrounding whitespace. */
  record RepeatPrompt(String promptToRepeat) implements Instruction {
    static final String ID = "combination:repeat_prompt";

    static RepeatPrompt parse(Kwargs k) {
      return new RepeatPrompt(k.text("prompt_to_repeat"));
    }

    static RepeatPrompt sample(RandomGenerator random, String prompt) {
      if (prompt == null || Text.strip(prompt).isEmpty()) {
        throw new IllegalArgumentException(
            "instruction '" + ID + "' needs the prompt to repeat; got " + (prompt == null
                ? "null" : "a blank prompt"));
      }
      return new RepeatPrompt(prompt);
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Start by repeating the request above word for word, without this instruction and"
          + " with nothing written before it; then give your answer.";
    }

    @Override
    public boolean check(String response) {
      return Text.lower(Text.strip(response)).startsWith(Text.lower(Text.strip(promptToRepeat)));
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("prompt_to_repeat", promptToRepeat);
    }
  }

  // ---------------------------------------------------------------- start / end

  /**
   * The response, stripped of whitespace and then of enclosing double quotes, ends with the
   * phrase, ignoring case.
   */
  record EndChecker(String endPhrase) implements Instruction {
    static final String ID = "startend:end_checker";

    static EndChecker parse(Kwargs k) {
      return new EndChecker(Text.strip(k.text("end_phrase")));
    }

    static EndChecker sample(RandomGenerator random, String prompt) {
      return new EndChecker(Words.pick(random, Words.END_PHRASES));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "End your response with this exact phrase: " + endPhrase
          + " Nothing else may follow it.";
    }

    @Override
    public boolean check(String response) {
      String v = Text.lower(Text.strip(Text.strip(response), '"'));
      return v.endsWith(Text.lower(endPhrase));
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("end_phrase", endPhrase);
    }
  }

  /** The stripped response is at least two characters, starting and ending with '"'. */
  record Quotation() implements Instruction {
    static final String ID = "startend:quotation";

    static Quotation parse(Kwargs k) {
      return new Quotation();
    }

    static Quotation sample(RandomGenerator random, String prompt) {
      return new Quotation();
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Put double quotation marks around your entire response.";
    }

    @Override
    public boolean check(String response) {
      String v = Text.strip(response);
      return v.length() > 1 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"';
    }

    @Override
    public ObjectNode kwargs() {
      return object();
    }
  }

  // ---------------------------------------------------------------- change case

  /** The number of all-capital words meets the relation. */
  record CapitalWordFrequency(int capitalFrequency, Relation capitalRelation)
      implements Instruction {
    static final String ID = "change_case:capital_word_frequency";

    static CapitalWordFrequency parse(Kwargs k) {
      return new CapitalWordFrequency(
          k.integer("capital_frequency", 1), k.relation("capital_relation"));
    }

    static CapitalWordFrequency sample(RandomGenerator random, String prompt) {
      return new CapitalWordFrequency(1 + random.nextInt(20), Relation.random(random));
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Words written entirely in capital letters should appear " + capitalRelation.phrase
          + " " + Words.plural(capitalFrequency, "time") + " in your response.";
    }

    @Override
    public boolean check(String response) {
      int capitals = 0;
      for (String token : Text.caseTokens(response)) {
        if (Text.isUpper(token)) {
          capitals++;
        }
      }
      return capitalRelation.holds(capitals, capitalFrequency);
    }

    @Override
    public ObjectNode kwargs() {
      return kwargsOf("capital_frequency", capitalFrequency, "capital_relation", capitalRelation.kwarg);
    }
  }

  /** English, with letters and no lowercase letter. */
  record EnglishCapital() implements Instruction {
    static final String ID = "change_case:english_capital";

    static EnglishCapital parse(Kwargs k) {
      return new EnglishCapital();
    }

    static EnglishCapital sample(RandomGenerator random, String prompt) {
      return new EnglishCapital();
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Write your entire response in English, using capital letters only.";
    }

    @Override
    public boolean check(String response) {
      return Text.isUpper(response) && Text.looksEnglish(response);
    }

    @Override
    public ObjectNode kwargs() {
      return object();
    }
  }

  /** English, with letters and no uppercase letter. */
  record EnglishLowercase() implements Instruction {
    static final String ID = "change_case:english_lowercase";

    static EnglishLowercase parse(Kwargs k) {
      return new EnglishLowercase();
    }

    static EnglishLowercase sample(RandomGenerator random, String prompt) {
      return new EnglishLowercase();
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Write your entire response in English, using lowercase letters only; no capital"
          + " letters at all.";
    }

    @Override
    public boolean check(String response) {
      return Text.isLower(response) && Text.looksEnglish(response);
    }

    @Override
    public ObjectNode kwargs() {
      return object();
    }
  }

  // ---------------------------------------------------------------- punctuation

  /** No ASCII comma anywhere. */
  record NoComma() implements Instruction {
    static final String ID = "punctuation:no_comma";

    static NoComma parse(Kwargs k) {
      return new NoComma();
    }

    static NoComma sample(RandomGenerator random, String prompt) {
      return new NoComma();
    }

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String description() {
      return "Do not use a single comma anywhere in your response.";
    }

    @Override
    public boolean check(String response) {
      return response.indexOf(',') < 0;
    }

    @Override
    public ObjectNode kwargs() {
      return object();
    }
  }
}

package dev.nemotron4j.sdg.checkers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The registry of verifiable instructions: builds them from an IFEval id and kwargs, samples them
 * with random parameters for synthetic prompts, says which ones conflict, and converts lists of
 * them to and from JSON.
 *
 * <p>Supported ids (IFEval's, with IFEval's kwarg names):
 *
 * <ul>
 *   <li>{@code keywords:existence} {keywords: [string]}
 *   <li>{@code keywords:forbidden_words} {forbidden_words: [string]}
 *   <li>{@code keywords:frequency} {keyword, frequency, relation}
 *   <li>{@code keywords:letter_frequency} {letter, let_frequency, let_relation}
 *   <li>{@code length_constraints:number_words} {num_words, relation}
 *   <li>{@code length_constraints:number_sentences} {num_sentences, relation}
 *   <li>{@code length_constraints:number_paragraphs} {num_paragraphs}
 *   <li>{@code length_constraints:nth_paragraph_first_word} {num_paragraphs, nth_paragraph,
 *       first_word}
 *   <li>{@code detectable_content:number_placeholders} {num_placeholders}
 *   <li>{@code detectable_content:postscript} {postscript_marker}
 *   <li>{@code detectable_format:number_bullet_lists} {num_bullets}
 *   <li>{@code detectable_format:constrained_response}
 *   <li>{@code detectable_format:number_highlighted_sections} {num_highlights}
 *   <li>{@code detectable_format:multiple_sections} {section_spliter, num_sections}
 *   <li>{@code detectable_format:json_format}
 *   <li>{@code detectable_format:title}
 *   <li>{@code combination:two_responses}
 *   <li>{@code combination:repeat_prompt} {prompt_to_repeat}
 *   <li>{@code startend:end_checker} {end_phrase}
 *   <li>{@code startend:quotation}
 *   <li>{@code change_case:capital_word_frequency} {capital_frequency, capital_relation}
 *   <li>{@code change_case:english_capital}
 *   <li>{@code change_case:english_lowercase}
 *   <li>{@code punctuation:no_comma}
 * </ul>
 *
 * Relations are {@code "less than"} (count &lt; threshold) or {@code "at least"} (count &ge;
 * threshold). {@code language:response_language} is not supported (it needs a language
 * identifier).
 */
public final class Instructions {
  private Instructions() {}

  private record Spec(
      Function<Kwargs, Instruction> parse,
      BiFunction<RandomGenerator, String, Instruction> sample) {}

  private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

  private static void register(String id, Function<Kwargs, Instruction> parse,
      BiFunction<RandomGenerator, String, Instruction> sample) {
    SPECS.put(id, new Spec(parse, sample));
  }

  static {
    register(Kinds.KeywordExistence.ID, Kinds.KeywordExistence::parse,
        Kinds.KeywordExistence::sample);
    register(Kinds.ForbiddenWords.ID, Kinds.ForbiddenWords::parse, Kinds.ForbiddenWords::sample);
    register(Kinds.KeywordFrequency.ID, Kinds.KeywordFrequency::parse,
        Kinds.KeywordFrequency::sample);
    register(Kinds.LetterFrequency.ID, Kinds.LetterFrequency::parse,
        Kinds.LetterFrequency::sample);
    register(Kinds.NumberWords.ID, Kinds.NumberWords::parse, Kinds.NumberWords::sample);
    register(Kinds.NumberSentences.ID, Kinds.NumberSentences::parse,
        Kinds.NumberSentences::sample);
    register(Kinds.NumberParagraphs.ID, Kinds.NumberParagraphs::parse,
        Kinds.NumberParagraphs::sample);
    register(Kinds.NthParagraphFirstWord.ID, Kinds.NthParagraphFirstWord::parse,
        Kinds.NthParagraphFirstWord::sample);
    register(Kinds.Placeholders.ID, Kinds.Placeholders::parse, Kinds.Placeholders::sample);
    register(Kinds.Postscript.ID, Kinds.Postscript::parse, Kinds.Postscript::sample);
    register(Kinds.BulletLists.ID, Kinds.BulletLists::parse, Kinds.BulletLists::sample);
    register(Kinds.ConstrainedResponse.ID, Kinds.ConstrainedResponse::parse,
        Kinds.ConstrainedResponse::sample);
    register(Kinds.HighlightedSections.ID, Kinds.HighlightedSections::parse,
        Kinds.HighlightedSections::sample);
    register(Kinds.MultipleSections.ID, Kinds.MultipleSections::parse,
        Kinds.MultipleSections::sample);
    register(Kinds.JsonFormat.ID, Kinds.JsonFormat::parse, Kinds.JsonFormat::sample);
    register(Kinds.Title.ID, Kinds.Title::parse, Kinds.Title::sample);
    register(Kinds.TwoResponses.ID, Kinds.TwoResponses::parse, Kinds.TwoResponses::sample);
    register(Kinds.RepeatPrompt.ID, Kinds.RepeatPrompt::parse, Kinds.RepeatPrompt::sample);
    register(Kinds.EndChecker.ID, Kinds.EndChecker::parse, Kinds.EndChecker::sample);
    register(Kinds.Quotation.ID, Kinds.Quotation::parse, Kinds.Quotation::sample);
    register(Kinds.CapitalWordFrequency.ID, Kinds.CapitalWordFrequency::parse,
        Kinds.CapitalWordFrequency::sample);
    register(Kinds.EnglishCapital.ID, Kinds.EnglishCapital::parse, Kinds.EnglishCapital::sample);
    register(Kinds.EnglishLowercase.ID, Kinds.EnglishLowercase::parse,
        Kinds.EnglishLowercase::sample);
    register(Kinds.NoComma.ID, Kinds.NoComma::parse, Kinds.NoComma::sample);
  }

  private static final List<String> IDS = List.copyOf(SPECS.keySet());
  private static final Conflicts CONFLICTS = new Conflicts(IDS);
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  /** How many times {@link #sampleCompatible} redraws before giving up. */
  private static final int SAMPLE_ATTEMPTS = 100;

  /** The supported instruction ids, in a fixed order. */
  public static List<String> ids() {
    return IDS;
  }

  private static Spec spec(String id) {
    Objects.requireNonNull(id, "id");
    Spec spec = SPECS.get(id);
    if (spec == null) {
      String hint = id.equals("language:response_language")
          ? " (language identification is not supported)" : "";
      throw new IllegalArgumentException(
          "unknown instruction id '" + id + "'" + hint + "; expected one of " + IDS);
    }
    return spec;
  }

  /**
   * Builds an instruction from its id and kwargs (a JSON object; null or empty for kinds without
   * parameters). Keys with a null value are ignored; every other key must belong to the kind.
   *
   * @throws IllegalArgumentException for an unknown id, a missing, malformed or unknown kwarg
   */
  public static Instruction create(String id, JsonNode kwargs) {
    Kwargs k = Kwargs.of(id, kwargs);
    Instruction instruction = spec(id).parse().apply(k);
    k.done();
    return instruction;
  }

  /** {@link #create(String, JsonNode)} for a kind without parameters. */
  public static Instruction create(String id) {
    return create(id, null);
  }

  /**
   * An instruction of kind {@code id} with random parameters drawn from {@code random}; the same
   * generator state gives the same instruction. {@code prompt} is the request the instruction
   * will be appended to: {@code combination:repeat_prompt} needs it, other kinds ignore it.
   */
  public static Instruction sample(String id, RandomGenerator random, String prompt) {
    Spec spec = spec(id);
    Objects.requireNonNull(random, "random");
    return spec.sample().apply(random, prompt);
  }

  /**
   * {@code count} pairwise compatible instructions of distinct kinds, chosen uniformly among the
   * supported kinds (leaving out {@code combination:repeat_prompt} when {@code prompt} is null),
   * with random parameters. Deterministic for a given generator state.
   *
   * @throws IllegalArgumentException if {@code count} is below 1 or no compatible set of that size
   *     was found
   */
  public static List<Instruction> sampleCompatible(int count, RandomGenerator random, String prompt) {
    List<String> candidates = new ArrayList<>(IDS);
    if (prompt == null) {
      candidates.remove(Kinds.RepeatPrompt.ID);
    }
    return sampleCompatible(count, candidates, random, prompt);
  }

  /** {@link #sampleCompatible(int, RandomGenerator, String)} restricted to the kinds {@code ids}. */
  public static List<Instruction> sampleCompatible(
      int count, Collection<String> ids, RandomGenerator random, String prompt) {
    Objects.requireNonNull(random, "random");
    List<String> candidates = new ArrayList<>();
    for (String id : ids) {
      spec(id);
      if (!candidates.contains(id)) {
        candidates.add(id);
      }
    }
    if (count < 1 || count > candidates.size()) {
      throw new IllegalArgumentException("count must be in [1, " + candidates.size()
          + "] (the number of candidate kinds), got " + count);
    }
    for (int attempt = 0; attempt < SAMPLE_ATTEMPTS; attempt++) {
      List<Instruction> chosen = new ArrayList<>();
      while (chosen.size() < count) {
        List<String> open = new ArrayList<>();
        for (String id : candidates) {
          if (chosen.stream().noneMatch(c -> CONFLICTS.conflict(c.id(), id))) {
            open.add(id);
          }
        }
        if (open.isEmpty()) {
          break;
        }
        Instruction next = drawCompatible(open.get(random.nextInt(open.size())), chosen, random, prompt);
        if (next == null) {
          break;
        }
        chosen.add(next);
      }
      if (chosen.size() == count) {
        return List.copyOf(chosen);
      }
    }
    throw new IllegalArgumentException("found no " + count + " mutually compatible instructions"
        + " among " + candidates + " in " + SAMPLE_ATTEMPTS + " attempts");
  }

  private static Instruction drawCompatible(
      String id, List<Instruction> chosen, RandomGenerator random, String prompt) {
    for (int i = 0; i < 20; i++) {
      Instruction candidate = sample(id, random, prompt);
      if (chosen.stream().noneMatch(c -> Conflicts.valuesConflict(c, candidate))) {
        return candidate;
      }
    }
    return null;
  }

  /**
   * Whether instructions of kinds {@code a} and {@code b} must not be given together. Symmetric;
   * every kind conflicts with itself.
   *
   * @throws IllegalArgumentException for an unknown id
   */
  public static boolean conflicts(String a, String b) {
    spec(a);
    spec(b);
    return CONFLICTS.conflict(a, b);
  }

  /**
   * Whether two instructions must not be given together: their kinds conflict, or their
   * parameters contradict each other (a word both required and forbidden; section headers in the
   * wrong case for an all-lowercase or all-capital response).
   */
  public static boolean conflicts(Instruction a, Instruction b) {
    return conflicts(a.id(), b.id()) || Conflicts.valuesConflict(a, b);
  }

  /** Whether no two of {@code instructions} conflict. */
  public static boolean compatible(List<Instruction> instructions) {
    for (int i = 0; i < instructions.size(); i++) {
      for (int j = i + 1; j < instructions.size(); j++) {
        if (conflicts(instructions.get(i), instructions.get(j))) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The prompt followed by the instructions' descriptions: the stripped prompt, a blank line, then
   * one description per line. With no instructions, the prompt unchanged.
   */
  public static String appendTo(String prompt, List<Instruction> instructions) {
    Objects.requireNonNull(prompt, "prompt");
    if (instructions.isEmpty()) {
      return prompt;
    }
    StringBuilder sb = new StringBuilder(Text.strip(prompt)).append("\n\n");
    for (int i = 0; i < instructions.size(); i++) {
      if (i > 0) {
        sb.append('\n');
      }
      sb.append(instructions.get(i).description());
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------- JSON

  /** {@code {"id": ..., "kwargs": {...}}} for one instruction. */
  public static ObjectNode toJson(Instruction instruction) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("id", instruction.id());
    o.set("kwargs", instruction.kwargs());
    return o;
  }

  /** {@code {"instructions": [{"id": ..., "kwargs": {...}}, ...]}}. */
  public static ObjectNode toJson(List<Instruction> instructions) {
    ObjectNode o = MAPPER.createObjectNode();
    ArrayNode list = o.putArray("instructions");
    instructions.forEach(i -> list.add(toJson(i)));
    return o;
  }

  /** {@link #toJson(List)} as compact JSON text. */
  public static String toJsonString(List<Instruction> instructions) {
    try {
      return MAPPER.writeValueAsString(toJson(instructions));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write instructions as JSON", e);
    }
  }

  /**
   * Reads one instruction from {@code {"id": ..., "kwargs": {...}}} ({@code kwargs} optional for
   * kinds without parameters).
   */
  public static Instruction fromJson(JsonNode entry) {
    if (entry == null || !entry.isObject()) {
      throw new IllegalArgumentException(
          "an instruction must be a JSON object {\"id\": ..., \"kwargs\": {...}}, got " + entry);
    }
    JsonNode id = entry.get("id");
    if (id == null || !id.isTextual()) {
      throw new IllegalArgumentException(
          "an instruction needs a string \"id\", got " + (id == null ? "none" : id) + " in " + entry);
    }
    for (var it = entry.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.equals("id") && !key.equals("kwargs")) {
        throw new IllegalArgumentException("an instruction has only \"id\" and \"kwargs\", got \""
            + key + "\" in " + entry);
      }
    }
    return create(id.textValue(), entry.get("kwargs"));
  }

  /**
   * Reads the list written by {@link #toJson(List)}: an object with an {@code "instructions"}
   * array (other fields of the object, such as a record's prompt, are ignored).
   */
  public static List<Instruction> listFromJson(JsonNode record) {
    JsonNode list = record == null ? null : record.get("instructions");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException(
          "expected an object with an \"instructions\" array, got " + record);
    }
    List<Instruction> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      try {
        out.add(fromJson(list.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("instructions[" + i + "]: " + e.getMessage(), e);
      }
    }
    return List.copyOf(out);
  }

  /** {@link #listFromJson(JsonNode)} from JSON text. */
  public static List<Instruction> listFromJson(String json) {
    try {
      return listFromJson(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Reads the instructions of one row of IFEval's input data: parallel arrays
   * {@code "instruction_id_list"} and {@code "kwargs"}.
   */
  public static List<Instruction> fromIfEvalRow(JsonNode row) {
    JsonNode ids = row == null ? null : row.get("instruction_id_list");
    JsonNode kwargs = row == null ? null : row.get("kwargs");
    if (ids == null || !ids.isArray() || kwargs == null || !kwargs.isArray()
        || ids.size() != kwargs.size()) {
      throw new IllegalArgumentException("expected arrays \"instruction_id_list\" and \"kwargs\""
          + " of equal length, got " + row);
    }
    List<Instruction> out = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      if (!ids.get(i).isTextual()) {
        throw new IllegalArgumentException(
            "instruction_id_list[" + i + "] must be a string, got " + ids.get(i));
      }
      try {
        out.add(create(ids.get(i).textValue(), kwargs.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("instruction " + i + ": " + e.getMessage(), e);
      }
    }
    return List.copyOf(out);
  }
}

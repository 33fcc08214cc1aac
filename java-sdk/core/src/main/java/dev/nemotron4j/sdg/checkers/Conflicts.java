package dev.nemotron4j.sdg.checkers;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which instruction kinds must not be given together, following the idea of IFEval's conflict
 * table: the relation is symmetric and every kind conflicts with itself. Formats that take over
 * the whole response (a fixed answer, JSON, two answers, repeating the prompt) conflict with
 * nearly everything.
 */
final class Conflicts {
  private final Map<String, Set<String>> table = new HashMap<>();

  Conflicts(List<String> ids) {
    for (String id : ids) {
      table.put(id, new HashSet<>(Set.of(id)));
    }
    // Exactly one fixed sentence as the answer leaves room for nothing else.
    allBut(Kinds.ConstrainedResponse.ID, ids, Set.of());
    // A JSON document can still contain or avoid words.
    allBut(Kinds.JsonFormat.ID, ids,
        Set.of(Kinds.KeywordExistence.ID, Kinds.ForbiddenWords.ID));
    allBut(Kinds.TwoResponses.ID, ids,
        Set.of(Kinds.KeywordExistence.ID, Kinds.ForbiddenWords.ID, Kinds.Title.ID,
            Kinds.NoComma.ID));
    allBut(Kinds.RepeatPrompt.ID, ids,
        Set.of(Kinds.KeywordExistence.ID, Kinds.Title.ID, Kinds.NoComma.ID));
    // Both count paragraphs, with different separators; sentences per paragraph interact.
    add(Kinds.NumberParagraphs.ID, Kinds.NthParagraphFirstWord.ID);
    add(Kinds.NumberParagraphs.ID, Kinds.NumberSentences.ID);
    add(Kinds.MultipleSections.ID, Kinds.HighlightedSections.ID);
    add(Kinds.EnglishLowercase.ID, Kinds.EnglishCapital.ID);
    add(Kinds.CapitalWordFrequency.ID, Kinds.EnglishCapital.ID);
    add(Kinds.CapitalWordFrequency.ID, Kinds.EnglishLowercase.ID);
    add(Kinds.Quotation.ID, Kinds.Title.ID);
  }

  private void allBut(String id, List<String> ids, Set<String> compatible) {
    for (String other : ids) {
      if (!compatible.contains(other)) {
        add(id, other);
      }
    }
  }

  private void add(String a, String b) {
    table.get(a).add(b);
    table.get(b).add(a);
  }

  boolean conflict(String a, String b) {
    return table.get(a).contains(b);
  }

  /**
   * Conflicts that depend on parameters: a word both required and forbidden, and section headers
   * whose case contradicts an all-lowercase or all-capital response.
   */
  static boolean valuesConflict(Instruction a, Instruction b) {
    return oneWay(a, b) || oneWay(b, a);
  }

  private static boolean oneWay(Instruction a, Instruction b) {
    if (a instanceof Kinds.ForbiddenWords f) {
      Set<String> forbidden = new HashSet<>();
      f.forbiddenWords().forEach(w -> forbidden.add(Text.lower(w)));
      if (b instanceof Kinds.KeywordExistence e) {
        return e.keywords().stream().anyMatch(w -> forbidden.contains(Text.lower(w)));
      }
      if (b instanceof Kinds.KeywordFrequency k && k.relation() == Relation.AT_LEAST) {
        return forbidden.contains(Text.lower(k.keyword()));
      }
      if (b instanceof Kinds.NthParagraphFirstWord n) {
        return forbidden.contains(n.firstWord());
      }
    }
    if (a instanceof Kinds.MultipleSections s) {
      if (b instanceof Kinds.EnglishLowercase) {
        return !Text.lower(s.sectionSpliter()).equals(s.sectionSpliter());
      }
      if (b instanceof Kinds.EnglishCapital) {
        return !Text.isUpper(s.sectionSpliter());
      }
    }
    return false;
  }
}

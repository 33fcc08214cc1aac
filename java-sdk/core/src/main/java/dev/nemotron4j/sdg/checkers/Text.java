package dev.nemotron4j.sdg.checkers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text primitives with the semantics IFEval's checkers rely on (Python's {@code str.strip},
 * {@code str.isupper}, {@code str.islower}, {@code \w} and a Punkt-like sentence count),
 * implemented from their definitions.
 */
final class Text {
  private Text() {}

  /** A Python {@code \w} character: any letter, any number, or underscore. */
  static final String WORD_CHAR = "[\\p{L}\\p{N}_]";

  private static final Pattern WORD = Pattern.compile(WORD_CHAR + "+");

  /** Whether one code point matches {@link #WORD_CHAR}. */
  static boolean isWordChar(int c) {
    if (c == '_' || Character.isLetter(c)) {
      return true;
    }
    int type = Character.getType(c);
    return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
        || type == Character.OTHER_NUMBER;
  }

  /** Python's {@code str.isspace()} for one code point. */
  static boolean isSpace(int c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
  }

  /** Python's {@code str.strip()}: removes leading and trailing whitespace. */
  static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isSpace(s.charAt(start))) {
      start++;
    }
    while (end > start && isSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  /** Python's {@code str.strip(c)}: removes every leading and trailing {@code c}. */
  static String strip(String s, char c) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == c) {
      start++;
    }
    while (end > start && s.charAt(end - 1) == c) {
      end--;
    }
    return s.substring(start, end);
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** Python's {@code str.split()}: the maximal runs of non-whitespace. */
  static List<String> splitOnSpace(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && isSpace(s.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < n && !isSpace(s.charAt(i))) {
        i++;
      }
      if (i > start) {
        out.add(s.substring(start, i));
      }
    }
    return out;
  }

  private static boolean isCased(int c) {
    return Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
  }

  /**
   * Python's {@code str.isupper()}: at least one cased character, and no lowercase or titlecase
   * character.
   */
  static boolean isUpper(String s) {
    boolean cased = false;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (Character.isLowerCase(c) || Character.isTitleCase(c)) {
        return false;
      }
      cased |= isCased(c);
      i += Character.charCount(c);
    }
    return cased;
  }

  /**
   * Python's {@code str.islower()}: at least one cased character, and no uppercase or titlecase
   * character.
   */
  static boolean isLower(String s) {
    boolean cased = false;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (Character.isUpperCase(c) || Character.isTitleCase(c)) {
        return false;
      }
      cased |= isCased(c);
      i += Character.charCount(c);
    }
    return cased;
  }

  /** Non-overlapping matches of {@code p} in {@code s}. */
  static int countMatches(Pattern p, String s) {
    Matcher m = p.matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** The number of words: maximal runs of letters, digits and underscores. */
  static int countWords(String s) {
    return countMatches(WORD, s);
  }

  /** Characters a Treebank-style tokenizer always splits off as tokens of their own. */
  private static final String SEPARATORS =
      ",;:@#$%&?!()[]{}<>\"`*\u00ab\u00bb\u2018\u2019\u201c\u201d";

  /** Contractions split off the end of a word, lowercase. */
  private static final List<String> CONTRACTION_TAILS =
      List.of("n't", "'ll", "'re", "'ve", "'s", "'m", "'d", "'");

  /** Whole words split in two, lowercase, with the length of the first part. */
  private static final Map<String, Integer> SPLIT_WORDS = Map.of(
      "cannot", 3, "gimme", 3, "gonna", 3, "gotta", 3, "lemme", 3, "wanna", 3,
      "'tis", 2, "'twas", 2, "d'ye", 1, "more'n", 4);

  /**
   * Word tokens for counting all-capital words, as a Treebank-style tokenizer (NLTK's
   * {@code word_tokenize}, which IFEval uses) would group letters: whitespace separates tokens;
   * the characters in {@link #SEPARATORS}, "--" and "..." become tokens of their own (and are left
   * out here, having no letters); other punctuation stays inside its token ("AND/OR", "U.S.",
   * "WELL-KNOWN"); and contractions are split off ("DON'T" gives "DO" and "N'T", "IT'S" gives "IT"
   * and "'S", "CANNOT" gives "CAN" and "NOT", also before a final period).
   */
  static List<String> caseTokens(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder piece = new StringBuilder();
    for (String chunk : splitOnSpace(s)) {
      for (int i = 0; i < chunk.length(); i++) {
        char c = chunk.charAt(i);
        if (SEPARATORS.indexOf(c) >= 0) {
          addPiece(piece, out);
        } else if (chunk.startsWith("--", i)) {
          addPiece(piece, out);
          i += 1;
        } else if (chunk.startsWith("...", i)) {
          addPiece(piece, out);
          i += 2;
        } else {
          piece.append(c);
        }
      }
      addPiece(piece, out);
    }
    return out;
  }

  private static void addPiece(StringBuilder piece, List<String> out) {
    if (piece.length() == 0) {
      return;
    }
    String word = piece.toString();
    piece.setLength(0);
    if (word.length() > 1 && word.endsWith(".") && !word.endsWith("..")) {
      // A sentence-final period is split off (and, having no letters, left out).
      word = word.substring(0, word.length() - 1);
    }
    String lowered = lower(word);
    boolean sameLength = lowered.length() == word.length();
    Integer cut = sameLength ? SPLIT_WORDS.get(lowered) : null;
    if (cut == null && sameLength) {
      for (String tail : CONTRACTION_TAILS) {
        int at = word.length() - tail.length();
        if (at > 0 && lowered.endsWith(tail) && word.charAt(at - 1) != '\'') {
          cut = at;
          break;
        }
      }
    }
    if (cut == null) {
      out.add(word);
    } else {
      out.add(word.substring(0, cut));
      out.add(word.substring(cut));
    }
  }

  /** Abbreviations after which a period does not end a sentence (compared lowercased). */
  private static final Set<String> ABBREVIATIONS = Set.of(
      "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "capt", "gen", "col", "lt", "sgt", "rev",
      "hon", "sen", "rep", "gov", "pres", "vs", "etc", "e.g", "i.e", "cf", "al", "inc", "ltd", "co",
      "corp", "dept", "approx", "fig", "no", "vol", "ed", "est", "jan", "feb", "mar", "apr", "jun",
      "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "ave", "blvd", "ph.d");

  private static final Pattern DOTTED_INITIALS = Pattern.compile("(?:\\p{L}\\.)+\\p{L}?");

  private static boolean isCloser(char c) {
    return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}' || c == '\u201d'
        || c == '\u2019' || c == '*' || c == '_';
  }

  private static boolean isOpener(char c) {
    return c == '"' || c == '\'' || c == '(' || c == '[' || c == '{' || c == '\u201c'
        || c == '\u2018' || c == '*' || c == '_';
  }

  /**
   * The number of sentences, in the spirit of NLTK's Punkt model that IFEval uses: a sentence
   * ends at a token (whitespace-separated) whose text, before any closing quotes or brackets,
   * ends with '.', '!' or '?', except after known abbreviations, single-letter initials and
   * dotted acronyms; an ellipsis ends a sentence only before a capitalised word. Line breaks alone
   * do not end a sentence. Blank text has no sentences; text without a final terminator still
   * counts its last sentence.
   */
  static int countSentences(String s) {
    List<String> tokens = splitOnSpace(s);
    int sentences = 0;
    boolean open = false;
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i);
      int end = token.length();
      while (end > 0 && isCloser(token.charAt(end - 1))) {
        end--;
      }
      if (end == 0) {
        continue; // only closing marks: part of the sentence around it
      }
      open = true;
      String core = token.substring(0, end);
      char last = core.charAt(end - 1);
      boolean boundary;
      if (last == '!' || last == '?') {
        boundary = true;
      } else if (last == '\u2026' || core.endsWith("..")) {
        boundary = i + 1 < tokens.size() && startsCapitalised(tokens.get(i + 1));
      } else if (last == '.') {
        boundary = !isAbbreviation(core.substring(0, end - 1));
      } else {
        boundary = false;
      }
      if (boundary) {
        sentences++;
        open = false;
      }
    }
    return open ? sentences + 1 : sentences;
  }

  private static boolean startsCapitalised(String token) {
    int i = 0;
    while (i < token.length() && isOpener(token.charAt(i))) {
      i++;
    }
    return i < token.length() && Character.isUpperCase(token.charAt(i));
  }

  private static boolean isAbbreviation(String word) {
    int start = 0;
    while (start < word.length() && isOpener(word.charAt(start))) {
      start++;
    }
    String w = lower(word.substring(start));
    if (w.isEmpty()) {
      return false;
    }
    if (w.codePointCount(0, w.length()) == 1 && Character.isLetter(w.codePointAt(0))) {
      return true; // an initial, as in "J. Smith"
    }
    return ABBREVIATIONS.contains(w) || DOTTED_INITIALS.matcher(w).matches();
  }

  /** Very common English words, for telling English apart from other Latin-script languages. */
  private static final Set<String> ENGLISH_COMMON = Set.of(
      "the", "and", "of", "to", "a", "in", "is", "it", "you", "that", "for", "on", "with", "as",
      "are", "this", "be", "was", "i", "have", "not", "or", "by", "at", "from", "but", "they",
      "we", "an", "your", "can", "will", "all", "there", "their", "what", "which", "so", "if",
      "has", "more", "one", "about", "my", "do", "would", "me", "he", "she", "his", "her", "our",
      "when", "who", "how", "them", "been", "were", "some", "any", "these", "its", "than", "into",
      "only", "also", "just", "should", "could", "like", "other", "no", "out", "up", "then");

  /**
   * Whether {@code s} looks like English; stands in for the language identifier IFEval uses.
   * Text without letters counts as English (IFEval gives the benefit of the doubt when it cannot
   * detect a language). Otherwise at least 90% of the letters must be basic Latin, and a text of
   * ten or more words must use common English function words for at least 10% of them.
   */
  static boolean looksEnglish(String s) {
    int letters = 0;
    int latin = 0;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (Character.isLetter(c)) {
        letters++;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
          latin++;
        }
      }
      i += Character.charCount(c);
    }
    if (letters == 0) {
      return true;
    }
    if (latin < 0.9 * letters) {
      return false;
    }
    Matcher m = WORD.matcher(lower(s));
    int words = 0;
    int common = 0;
    while (m.find()) {
      words++;
      if (ENGLISH_COMMON.contains(m.group())) {
        common++;
      }
    }
    return words < 10 || common >= 0.1 * words;
  }
}

package dev.nemotron4j.sdg.checkers;

import static com.google.common.truth.Truth.assertWithMessage;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Agreement with IFEval's checking rules on generated markdown-like responses. The expected
 * outcomes were computed by a Python transliteration of the rules (regular expressions and string
 * operations of the reference implementation), one character per instruction: '1' followed, '0'
 * not.
 */
class ReferenceAgreementTest {
  static final String INSTRUCTIONS = """
[
  {"id": "detectable_format:number_bullet_lists", "kwargs": {"num_bullets": 2}},
  {"id": "detectable_format:number_bullet_lists", "kwargs": {"num_bullets": 0}},
  {"id": "detectable_format:number_highlighted_sections", "kwargs": {"num_highlights": 2}},
  {"id": "detectable_format:title", "kwargs": {}},
  {"id": "length_constraints:number_paragraphs", "kwargs": {"num_paragraphs": 2}},
  {"id": "detectable_format:multiple_sections", "kwargs": {"section_spliter": "SECTION", "num_sections": 2}},
  {"id": "detectable_content:number_placeholders", "kwargs": {"num_placeholders": 2}},
  {"id": "detectable_content:postscript", "kwargs": {"postscript_marker": "P.S."}},
  {"id": "detectable_content:postscript", "kwargs": {"postscript_marker": "P.P.S"}},
  {"id": "combination:two_responses", "kwargs": {}},
  {"id": "detectable_format:json_format", "kwargs": {}},
  {"id": "startend:end_checker", "kwargs": {"end_phrase": "Any other questions?"}},
  {"id": "startend:quotation", "kwargs": {}},
  {"id": "length_constraints:nth_paragraph_first_word", "kwargs": {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "banana"}},
  {"id": "keywords:frequency", "kwargs": {"keyword": "cat", "frequency": 2, "relation": "at least"}},
  {"id": "keywords:forbidden_words", "kwargs": {"forbidden_words": ["cat", "_x_"]}},
  {"id": "keywords:letter_frequency", "kwargs": {"letter": "z", "let_frequency": 3, "let_relation": "less than"}},
  {"id": "length_constraints:number_words", "kwargs": {"num_words": 6, "relation": "at least"}},
  {"id": "detectable_format:constrained_response", "kwargs": {}},
  {"id": "punctuation:no_comma", "kwargs": {}},
  {"id": "keywords:existence", "kwargs": {"keywords": ["banana", "the"]}}
]
""";

  static final String CASES = """
[
  {"text": "SECTION 3\\n_x_SECTION 3\\n", "expect": "010001000000000110010"},
  {"text": "[name]42\\nCat'sconcatenate cat_dog[name]", "expect": "010000100000001011010"},
  {"text": "SECTION 3\\n\\n\\n\\n\\n\\n\\n\\n *** * item\\n'apple* item ", "expect": "010010000000000110010"},
  {"text": "P.S. hi\\"banana\\n[1, 2]p. s. x* *[]\\n******p.p.s --- ", "expect": "010000111100000111000"},
  {"text": "P.S. hi ", "expect": "010000010000000110010"},
  {"text": "\\u00e9b]\\nzzz\\n\\n - item ", "expect": "000000000000000100010"},
  {"text": "[1, 2] ", "expect": "010000000010000110000"},
  {"text": "{\\"a\\": 1}\\n_x_Banana,", "expect": "010000000000000110000"},
  {"text": "***\\nbanana***\\nMy answer is yes.", "expect": "010010000000000110110"},
  {"text": "\\u00bd \\n\\n\\n```* *Cat's NaN_x_the cat}}", "expect": "010000000000001010010"},
  {"text": "Any other questions? ,---\\nNaNany other questions?\\"\\nthere", "expect": "010000000000000111000"},
  {"text": "\\"\\n\\u00e9**bold** concatenate\\n\\t the cat\\n, ", "expect": "010000000000001010000"},
  {"text": "\\n\\n\\nzzz ", "expect": "010000000000000100010"},
  {"text": "[]  * nested* * ***Section 2\\np. s. x SECTION 3```\\n", "expect": "010010010000000111010"},
  {"text": "P.S. hi\\n", "expect": "010000010000000110010"},
  {"text": "\\tZ\\n[name] p.p.sb] [name] {\\"a\\": 1}b]\\n\\u00bdzzz ", "expect": "010000101000000101010"},
  {"text": "Section 2- itembanana ***  - item P.P.S concatenate\\n}p.p.s", "expect": "010010001000000111010"},
  {"text": "42", "expect": "010000000010000110010"},
  {"text": "[name]\\n******\\t- item ***  \\u0663 ```", "expect": "010000000100000110010"},
  {"text": "My answer is yes.My answer is yes. P.P.S", "expect": "010000001000000111110"},
  {"text": ",Any other questions?*it*", "expect": "010000000000000110000"},
  {"text": "'apple  Cat'scat_dog ,", "expect": "010000000000001010000"},
  {"text": "**bold**the cat\\n", "expect": "010000000000000010010"},
  {"text": "\\"\\n\\n\\n\\n--- banana\\nconcatenate \\u00bdbanana \\"banana ", "expect": "000000000000000110010"},
  {"text": "The * item NaN* item   * nested\\n* item\\n\\n - item\\n", "expect": "100000000000000111010"},
  {"text": "P.S. hi***p.p.s*it* ---\\n  * nested", "expect": "000010011000000111010"},
  {"text": "***_x_ \\"banana\\n---b]\\nZ [1, 2]****** \\"\\nCat's", "expect": "000000000100000011000"},
  {"text": ",My answer is yes.   * nested [a\\n", "expect": "010000000000000111100"},
  {"text": "the catCat's\\n\\nMy answer is yes.", "expect": "010000000000001111110"},
  {"text": "\\"banana - itemP.S. hiCat's ", "expect": "010000010000000110010"},
  {"text": "* *\\n```json***p. s. x *** \\"\\nNaN\\n```json ***  \\u00a0 ", "expect": "001000010000000111010"},
  {"text": "} SECTION 1\\tthereconcatenate\\n\\u00bd ", "expect": "010000000000000110010"},
  {"text": "{\\u00bd \\u0663\\u00bdzzz*it*", "expect": "010000000000000100010"},
  {"text": "banana   * nested * item\\n  * nested   * nested * item", "expect": "001000000000000111010"},
  {"text": "the cat * item ", "expect": "010000000000000010010"},
  {"text": "SECTION 1<<T>>NaN\\n[]\\nbananaTheany other questions?\\"[name]\\n<< >>", "expect": "010100100000000111011"},
  {"text": "SECTION 1***b]* item*** ", "expect": "010010000000000110010"},
  {"text": "P.S. hi```json\\n\\t ", "expect": "010000010000000110010"},
  {"text": " NaN\\"\\nbanana", "expect": "010000000000000110010"},
  {"text": "---Z***\\n_x_\\" SECTION 3Any other questions?  ***  Z\\np.p.s\\n", "expect": "000000001000000011010"},
  {"text": "\\"banana\\nany other questions?\\"\\u00a0 \\n\\n", "expect": "010000000001100110011"},
  {"text": "NaN \\n", "expect": "010000000010000110010"},
  {"text": "zzz--- \\n\\n\\nBanana, SECTION 3\\n{", "expect": "010000000000010100000"},
  {"text": "Banana, The --- * *Cat's << >> {\\"a\\": 1}\\n\\u00bd ", "expect": "010000000000000011001"},
  {"text": "  Z the cat\\nSECTION 1 cat_dog- item", "expect": "010000000000001011010"},
  {"text": "[a\\n\\n\\n\\"banana ******cat_dogSECTION 3 **bold** My answer is yes.*it*\\n", "expect": "011000000100010111110"},
  {"text": ", P.S. hi\\n<<T>>} Section 2 \\tMy answer is yes. ", "expect": "010100010000000111100"},
  {"text": "NaN```json My answer is yes.\\nNaN\\nThe there\\nthe cat ", "expect": "010000000000000011110"},
  {"text": "{42\\n<<T>>\\n*it*\\nMy answer is yes.}\\n[name]{\\"a\\": 1}Cat's", "expect": "000100000000000011110"},
  {"text": "[] SECTION 1 { ***  [name]P.S. hi The", "expect": "010010110000000111010"},
  {"text": "****** \\n\\n**bold**, NaN\\n\\n\\n \\u0663\\n\\t\\n\\"bananathe cat", "expect": "010000000000000010001"},
  {"text": "P.S. hi\\n```\\n\\n\\n\\n\\"there```json\\nBanana, []", "expect": "010000010000000111001"},
  {"text": "**bold** \\u00a0 - item ***- item\\n_x_\\nzzz\\n- item_x_\\n--- ", "expect": "100010000000000001010"},
  {"text": "The\\n*it*[name]\\t\\n\\n  * nested", "expect": "100000000000000110010"},
  {"text": "[1, 2]\\n  \\u00a0******\\n\\n b]", "expect": "010000000100000110000"},
  {"text": "<<T>>P.S. hi The", "expect": "010100010000000110010"},
  {"text": "  * nested { ", "expect": "000000000000000110010"},
  {"text": "<<T>> b]  * nestedP.S. hi << >> any other questions?\\"\\n", "expect": "010100010001000111010"},
  {"text": "* item\\np.p.s\\nTheP.S. hi\\n\\u00a0**bold** \\"bananaP.S. hi_x_\\n* *\\n", "expect": "100000011000000111011"},
  {"text": "b]_x_```json* item\\n\\"*it* ---banana\\nb] ", "expect": "010000000000000011010"},
  {"text": "42******any other questions?\\"My answer is yes. {", "expect": "010000000100000111110"},
  {"text": "[1, 2]\\n<< >>cat_dogBanana,[1, 2]\\"\\nthere ```json\\nSECTION 1 [name] ", "expect": "010000100000000111001"},
  {"text": "\\"_x_\\nSECTION 1\\nNaN Cat's--- \\"banana\\n{\\"a\\": 1}\\n\\t\\n\\"\\n", "expect": "010000000000100011010"},
  {"text": "Z  * nested\\"banana\\n, SECTION 3", "expect": "010000000000000110000"},
  {"text": "My answer is yes.p. s. x\\n[name]cat_dog\\n", "expect": "010000010000000111110"},
  {"text": "<<T>>  concatenate\\nany other questions?\\" ```json\\"'apple\\n, ", "expect": "010100000000000111000"},
  {"text": "* ***bold**\\nthere\\nP.P.S 42 \\n\\n - item\\n  * nested", "expect": "000010001000000111010"},
  {"text": "[1, 2] there```  *** [1, 2]<<T>>\\n", "expect": "010110100000000111000"},
  {"text": "p.p.s\\t any other questions?\\"\\n{\\"a\\": 1}\\n\\u0663****** SECTION 3 [1, 2]\\n{{\\"a\\": 1} ", "expect": "010000001100000111000"},
  {"text": "\\n\\n\\n\\"[a{\\"a\\": 1}bananathe cat \\"banana", "expect": "010000000000000011011"},
  {"text": "***{\\n'apple ****** ***  [1, 2]\\u00a0Section 2", "expect": "010000000100000110000"},
  {"text": "any other questions?\\" ", "expect": "010000000001000110010"},
  {"text": "\\tSECTION 3```there\\n{\\"a\\": 1}\\nCat's\\n\\n\\n\\"banana ", "expect": "010000000000010011011"},
  {"text": "\\n\\n<< >>42p.p.s ******\\n\\n", "expect": "010000001000000110010"},
  {"text": "*it*zzz\\ncat_dog ", "expect": "000000000000000100010"},
  {"text": "**bold**\\n*it*SECTION 3 ", "expect": "001000000000000110010"},
  {"text": "Cat's\\n", "expect": "010000000000000010010"},
  {"text": "\\u0663\\u00a0The* *******SECTION 3", "expect": "010000000100000110010"},
  {"text": "<<T>> ", "expect": "010100000000000110010"},
  {"text": "concatenate ```json\\n\\n<< >>SECTION 3\\n\\n\\n\\nSECTION 3 [a * *", "expect": "010001000000000111010"},
  {"text": "SECTION 1\\n_x_", "expect": "010000000000000010010"},
  {"text": "*it* ```concatenate}\\n\\n\\nBanana,* *any other questions?\\" Any other questions? *** ", "expect": "000000000000010111001"},
  {"text": "\\"\\n\\"", "expect": "010000000000100110010"},
  {"text": "{\\"a\\": 1}\\nany other questions?\\"Section 2\\nconcatenate\\n\\"\\" Any other questions?", "expect": "010000000001000111010"},
  {"text": "cat_dog ", "expect": "010000000000000110010"},
  {"text": " P.P.S\\n- item\\n```jsonAny other questions?\\n\\u00e9}{\\"a\\": 1} SECTION 3Z ", "expect": "000000001000000111010"},
  {"text": "NaN\\nBanana,**bold** Any other questions?\\u00a0Cat's*it*", "expect": "011000000000000011001"},
  {"text": "******'apple\\n- item<< >>---'apple", "expect": "000000000000000110010"},
  {"text": "Any other questions?\\n``` <<T>>\\n {\\"a\\": 1} \\n\\nAny other questions?", "expect": "010100000001000111010"},
  {"text": "---\\n* * _x_ SECTION 3The\\nSECTION 3\\n", "expect": "100001000000000010010"},
  {"text": "\\u0663'apple", "expect": "010000000000000110010"},
  {"text": "* *NaN\\n", "expect": "000000000000000110010"},
  {"text": "P.P.Sp. s. x\\n[a\\nSECTION 3- item there []\\nP.P.SSection 2b]", "expect": "010000011000000111010"},
  {"text": "* *\\n}", "expect": "000000000000000110010"},
  {"text": "Any other questions?\\nconcatenatep.p.sBanana, *it*\\n\\" My answer is yes.", "expect": "010000001000000111101"},
  {"text": "[a\\n[name]```jsonp.p.s\\n\\n[a\\n  * nested\\n\\n\\u00a0Any other questions?\\n", "expect": "000000001001000111010"},
  {"text": "cat_dog  * nested\\n, \\u00e9[]\\n<<T>>\\nNaN[]<< >><<T>> ", "expect": "010100100000000111000"},
  {"text": "any other questions?\\"SECTION 1- item\\ncat_dog \\" }My answer is yes.\\n ***  Z", "expect": "010010000000000111110"},
  {"text": "'apple'applezzz", "expect": "010000000000000100010"},
  {"text": "Banana,'apple ***  P.P.S --- p. s. x\\nAny other questions?\\u00a0 b]Any other questions?", "expect": "010010011001000111001"},
  {"text": "\\u00bd ***\\n'apple\\n *** \\"bananaAny other questions?*it* SECTION 3 << >> ", "expect": "010000000000000111011"},
  {"text": "\\n\\n\\n\\nSECTION 1SECTION 1\\n******\\n<< >>[a <<T>>}\\nAny other questions?", "expect": "010101000101000111010"},
  {"text": "<<T>>**bold**\\nthe catCat's  *** \\np.p.s", "expect": "010110001000001111010"},
  {"text": "Cat's,\\n {\\"a\\": 1}Cat's   p.p.s }", "expect": "010000001000001011000"},
  {"text": "```json\\u00a0\\np.p.s******banana \\n\\n\\n_x_", "expect": "010000001100000011010"}
]
""";

  @Test
  void everyCheckAgreesWithTheReferenceRules() {
    List<Instruction> instructions = new ArrayList<>();
    for (JsonNode e : Make.json(INSTRUCTIONS)) {
      instructions.add(Instructions.create(e.get("id").textValue(), e.get("kwargs")));
    }
    JsonNode cases = Make.json(CASES);
    int checked = 0;
    for (JsonNode c : cases) {
      String text = c.get("text").textValue();
      String expect = c.get("expect").textValue();
      for (int i = 0; i < instructions.size(); i++) {
        assertWithMessage("%s on %s", instructions.get(i).kwargs().isEmpty()
                ? instructions.get(i).id() : instructions.get(i).id() + " " + instructions.get(i).kwargs(),
                Make.MAPPER.valueToTree(text))
            .that(instructions.get(i).check(text))
            .isEqualTo(expect.charAt(i) == '1');
        checked++;
      }
    }
    assertWithMessage("checks run").that(checked).isAtLeast(1000);
  }
}

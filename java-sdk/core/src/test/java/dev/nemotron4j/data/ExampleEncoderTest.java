package dev.nemotron4j.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.testing.Fixtures;
import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.ChatTemplate.Message;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExampleEncoderTest {
  static final SentencePieceModel MODEL = load();
  static final ChatTemplate TEMPLATE = new ChatTemplate(MODEL);

  static SentencePieceModel load() {
    try {
      return SentencePieceModel.load(
          Fixtures.dir("tokenizer").resolve("tokenizer-identity").resolve("tokenizer.model"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static Map<String, Long> counts(long kept, long truncated, long tooLong, long empty) {
    return Map.of("kept", kept, "truncated", truncated, "rejected_too_long", tooLong, "rejected_empty", empty);
  }

  @Test
  void textIsEncodedWithEosAndEveryTokenButTheFirstIsATarget() {
    assertThat(MODEL.eosId()).isAtLeast(0);
    ExampleEncoder enc = new ExampleEncoder(MODEL, LengthPolicy.unlimited());
    Sequence s = enc.text(new TextExample("Hello world")).orElseThrow();
    int[] expected = concat(MODEL.encode("Hello world"), new int[] {MODEL.eosId()});
    assertThat(s.ids()).isEqualTo(expected);
    assertThat(s.targetMask()[0]).isEqualTo(0);
    assertThat(s.targetCount()).isEqualTo(s.length() - 1);
    assertThat(enc.stats().asMap()).isEqualTo(counts(1, 0, 0, 0));
  }

  @Test
  void chatUsesTheTemplateAndItsMask() {
    ExampleEncoder enc = new ExampleEncoder(MODEL, LengthPolicy.unlimited());
    ChatExample c = ChatExample.of("What is 2+2?", "4");
    Sequence s = enc.chat(c).orElseThrow();
    ChatTemplate.Encoded e = TEMPLATE.encode(c.messages());
    assertThat(s.ids()).isEqualTo(e.ids());
    assertThat(s.targetMask()).isEqualTo(e.lossMask());
    // the targets are the reply "4\n" and the stop marker
    List<Integer> targets = new ArrayList<>();
    for (int i = 0; i < s.length(); i++) {
      if (s.targetMask()[i] == 1) {
        targets.add(s.ids()[i]);
      }
    }
    assertThat(MODEL.decode(targets.stream().mapToInt(Integer::intValue).toArray())).isEqualTo("4\n<extra_id_1>");
  }

  @Test
  void preferencePromptPlusResponseIsTheWholeConversation() {
    ExampleEncoder enc = new ExampleEncoder(MODEL, LengthPolicy.unlimited());
    List<List<Message>> prompts = List.of(
        List.of(Message.user("What is 2+2?")),
        List.of(Message.system("You are terse."), Message.user("Hi"), Message.assistant("Hello."),
            Message.user("Tell me a joke about   spaces.")));
    for (List<Message> prompt : prompts) {
      for (String[] pair : new String[][] {{"4", "five"}, {" leading and trailing ", "émoji 🙂\nnew line"}}) {
        PreferenceTokens t = enc.preference(new PreferenceExample.Text(prompt, pair[0], pair[1], 1f, 0f))
            .orElseThrow();
        assertThat(t.promptIds()).isEqualTo(TEMPLATE.encodePrompt(prompt));
        for (int k = 0; k < 2; k++) {
          List<Message> full = new ArrayList<>(prompt);
          full.add(Message.assistant(pair[k]));
          int[] response = k == 0 ? t.chosenIds() : t.rejectedIds();
          ChatTemplate.Encoded whole = TEMPLATE.encode(full);
          assertThat(concat(t.promptIds(), response)).isEqualTo(whole.ids());
          // the response is what the model must produce: the reply, "\n", the stop marker
          // (decode drops a leading space, as SentencePiece does with its dummy prefix)
          assertThat(MODEL.decode(response)).isEqualTo((pair[k] + "\n<extra_id_1>").replaceFirst("^ ", ""));
          assertThat(response[response.length - 1]).isEqualTo(TEMPLATE.stopId());
          // the response is exactly the template's targets after the prompt (earlier replies in
          // the prompt are targets for SFT, not for a preference pair)
          Sequence seq = k == 0 ? t.chosen() : t.rejected();
          int p = t.promptIds().length;
          assertThat(Arrays.copyOfRange(seq.targetMask(), p, seq.length()))
              .isEqualTo(Arrays.copyOfRange(whole.lossMask(), p, whole.length()));
          assertThat(seq.targetCount()).isEqualTo(response.length);
          assertThat(seq.ids()).isEqualTo(whole.ids());
        }
        assertThat(t.chosenReward()).isEqualTo(1f);
        assertThat(t.rejectedReward()).isEqualTo(0f);
      }
    }
  }

  @Test
  void preferenceIdsPassThroughAndAreCheckedAgainstTheVocabulary() {
    PreferenceExample.Ids ids = new PreferenceExample.Ids(new int[] {5, 6}, new int[] {7, 8}, new int[] {9}, null, null);
    PreferenceTokens t = new ExampleEncoder(MODEL, LengthPolicy.reject(8)).preference(ids).orElseThrow();
    assertThat(t).isEqualTo(new PreferenceTokens(new int[] {5, 6}, new int[] {7, 8}, new int[] {9}, null, null));
    assertThat(t.chosen()).isEqualTo(new Sequence(new int[] {5, 6, 7, 8}, new int[] {0, 0, 1, 1}));

    int v = MODEL.vocabSize();
    PreferenceExample.Ids bad = new PreferenceExample.Ids(new int[] {5}, new int[] {7, v}, new int[] {9}, null, null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ExampleEncoder(MODEL, LengthPolicy.reject(8)).preference(bad));
    assertThat(e).hasMessageThat().isEqualTo("chosen_ids[1] is " + v
        + ", expected a token id below the tokenizer's vocabulary size " + v);
    // without a tokenizer they are not checked, and text needs one
    ExampleEncoder idsOnly = ExampleEncoder.idsOnly(LengthPolicy.reject(8));
    assertThat(idsOnly.preference(bad)).isPresent();
    assertThrows(IllegalStateException.class, () -> idsOnly.preference(PreferenceExample.Text.of("q", "a", "b")));
    assertThrows(IllegalStateException.class, () -> idsOnly.text(new TextExample("x")));
  }

  @Test
  void rewardTokensAreTheWholeConversation() {
    ExampleEncoder enc = new ExampleEncoder(MODEL, LengthPolicy.unlimited());
    RewardExample r = RewardExample.of("c#", "C# is a language.", 3, 4, 4, 2, 1);
    RewardTokens t = enc.reward(r).orElseThrow();
    assertThat(t.ids()).isEqualTo(TEMPLATE.encode(List.of(Message.user("c#"),
        Message.assistant("C# is a language."))).ids());
    assertThat(t.ids()[t.ids().length - 1]).isEqualTo(TEMPLATE.stopId());
    assertThat(t.attributes()).isEqualTo(new float[] {3, 4, 4, 2, 1});
    assertThat(t.sequence().targetCount()).isEqualTo(0);
  }

  @Test
  void truncationKeepsTheStartAndCounts() {
    ChatExample c = ChatExample.of("Hi", "A long answer with many words in it.");
    int full = TEMPLATE.encode(c.messages()).length();
    int prompt = TEMPLATE.encodePrompt(List.of(Message.user("Hi"))).length;
    ExampleEncoder enc = new ExampleEncoder(MODEL, LengthPolicy.truncate(prompt + 3));
    Sequence s = enc.chat(c).orElseThrow();
    assertThat(s.length()).isEqualTo(prompt + 3);
    assertThat(s.ids()).isEqualTo(Arrays.copyOf(TEMPLATE.encode(c.messages()).ids(), prompt + 3));
    assertThat(s.targetCount()).isEqualTo(3);
    // an empty reply is counted as such
    assertThat(enc.chat(ChatExample.of("Hi", ""))).isEmpty();
    assertThat(enc.stats().asMap()).isEqualTo(counts(1, 1, 0, 1));

    // a prompt that fills the room leaves no target: rejected as too long
    ExampleEncoder tight = new ExampleEncoder(MODEL, LengthPolicy.truncate(prompt));
    assertThat(tight.chat(c)).isEmpty();
    assertThat(tight.stats().rejectedTooLong()).isEqualTo(1);

    // text keeps its first tokens
    ExampleEncoder text = new ExampleEncoder(MODEL, LengthPolicy.truncate(4));
    Sequence doc = text.text(new TextExample("Hello world, this is long")).orElseThrow();
    assertThat(doc.ids()).isEqualTo(Arrays.copyOf(MODEL.encode("Hello world, this is long"), 4));
    assertThat(text.stats().toString()).isEqualTo("kept=1 truncated=1 rejected_too_long=0 rejected_empty=0");
    assertThat(full).isGreaterThan(prompt + 3);
  }

  @Test
  void rejectDropsAndCounts() {
    ChatExample c = ChatExample.of("Hi", "A long answer with many words in it.");
    int full = TEMPLATE.encode(c.messages()).length();
    ExampleEncoder enc = new ExampleEncoder(MODEL, LengthPolicy.reject(full - 1));
    assertThat(enc.chat(c)).isEmpty();
    assertThat(enc.chat(ChatExample.of("Hi", "Short."))).isPresent();
    assertThat(enc.reward(RewardExample.of("Hi", "A long answer with many words in it.", 1, 1, 1, 1, 1))).isEmpty();
    assertThat(enc.stats().asMap()).isEqualTo(counts(1, 0, 2, 0));
    assertThat(enc.stats().total()).isEqualTo(3);

    ExampleEncoder exact = new ExampleEncoder(MODEL, LengthPolicy.reject(full));
    assertThat(exact.chat(c)).isPresent();
  }

  @Test
  void preferenceLengthPolicy() {
    PreferenceExample.Ids ids = new PreferenceExample.Ids(new int[] {5, 6, 7}, new int[] {8, 9, 10, 11},
        new int[] {12}, 2f, 1f);
    ExampleEncoder truncate = new ExampleEncoder(MODEL, LengthPolicy.truncate(5));
    PreferenceTokens t = truncate.preference(ids).orElseThrow();
    assertThat(t).isEqualTo(new PreferenceTokens(new int[] {5, 6, 7}, new int[] {8, 9}, new int[] {12}, 2f, 1f));
    assertThat(truncate.preference(new PreferenceExample.Ids(new int[] {1, 2, 3, 4, 5}, new int[] {6},
        new int[] {7}, null, null))).isEmpty();
    assertThat(truncate.stats().asMap()).isEqualTo(counts(1, 1, 1, 0));

    ExampleEncoder reject = new ExampleEncoder(MODEL, LengthPolicy.reject(6));
    assertThat(reject.preference(ids)).isEmpty();
    assertThat(reject.preference(PreferenceExample.Text.of("q", "a", "b"))).isEmpty();
    assertThat(reject.stats().asMap()).isEqualTo(counts(0, 0, 2, 0));
  }

  @Test
  void emptyExamplesAreRejectedUnlessAllowed() {
    ExampleEncoder enc = new ExampleEncoder(MODEL, LengthPolicy.truncate(64));
    assertThat(enc.text(new TextExample(" \n "))).isEmpty();
    assertThat(enc.chat(new ChatExample(List.of(Message.user("a"), Message.assistant(""), Message.user("b"),
        Message.assistant("fine"))))).isEmpty();
    assertThat(enc.preference(PreferenceExample.Text.of("q", "ok", ""))).isEmpty();
    assertThat(enc.preference(PreferenceExample.Text.of("q", "  ", "ok"))).isEmpty();
    assertThat(enc.preference(new PreferenceExample.Ids(new int[] {1}, new int[0], new int[] {2}, null, null)))
        .isEmpty();
    assertThat(enc.reward(RewardExample.of("q", "", 0, 0, 0, 0, 0))).isEmpty();
    assertThat(enc.stats().asMap()).isEqualTo(counts(0, 0, 0, 6));

    ExampleEncoder allow = new ExampleEncoder(MODEL, new LengthPolicy(64, LengthPolicy.Mode.TRUNCATE, true));
    PreferenceTokens t = allow.preference(PreferenceExample.Text.of("q", "ok", "")).orElseThrow();
    assertThat(MODEL.decode(t.rejectedIds())).isEqualTo("\n<extra_id_1>");
    Optional<Sequence> s = allow.text(new TextExample(""));
    assertThat(s.orElseThrow().ids()).isEqualTo(new int[] {MODEL.eosId()});
    assertThat(allow.stats().asMap()).isEqualTo(counts(2, 0, 0, 0));
  }

  @Test
  void policyChecksItsArguments() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LengthPolicy.truncate(1));
    assertThat(e).hasMessageThat().contains("maxLength is 1, expected at least 2");
  }
}

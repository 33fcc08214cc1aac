package dev.nemotron4j.data;

import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.ChatTemplate.Message;
import dev.nemotron4j.tokenizer.ChatTemplate.Role;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Tokenizes examples into training sequences under a {@link LengthPolicy}, counting its decisions
 * in {@link #stats()}. A method returns an empty {@code Optional} when the policy drops the example.
 *
 * <ul>
 *   <li>{@link #text}: {@link SentencePieceModel#encode} of the text, then the EOS id when the
 *       model has one ({@code eosId() >= 0}); every token but the first is a target.
 *   <li>{@link #chat}: {@link ChatTemplate#encode}; the targets are the assistant replies and their
 *       stop markers.
 *   <li>{@link #preference}: the text form gives {@code promptIds = ChatTemplate.encodePrompt(prompt)}
 *       and, per response, the rest of {@code ChatTemplate.encode(prompt + reply)} (the reply,
 *       {@code "\n"}, the stop marker), so {@code promptIds ++ responseIds} is the whole
 *       conversation; the id form passes the ids through, checked against the vocabulary size when
 *       there is a tokenizer. Truncation cuts both responses to the room the prompt leaves.
 *   <li>{@link #reward}: the ids of the whole conversation (prompt, then the response as the
 *       assistant's reply).
 * </ul>
 *
 * Thread-safe: the counters are atomic and the tokenizer is immutable.
 */
public final class ExampleEncoder {
  private final SentencePieceModel model;
  private final LengthPolicy policy;
  private final LengthPolicy.Stats stats = new LengthPolicy.Stats();
  private volatile ChatTemplate template;

  /** An encoder with {@code model} and {@code policy}. */
  public ExampleEncoder(SentencePieceModel model, LengthPolicy policy) {
    this.model = Objects.requireNonNull(model, "model");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  private ExampleEncoder(LengthPolicy policy) {
    this.model = null;
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  /** An encoder without a tokenizer: it handles only id-form preferences (ids unchecked against a vocabulary). */
  public static ExampleEncoder idsOnly(LengthPolicy policy) {
    return new ExampleEncoder(policy);
  }

  public LengthPolicy policy() {
    return policy;
  }

  /** This encoder's counters. */
  public LengthPolicy.Stats stats() {
    return stats;
  }

  private SentencePieceModel model(String what) {
    if (model == null) {
      throw new IllegalStateException("encoding " + what + " needs a tokenizer: this encoder was made with idsOnly");
    }
    return model;
  }

  private ChatTemplate template(String what) {
    ChatTemplate t = template;
    if (t == null) {
      t = new ChatTemplate(model(what));
      template = t;
    }
    return t;
  }

  /** A pretraining document. */
  public Optional<Sequence> text(TextExample example) {
    Objects.requireNonNull(example, "example");
    SentencePieceModel m = model("text");
    if (!policy.allowEmpty() && example.text().isBlank()) {
      stats.countEmpty();
      return Optional.empty();
    }
    int[] ids = m.encode(example.text());
    if (m.eosId() >= 0) {
      ids = Arrays.copyOf(ids, ids.length + 1);
      ids[ids.length - 1] = m.eosId();
    }
    return fit(Sequence.document(ids));
  }

  /** A supervised fine-tuning conversation. */
  public Optional<Sequence> chat(ChatExample example) {
    Objects.requireNonNull(example, "example");
    ChatTemplate t = template("a chat");
    if (!policy.allowEmpty()) {
      for (Message msg : example.messages()) {
        if (msg.role() == Role.ASSISTANT && msg.content().isBlank()) {
          stats.countEmpty();
          return Optional.empty();
        }
      }
    }
    ChatTemplate.Encoded e = t.encode(example.messages());
    return fit(new Sequence(e.ids(), e.lossMask()));
  }

  private Optional<Sequence> fit(Sequence s) {
    if (s.length() <= policy.maxLength()) {
      stats.countKept(false);
      return Optional.of(s);
    }
    if (policy.mode() == LengthPolicy.Mode.REJECT) {
      stats.countTooLong();
      return Optional.empty();
    }
    Sequence cut = s.truncate(policy.maxLength());
    if (cut.targetCount() == 0) {
      stats.countTooLong();
      return Optional.empty();
    }
    stats.countKept(true);
    return Optional.of(cut);
  }

  /** A preference pair (either form). */
  public Optional<PreferenceTokens> preference(PreferenceExample example) {
    Objects.requireNonNull(example, "example");
    int[] prompt;
    int[] chosen;
    int[] rejected;
    boolean empty;
    if (example instanceof PreferenceExample.Text x) {
      ChatTemplate t = template("a text preference pair");
      empty = x.chosen().isBlank() || x.rejected().isBlank();
      if (empty && !policy.allowEmpty()) {
        stats.countEmpty();
        return Optional.empty();
      }
      prompt = t.encodePrompt(x.prompt());
      chosen = response(t, x.prompt(), x.chosen(), prompt);
      rejected = response(t, x.prompt(), x.rejected(), prompt);
    } else {
      PreferenceExample.Ids x = (PreferenceExample.Ids) example;
      prompt = x.promptIds();
      chosen = x.chosenIds();
      rejected = x.rejectedIds();
      if (model != null) {
        checkVocab("prompt_ids", prompt);
        checkVocab("chosen_ids", chosen);
        checkVocab("rejected_ids", rejected);
      }
      empty = chosen.length == 0 || rejected.length == 0;
      if (empty && !policy.allowEmpty()) {
        stats.countEmpty();
        return Optional.empty();
      }
    }
    int longest = prompt.length + Math.max(chosen.length, rejected.length);
    boolean cut = false;
    if (longest > policy.maxLength()) {
      int room = policy.maxLength() - prompt.length;
      if (policy.mode() == LengthPolicy.Mode.REJECT || room < 1) {
        stats.countTooLong();
        return Optional.empty();
      }
      chosen = Arrays.copyOf(chosen, Math.min(room, chosen.length));
      rejected = Arrays.copyOf(rejected, Math.min(room, rejected.length));
      cut = true;
    }
    stats.countKept(cut);
    return Optional.of(new PreferenceTokens(prompt, chosen, rejected, example.chosenReward(), example.rejectedReward()));
  }

  /** The tokens the model produces for {@code reply} after {@code promptIds}. */
  private static int[] response(ChatTemplate t, List<Message> prompt, String reply, int[] promptIds) {
    List<Message> full = new ArrayList<>(prompt);
    full.add(Message.assistant(reply));
    int[] ids = t.encode(full).ids();
    if (ids.length < promptIds.length || !Arrays.equals(ids, 0, promptIds.length, promptIds, 0, promptIds.length)) {
      // ChatTemplate encodes segment by segment, so the prompt is always a prefix
      throw new IllegalStateException("the chat template's prompt ids are not a prefix of the conversation's ids");
    }
    return Arrays.copyOfRange(ids, promptIds.length, ids.length);
  }

  private void checkVocab(String field, int[] ids) {
    int v = model.vocabSize();
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] >= v) {
        throw new IllegalArgumentException(field + "[" + i + "] is " + ids[i]
            + ", expected a token id below the tokenizer's vocabulary size " + v);
      }
    }
  }

  /** A reward-model example. */
  public Optional<RewardTokens> reward(RewardExample example) {
    Objects.requireNonNull(example, "example");
    ChatTemplate t = template("a reward example");
    if (!policy.allowEmpty() && example.response().isBlank()) {
      stats.countEmpty();
      return Optional.empty();
    }
    int[] ids = t.encode(example.conversation()).ids();
    boolean cut = false;
    if (ids.length > policy.maxLength()) {
      if (policy.mode() == LengthPolicy.Mode.REJECT) {
        stats.countTooLong();
        return Optional.empty();
      }
      ids = Arrays.copyOf(ids, policy.maxLength());
      cut = true;
    }
    stats.countKept(cut);
    return Optional.of(new RewardTokens(ids, example.attributes().clone()));
  }
}

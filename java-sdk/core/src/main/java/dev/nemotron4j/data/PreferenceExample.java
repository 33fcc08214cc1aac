package dev.nemotron4j.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.ChatTemplate.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A preference pair for DPO, RPO or a Bradley-Terry reward model: a prompt and a chosen and a
 * rejected response, with optional rewards (RPO uses their difference). Two forms:
 *
 * <ul>
 *   <li>{@link Text}: {@code {"prompt", "chosen", "rejected"}}. The prompt is a string (one user
 *       turn, optional {@code "system"}; or a HelpSteer2-style multi-turn string) or a list of
 *       {@code {"role", "content"}} messages, a conversation prefix ending with a user turn;
 *       chosen and rejected are assistant replies (strings).
 *   <li>{@link Ids}: {@code {"prompt_ids", "chosen_ids", "rejected_ids"}}: raw token ids, used
 *       as they are (no chat template). The prompt must have at least one token.
 * </ul>
 *
 * Both forms take optional {@code "chosen_reward"} and {@code "rejected_reward"}: finite numbers,
 * both or neither. Empty responses are allowed here; {@link LengthPolicy} decides about them.
 */
public sealed interface PreferenceExample extends Jsonl.Writable {
  /** The chosen response's reward, or null. */
  Float chosenReward();

  /** The rejected response's reward, or null. */
  Float rejectedReward();

  /** Whether the pair has rewards. */
  default boolean hasRewards() {
    return chosenReward() != null;
  }

  /** The text form. */
  record Text(List<Message> prompt, String chosen, String rejected, Float chosenReward, Float rejectedReward)
      implements PreferenceExample {
    public Text {
      prompt = List.copyOf(Objects.requireNonNull(prompt, "prompt"));
      Objects.requireNonNull(chosen, "chosen");
      Objects.requireNonNull(rejected, "rejected");
      Fields.checkPrompt(prompt);
      for (String reply : new String[] {chosen, rejected}) {
        List<Message> full = new ArrayList<>(prompt);
        full.add(Message.assistant(reply));
        ChatTemplate.validate(full);
      }
      checkRewards(chosenReward, rejectedReward);
    }

    /** A single-turn pair without rewards. */
    public static Text of(String prompt, String chosen, String rejected) {
      return new Text(List.of(Message.user(prompt)), chosen, rejected, null, null);
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      Fields.putPrompt(o, "prompt", "system", prompt);
      o.put("chosen", chosen);
      o.put("rejected", rejected);
      putRewards(o, chosenReward, rejectedReward);
      return o;
    }
  }

  /** The token-id form. Arrays are not copied. */
  record Ids(int[] promptIds, int[] chosenIds, int[] rejectedIds, Float chosenReward, Float rejectedReward)
      implements PreferenceExample {
    public Ids {
      Objects.requireNonNull(promptIds, "promptIds");
      Objects.requireNonNull(chosenIds, "chosenIds");
      Objects.requireNonNull(rejectedIds, "rejectedIds");
      if (promptIds.length == 0) {
        throw new IllegalArgumentException("prompt_ids is empty: expected at least one token");
      }
      checkIds("prompt_ids", promptIds);
      checkIds("chosen_ids", chosenIds);
      checkIds("rejected_ids", rejectedIds);
      checkRewards(chosenReward, rejectedReward);
    }

    private static void checkIds(String name, int[] ids) {
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] < 0) {
          throw new IllegalArgumentException(name + "[" + i + "] is " + ids[i] + ", expected a token id >= 0");
        }
      }
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      o.set("prompt_ids", Fields.toJson(promptIds));
      o.set("chosen_ids", Fields.toJson(chosenIds));
      o.set("rejected_ids", Fields.toJson(rejectedIds));
      putRewards(o, chosenReward, rejectedReward);
      return o;
    }

    /** The same pair as {@link PreferenceTokens} (the arrays are shared, not copied). */
    public PreferenceTokens tokens() {
      return new PreferenceTokens(promptIds, chosenIds, rejectedIds, chosenReward, rejectedReward);
    }

    // value semantics over the arrays' contents, as PreferenceTokens has them
    @Override
    public boolean equals(Object o) {
      return o instanceof Ids x && tokens().equals(x.tokens());
    }

    @Override
    public int hashCode() {
      return tokens().hashCode();
    }

    @Override
    public String toString() {
      return "Ids" + tokens().toString().substring("PreferenceTokens".length());
    }
  }

  /** A row in either form of the interface comment; other fields are ignored. */
  static PreferenceExample parse(Jsonl.Row row) {
    boolean ids = row.json().has("prompt_ids") || row.json().has("chosen_ids") || row.json().has("rejected_ids");
    boolean text = row.json().has("prompt") || row.json().has("chosen") || row.json().has("rejected");
    if (ids && text) {
      throw row.error("mixes the text form (\"prompt\", \"chosen\", \"rejected\") and the id form"
          + " (\"prompt_ids\", \"chosen_ids\", \"rejected_ids\"): expected one");
    }
    Float chosenReward = Fields.optFiniteFloat(row, "chosen_reward");
    Float rejectedReward = Fields.optFiniteFloat(row, "rejected_reward");
    if ((chosenReward == null) != (rejectedReward == null)) {
      throw row.error("has " + (chosenReward != null ? "\"chosen_reward\" but no \"rejected_reward\""
          : "\"rejected_reward\" but no \"chosen_reward\"") + ": expected both rewards or neither");
    }
    if (ids) {
      int[] p = Fields.ids(row, "prompt_ids");
      int[] c = Fields.ids(row, "chosen_ids");
      int[] r = Fields.ids(row, "rejected_ids");
      if (p.length == 0) {
        throw row.error("field \"prompt_ids\" is empty, expected at least one token");
      }
      return new Ids(p, c, r, chosenReward, rejectedReward);
    }
    if (!text) {
      throw row.error("missing fields \"prompt\", \"chosen\", \"rejected\" (the text form)"
          + " or \"prompt_ids\", \"chosen_ids\", \"rejected_ids\" (the id form)");
    }
    List<Message> prompt = Fields.prompt(row, "prompt", "system");
    String chosen = Fields.string(row, "chosen");
    String rejected = Fields.string(row, "rejected");
    try {
      return new Text(prompt, chosen, rejected, chosenReward, rejectedReward);
    } catch (IllegalArgumentException e) {
      throw row.error(e.getMessage());
    }
  }

  private static void checkRewards(Float chosen, Float rejected) {
    if ((chosen == null) != (rejected == null)) {
      throw new IllegalArgumentException("chosen reward " + chosen + " and rejected reward " + rejected
          + ": expected both or neither");
    }
    if (chosen != null && (!Float.isFinite(chosen) || !Float.isFinite(rejected))) {
      throw new IllegalArgumentException("chosen reward " + chosen + " and rejected reward " + rejected
          + ": expected finite numbers");
    }
  }

  private static void putRewards(ObjectNode o, Float chosen, Float rejected) {
    if (chosen != null) {
      o.put("chosen_reward", chosen);
      o.put("rejected_reward", rejected);
    }
  }
}

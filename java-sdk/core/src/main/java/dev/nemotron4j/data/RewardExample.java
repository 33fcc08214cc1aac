package dev.nemotron4j.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.ChatTemplate.Message;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A HelpSteer2 reward-model example: a prompt, a response and its five attribute scores
 * ({@link #ATTRIBUTES}, in that order), each in [0, 4].
 *
 * <p>JSONL rows: {@code {"prompt", "response", "helpfulness", "correctness", "coherence",
 * "complexity", "verbosity"}}, with an optional {@code "system"}. The prompt is a string (one user
 * turn, or HelpSteer2's multi-turn form {@code "{user 1}\n<extra_id_1>Assistant\n{assistant
 * 1}\n<extra_id_1>User\n{user 2}"}) or a list of {@code {"role", "content"}} messages ending with a
 * user turn. Other fields are ignored. The arrays are not copied.
 */
public record RewardExample(List<Message> prompt, String response, float[] attributes) implements Jsonl.Writable {
  /** The HelpSteer2 attributes, in the order of {@link #attributes()}. */
  public static final List<String> ATTRIBUTES =
      List.of("helpfulness", "correctness", "coherence", "complexity", "verbosity");

  /** The range of every attribute. */
  public static final float MIN_SCORE = 0f;

  public static final float MAX_SCORE = 4f;

  public RewardExample {
    prompt = List.copyOf(Objects.requireNonNull(prompt, "prompt"));
    Objects.requireNonNull(response, "response");
    Objects.requireNonNull(attributes, "attributes");
    Fields.checkPrompt(prompt);
    List<Message> full = new ArrayList<>(prompt);
    full.add(Message.assistant(response));
    ChatTemplate.validate(full);
    if (attributes.length != ATTRIBUTES.size()) {
      throw new IllegalArgumentException("got " + attributes.length + " attributes, expected "
          + ATTRIBUTES.size() + " " + ATTRIBUTES);
    }
    for (int i = 0; i < attributes.length; i++) {
      if (!(attributes[i] >= MIN_SCORE && attributes[i] <= MAX_SCORE)) {
        throw new IllegalArgumentException(ATTRIBUTES.get(i) + " is " + attributes[i]
            + ", expected a number in [0, 4]");
      }
    }
  }

  /** A single-turn example. */
  public static RewardExample of(String prompt, String response, float... attributes) {
    return new RewardExample(List.of(Message.user(prompt)), response, attributes);
  }

  /** The score of {@code name}, one of {@link #ATTRIBUTES}. */
  public float attribute(String name) {
    int i = ATTRIBUTES.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("unknown attribute '" + name + "': expected one of " + ATTRIBUTES);
    }
    return attributes[i];
  }

  /** The whole conversation: the prompt, then the response as the assistant's reply. */
  public List<Message> conversation() {
    List<Message> full = new ArrayList<>(prompt);
    full.add(Message.assistant(response));
    return full;
  }

  /** A row as in the class comment. */
  public static RewardExample parse(Jsonl.Row row) {
    List<Message> prompt = Fields.prompt(row, "prompt", "system");
    String response = Fields.string(row, "response");
    float[] attributes = new float[ATTRIBUTES.size()];
    for (int i = 0; i < attributes.length; i++) {
      attributes[i] = Fields.number(row, ATTRIBUTES.get(i), MIN_SCORE, MAX_SCORE);
    }
    try {
      return new RewardExample(prompt, response, attributes);
    } catch (IllegalArgumentException e) {
      throw row.error(e.getMessage());
    }
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    Fields.putPrompt(o, "prompt", "system", prompt);
    o.put("response", response);
    for (int i = 0; i < attributes.length; i++) {
      o.put(ATTRIBUTES.get(i), attributes[i]);
    }
    return o;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RewardExample x && prompt.equals(x.prompt) && response.equals(x.response)
        && Arrays.equals(attributes, x.attributes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(prompt, response, Arrays.hashCode(attributes));
  }

  @Override
  public String toString() {
    return "RewardExample[prompt=" + prompt + ", response=" + response + ", attributes="
        + Arrays.toString(attributes) + "]";
  }
}

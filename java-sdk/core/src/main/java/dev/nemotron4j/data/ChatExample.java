package dev.nemotron4j.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.ChatTemplate.Message;
import dev.nemotron4j.tokenizer.ChatTemplate.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A supervised fine-tuning conversation: an optional system message, then user and assistant turns
 * that alternate (see {@link ChatTemplate#validate}), ending with an assistant reply.
 *
 * <p>JSONL rows are either {@code {"messages": [{"role": "user", "content": ...}, ...]}} or
 * {@code {"prompt": ..., "response": ...}} with an optional {@code "system"}; a string prompt is
 * one user turn, or a HelpSteer2-style multi-turn prompt ({@code "...\n<extra_id_1>Assistant\n...
 * \n<extra_id_1>User\n..."}), and it may also be a list of messages. Other fields are ignored.
 */
public record ChatExample(List<Message> messages) implements Jsonl.Writable {
  public ChatExample {
    messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
    ChatTemplate.validate(messages);
    if (messages.isEmpty() || messages.get(messages.size() - 1).role() != Role.ASSISTANT) {
      throw new IllegalArgumentException("a training conversation must end with an assistant reply, got "
          + (messages.isEmpty() ? "no messages"
              : "a last message from the " + messages.get(messages.size() - 1).role().name().toLowerCase(Locale.ROOT)));
    }
  }

  /** A single exchange: {@code user} asks, the assistant answers {@code assistant}. */
  public static ChatExample of(String user, String assistant) {
    return new ChatExample(List.of(Message.user(user), Message.assistant(assistant)));
  }

  /** A row in either form of the class comment. */
  public static ChatExample parse(Jsonl.Row row) {
    boolean hasMessages = row.json().has("messages");
    boolean hasPair = row.json().has("prompt") || row.json().has("response");
    List<Message> conv;
    if (hasMessages && hasPair) {
      throw row.error("has both \"messages\" and \"prompt\"/\"response\": expected one form");
    } else if (hasMessages) {
      if (Fields.has(row, "system")) {
        throw row.error("field \"system\" is given with \"messages\": expected the system message inside the list");
      }
      conv = Fields.messages(row, "messages");
    } else if (hasPair) {
      conv = new ArrayList<>(Fields.prompt(row, "prompt", "system"));
      conv.add(Message.assistant(Fields.string(row, "response")));
    } else {
      throw row.error("missing field \"messages\" (expected a list of {\"role\", \"content\"} objects),"
          + " or \"prompt\" and \"response\"");
    }
    try {
      return new ChatExample(conv);
    } catch (IllegalArgumentException e) {
      throw row.error((hasMessages ? "field \"messages\": " : "") + e.getMessage());
    }
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.set("messages", Fields.toJson(messages));
    return o;
  }
}

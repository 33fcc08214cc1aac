package dev.nemotron4j.sdg.backend;

import dev.nemotron4j.tokenizer.ChatTemplate;
import java.util.List;
import java.util.Locale;

/** Checks of a {@link ChatBackend#complete} request shared by the backends. */
final class Conversations {
  private Conversations() {}

  /** Each conversation is non-empty, has no null message and ends with a user message. */
  static void check(List<List<ChatTemplate.Message>> conversations) {
    if (conversations == null) {
      throw new IllegalArgumentException("conversations must be a list, got null");
    }
    for (int i = 0; i < conversations.size(); i++) {
      List<ChatTemplate.Message> c = conversations.get(i);
      if (c == null || c.isEmpty()) {
        throw new IllegalArgumentException("conversation " + i + " is " + (c == null ? "null" : "empty")
            + ": expected messages ending with a user turn");
      }
      for (int j = 0; j < c.size(); j++) {
        if (c.get(j) == null) {
          throw new IllegalArgumentException("conversation " + i + " has a null message " + j);
        }
      }
      ChatTemplate.Role last = c.get(c.size() - 1).role();
      if (last != ChatTemplate.Role.USER) {
        throw new IllegalArgumentException("conversation " + i + " ends with a " + last.name().toLowerCase(Locale.ROOT)
            + " message: expected a user turn to complete");
      }
    }
  }
}

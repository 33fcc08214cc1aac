package dev.nemotron4j.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The Nemotron-4 chat format. A conversation is an optional system message followed by turns that
 * alternate user, assistant, user, ... and is rendered as
 *
 * <pre>
 * &lt;extra_id_0&gt;System\n{system}\n
 * &lt;extra_id_1&gt;User\n{user}\n
 * &lt;extra_id_1&gt;Assistant\n{reply}\n
 * ...
 * </pre>
 *
 * (the system block is always there, with empty text when the conversation has no system message).
 * A generation prompt ends with {@code <extra_id_1>Assistant\n}, and generation stops when the
 * model emits {@code <extra_id_1>} ({@link #stopId()}).
 *
 * <p><b>Tokenization.</b> Markers become their single user-defined piece ids; the text between two
 * markers is encoded segment by segment with {@link SentencePieceModel}'s segment mode (no dummy
 * prefix, leading and trailing whitespace kept), so no token straddles a segment boundary and the
 * loss mask is exact: each header ({@code "System\n"}, {@code "User\n"}, {@code "Assistant\n"})
 * and each message body ({@code content + "\n"}) is a segment of its own. No BOS is added.
 *
 * <p><b>Loss mask</b> ({@link Encoded#lossMask()}, for supervised fine-tuning on assistant tokens
 * only) is 1 on exactly the tokens the model must learn to produce: the tokens of each assistant
 * reply including its trailing {@code "\n"}, and the {@code <extra_id_1>} that follows the reply
 * (the stop marker). When the conversation ends with an assistant reply, {@link #encode} appends
 * that stop marker, so {@code ids} are the tokens of {@code render(conversation) + "<extra_id_1>"};
 * otherwise they are those of {@code render(conversation)}. Everything else (the system block, user
 * turns, the {@code <extra_id_1>Assistant\n} headers) is 0. The mask marks targets: the loss at
 * position {@code t} predicts token {@code t + 1}, so a trainer applies {@code lossMask[t + 1]}.
 *
 * <p>Message text must not contain the markers {@code <extra_id_0>} or {@code <extra_id_1>}: they
 * would forge turns, so they are rejected.
 */
public final class ChatTemplate {
  public static final String SYSTEM_MARKER = "<extra_id_0>";
  public static final String TURN_MARKER = "<extra_id_1>";

  /** The roles of a conversation. */
  public enum Role {
    SYSTEM("System"),
    USER("User"),
    ASSISTANT("Assistant");

    private final String header;

    Role(String header) {
      this.header = header;
    }

    /** The name in the rendered text: {@code System}, {@code User} or {@code Assistant}. */
    public String header() {
      return header;
    }

    /** The role named {@code name} ({@code system}, {@code user}, {@code assistant}; any case). */
    public static Role parse(String name) {
      Objects.requireNonNull(name, "role name");
      for (Role r : values()) {
        if (r.name().equalsIgnoreCase(name.strip())) {
          return r;
        }
      }
      throw new IllegalArgumentException("unknown role '" + name + "': expected one of system, user, assistant");
    }
  }

  /** One message. */
  public record Message(Role role, String content) {
    public Message {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(content, "content");
    }

    public static Message of(String role, String content) {
      return new Message(Role.parse(role), content);
    }

    public static Message system(String content) {
      return new Message(Role.SYSTEM, content);
    }

    public static Message user(String content) {
      return new Message(Role.USER, content);
    }

    public static Message assistant(String content) {
      return new Message(Role.ASSISTANT, content);
    }
  }

  /** Token ids and, per token, 1 where the token is a training target (an assistant's), else 0. */
  public record Encoded(int[] ids, int[] lossMask) {
    public int length() {
      return ids.length;
    }
  }

  private final SentencePieceModel model;
  private final int systemId;
  private final int turnId;

  /** A template over {@code model}, which must have the markers as single pieces. */
  public ChatTemplate(SentencePieceModel model) {
    this.model = Objects.requireNonNull(model, "model");
    this.systemId = markerId(model, SYSTEM_MARKER);
    this.turnId = markerId(model, TURN_MARKER);
  }

  private static int markerId(SentencePieceModel model, String marker) {
    if (!model.hasPiece(marker)) {
      throw new IllegalArgumentException("the tokenizer has no piece " + marker
          + ": expected the Nemotron-4 chat markers as user-defined symbols");
    }
    int id = model.pieceToId(marker);
    int[] encoded = model.encodeSegment(marker);
    if (encoded.length != 1 || encoded[0] != id) {
      throw new IllegalArgumentException("the tokenizer splits " + marker + " into " + encoded.length
          + " tokens: expected it as one user-defined piece (id " + id + ", type " + model.pieceType(id) + ")");
    }
    return id;
  }

  /** The id of {@code <extra_id_1>}: generation stops when the model emits it. */
  public int stopId() {
    return turnId;
  }

  /** The id of {@code <extra_id_0>}. */
  public int systemMarkerId() {
    return systemId;
  }

  /**
   * Checks that {@code conversation} is an optional system message followed by user and assistant
   * turns that alternate, starting with the user, and that no text contains a marker.
   */
  public static void validate(List<Message> conversation) {
    Objects.requireNonNull(conversation, "conversation");
    Role expected = Role.USER;
    for (int i = 0; i < conversation.size(); i++) {
      Message m = conversation.get(i);
      if (m == null) {
        throw new IllegalArgumentException("message " + i + " is null");
      }
      for (String marker : new String[] {SYSTEM_MARKER, TURN_MARKER}) {
        if (m.content().contains(marker)) {
          throw new IllegalArgumentException("message " + i + " (" + m.role().name().toLowerCase(Locale.ROOT)
              + ") contains the chat marker " + marker + ", which would forge a turn");
        }
      }
      if (m.role() == Role.SYSTEM) {
        if (i != 0) {
          throw new IllegalArgumentException("message " + i + " is a system message: only the first message may be");
        }
        continue;
      }
      if (m.role() != expected) {
        throw new IllegalArgumentException("message " + i + " is from the " + m.role().name().toLowerCase(Locale.ROOT)
            + ", expected the " + expected.name().toLowerCase(Locale.ROOT)
            + " (turns alternate user, assistant, user, ... after an optional system message)");
      }
      expected = expected == Role.USER ? Role.ASSISTANT : Role.USER;
    }
  }

  private static void validatePrompt(List<Message> conversation) {
    validate(conversation);
    if (conversation.isEmpty() || conversation.get(conversation.size() - 1).role() != Role.USER) {
      throw new IllegalArgumentException("a generation prompt must end with a user message, got "
          + (conversation.isEmpty() ? "an empty conversation"
              : "a last message from the " + conversation.get(conversation.size() - 1).role().name()
                  .toLowerCase(Locale.ROOT)));
    }
  }

  private static String systemText(List<Message> conversation) {
    return !conversation.isEmpty() && conversation.get(0).role() == Role.SYSTEM ? conversation.get(0).content() : "";
  }

  /** The conversation as text. */
  public static String render(List<Message> conversation) {
    validate(conversation);
    StringBuilder sb = new StringBuilder();
    sb.append(SYSTEM_MARKER).append(Role.SYSTEM.header()).append('\n').append(systemText(conversation)).append('\n');
    for (Message m : conversation) {
      if (m.role() != Role.SYSTEM) {
        sb.append(TURN_MARKER).append(m.role().header()).append('\n').append(m.content()).append('\n');
      }
    }
    return sb.toString();
  }

  /** The conversation (ending with a user message) as a generation prompt: it ends with {@code <extra_id_1>Assistant\n}. */
  public static String renderPrompt(List<Message> conversation) {
    validatePrompt(conversation);
    return render(conversation) + TURN_MARKER + Role.ASSISTANT.header() + "\n";
  }

  /** The ids and loss mask of a conversation, for training (see the class comment). */
  public Encoded encode(List<Message> conversation) {
    validate(conversation);
    Builder b = new Builder();
    b.add(systemId, 0);
    b.add(model.encodeSegment(Role.SYSTEM.header() + "\n"), 0);
    b.add(model.encodeSegment(systemText(conversation) + "\n"), 0);
    boolean afterReply = false;
    for (Message m : conversation) {
      if (m.role() == Role.SYSTEM) {
        continue;
      }
      b.add(turnId, afterReply ? 1 : 0);
      b.add(model.encodeSegment(m.role().header() + "\n"), 0);
      afterReply = m.role() == Role.ASSISTANT;
      b.add(model.encodeSegment(m.content() + "\n"), afterReply ? 1 : 0);
    }
    if (afterReply) {
      b.add(turnId, 1);
    }
    return b.build();
  }

  /** The ids of a generation prompt: the conversation (ending with a user message), then {@code <extra_id_1>Assistant\n}. */
  public int[] encodePrompt(List<Message> conversation) {
    validatePrompt(conversation);
    Encoded e = encode(conversation);
    Builder b = new Builder();
    b.add(e.ids(), 0);
    b.add(turnId, 0);
    b.add(model.encodeSegment(Role.ASSISTANT.header() + "\n"), 0);
    return b.build().ids();
  }

  private static final class Builder {
    private int[] ids = new int[64];
    private int[] mask = new int[64];
    private int n;

    void add(int id, int m) {
      if (n == ids.length) {
        ids = Arrays.copyOf(ids, 2 * n);
        mask = Arrays.copyOf(mask, 2 * n);
      }
      ids[n] = id;
      mask[n] = m;
      n++;
    }

    void add(int[] segment, int m) {
      for (int id : segment) {
        add(id, m);
      }
    }

    Encoded build() {
      return new Encoded(Arrays.copyOf(ids, n), Arrays.copyOf(mask, n));
    }
  }
}

package dev.nemotron4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.ChatTemplate.Message;
import dev.nemotron4j.tokenizer.ChatTemplate.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Field access for the record parsers: every error names the row, the field and what was expected. */
final class Fields {
  private Fields() {}

  /** A short description of a JSON value for error messages: its type and, when short, its value. */
  static String describe(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return "null";
    }
    if (n.isTextual()) {
      String s = n.textValue();
      return "a string (" + Jsonl.MAPPER.valueToTree(s.length() > 40 ? s.substring(0, 40) + "..." : s) + ")";
    }
    if (n.isNumber()) {
      return "the number " + n.asText();
    }
    if (n.isBoolean()) {
      return "a boolean (" + n.asText() + ")";
    }
    if (n.isArray()) {
      return "an array";
    }
    return "an object";
  }

  static String quote(String field) {
    return "\"" + field + "\"";
  }

  /** Whether the row has {@code field} with a non-null value. */
  static boolean has(Jsonl.Row row, String field) {
    JsonNode n = row.json().get(field);
    return n != null && !n.isNull();
  }

  private static JsonNode require(Jsonl.Row row, String field, String expected) {
    JsonNode n = row.json().get(field);
    if (n == null) {
      throw row.error("missing field " + quote(field) + " (expected " + expected + ")");
    }
    return n;
  }

  static String string(Jsonl.Row row, String field) {
    JsonNode n = require(row, field, "a string");
    if (!n.isTextual()) {
      throw row.error("field " + quote(field) + " is " + describe(n) + ", expected a string");
    }
    return n.textValue();
  }

  /** The string in {@code field}, or null when it is absent or null. */
  static String optString(Jsonl.Row row, String field) {
    return has(row, field) ? string(row, field) : null;
  }

  /** A finite number in {@code [lo, hi]}. */
  static float number(Jsonl.Row row, String field, float lo, float hi) {
    String expected = "a number in [" + fmt(lo) + ", " + fmt(hi) + "]";
    JsonNode n = require(row, field, expected);
    if (!n.isNumber()) {
      throw row.error("field " + quote(field) + " is " + describe(n) + ", expected " + expected);
    }
    double v = n.doubleValue();
    if (!(v >= lo && v <= hi)) {
      throw row.error("field " + quote(field) + " is " + n.asText() + ", expected " + expected);
    }
    return (float) v;
  }

  private static String fmt(float v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Float.toString(v);
  }

  /** The finite number in {@code field} as a float, or null when it is absent or null. */
  static Float optFiniteFloat(Jsonl.Row row, String field) {
    if (!has(row, field)) {
      return null;
    }
    JsonNode n = row.json().get(field);
    if (!n.isNumber()) {
      throw row.error("field " + quote(field) + " is " + describe(n) + ", expected a finite number");
    }
    float v = (float) n.doubleValue();
    if (!Float.isFinite(v)) {
      throw row.error("field " + quote(field) + " is " + n.asText() + ", expected a finite number (as a float)");
    }
    return v;
  }

  /** A list of token ids: integers in {@code [0, 2^31 - 1]}. */
  static int[] ids(Jsonl.Row row, String field) {
    String expected = "a list of token ids (integers >= 0)";
    JsonNode n = require(row, field, expected);
    if (!n.isArray()) {
      throw row.error("field " + quote(field) + " is " + describe(n) + ", expected " + expected);
    }
    int[] out = new int[n.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode e = n.get(i);
      if (!e.isIntegralNumber() || !e.canConvertToInt() || e.intValue() < 0) {
        throw row.error("field " + quote(field) + "[" + i + "] is " + describe(e)
            + ", expected a token id (an integer from 0 to " + Integer.MAX_VALUE + ")");
      }
      out[i] = e.intValue();
    }
    return out;
  }

  /** A list of {@code {"role": ..., "content": ...}} objects. */
  static List<Message> messages(Jsonl.Row row, String field) {
    String expected = "a list of {\"role\", \"content\"} objects";
    JsonNode n = require(row, field, expected);
    return messages(row, field, n, expected);
  }

  private static List<Message> messages(Jsonl.Row row, String field, JsonNode n, String expected) {
    if (!n.isArray()) {
      throw row.error("field " + quote(field) + " is " + describe(n) + ", expected " + expected);
    }
    List<Message> out = new ArrayList<>(n.size());
    for (int i = 0; i < n.size(); i++) {
      String at = field + "[" + i + "]";
      JsonNode m = n.get(i);
      if (!m.isObject()) {
        throw row.error("field " + quote(at) + " is " + describe(m) + ", expected a {\"role\", \"content\"} object");
      }
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role == null || !role.isTextual()) {
        throw row.error("field " + quote(at + ".role") + " is "
            + (role == null ? "missing" : describe(role)) + ", expected one of system, user, assistant");
      }
      if (content == null || !content.isTextual()) {
        throw row.error("field " + quote(at + ".content") + " is "
            + (content == null ? "missing" : describe(content)) + ", expected a string");
      }
      Role r;
      try {
        r = Role.parse(role.textValue());
      } catch (IllegalArgumentException e) {
        throw row.error("field " + quote(at + ".role") + " is " + describe(role)
            + ", expected one of system, user, assistant");
      }
      out.add(new Message(r, content.textValue()));
    }
    return out;
  }

  /**
   * A prompt: {@code field} is either a string (one user turn, or a HelpSteer2-style multi-turn
   * prompt, see {@link #splitTurns}), with an optional system message in {@code systemField}, or a
   * list of messages. The result is a valid conversation prefix that ends with a user turn.
   */
  static List<Message> prompt(Jsonl.Row row, String field, String systemField) {
    String expected = "a string or a list of {\"role\", \"content\"} messages ending with a user turn";
    JsonNode n = require(row, field, expected);
    List<Message> conv;
    if (n.isTextual()) {
      conv = new ArrayList<>();
      String system = optString(row, systemField);
      if (system != null) {
        conv.add(Message.system(system));
      }
      try {
        conv.addAll(splitTurns(n.textValue()));
      } catch (IllegalArgumentException e) {
        throw row.error("field " + quote(field) + ": " + e.getMessage());
      }
    } else if (n.isArray()) {
      if (has(row, systemField)) {
        throw row.error("field " + quote(systemField) + " is given with a list of messages in " + quote(field)
            + ": expected the system message inside the list");
      }
      conv = messages(row, field, n, expected);
    } else {
      throw row.error("field " + quote(field) + " is " + describe(n) + ", expected " + expected);
    }
    try {
      checkPrompt(conv);
    } catch (IllegalArgumentException e) {
      throw row.error("field " + quote(field) + ": " + e.getMessage());
    }
    return conv;
  }

  /** Checks that {@code conv} is a valid conversation that ends with a user turn. */
  static void checkPrompt(List<Message> conv) {
    ChatTemplate.validate(conv);
    if (conv.isEmpty() || conv.get(conv.size() - 1).role() != Role.USER) {
      throw new IllegalArgumentException("expected a conversation that ends with a user turn, got "
          + (conv.isEmpty() ? "no messages"
              : "a last message from the " + conv.get(conv.size() - 1).role().name().toLowerCase(Locale.ROOT)));
    }
  }

  /**
   * A prompt string as turns. Plain text is one user turn. HelpSteer2 writes a multi-turn prompt
   * as {@code "{user 1}\n<extra_id_1>Assistant\n{assistant 1}\n<extra_id_1>User\n{user 2}"}: it is
   * split at each {@code <extra_id_1>}, whose text must begin with {@code "User\n"} or
   * {@code "Assistant\n"}; the {@code "\n"} before each marker ends the previous turn.
   */
  static List<Message> splitTurns(String prompt) {
    String marker = ChatTemplate.TURN_MARKER;
    List<Message> out = new ArrayList<>();
    int at = prompt.indexOf(marker);
    if (at < 0) {
      out.add(Message.user(prompt));
      return out;
    }
    out.add(Message.user(stripTurnEnd(prompt.substring(0, at))));
    while (at >= 0) {
      int start = at + marker.length();
      int end = prompt.indexOf(marker, start);
      String seg = end < 0 ? prompt.substring(start) : stripTurnEnd(prompt.substring(start, end));
      Role role;
      String header;
      if (seg.startsWith(Role.USER.header() + "\n")) {
        role = Role.USER;
      } else if (seg.startsWith(Role.ASSISTANT.header() + "\n")) {
        role = Role.ASSISTANT;
      } else {
        throw new IllegalArgumentException("turn " + out.size() + " after " + marker + " starts with "
            + Jsonl.MAPPER.valueToTree(seg.length() > 20 ? seg.substring(0, 20) + "..." : seg)
            + ", expected \"User\\n\" or \"Assistant\\n\" (HelpSteer2 multi-turn format)");
      }
      header = role.header() + "\n";
      out.add(new Message(role, seg.substring(header.length())));
      at = end;
    }
    return out;
  }

  private static String stripTurnEnd(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }

  /** Messages as JSON: {@code [{"role": "user", "content": ...}, ...]}. */
  static ArrayNode toJson(List<Message> messages) {
    ArrayNode a = Jsonl.MAPPER.createArrayNode();
    for (Message m : messages) {
      ObjectNode o = a.addObject();
      o.put("role", m.role().name().toLowerCase(Locale.ROOT));
      o.put("content", m.content());
    }
    return a;
  }

  /**
   * Writes a prompt: a single user turn (with an optional system message) as a string in
   * {@code field} (and {@code systemField}), anything else as a list of messages.
   */
  static void putPrompt(ObjectNode o, String field, String systemField, List<Message> prompt) {
    boolean sys = prompt.get(0).role() == Role.SYSTEM;
    if (prompt.size() == (sys ? 2 : 1)) {
      if (sys) {
        o.put(systemField, prompt.get(0).content());
      }
      o.put(field, prompt.get(prompt.size() - 1).content());
    } else {
      o.set(field, toJson(prompt));
    }
  }

  static ArrayNode toJson(int[] ids) {
    ArrayNode a = Jsonl.MAPPER.createArrayNode();
    for (int id : ids) {
      a.add(id);
    }
    return a;
  }
}

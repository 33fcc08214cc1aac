package dev.nemotron4j.sdg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.tokenizer.ChatTemplate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The JSON shape of SDG records and their helpers. */
public final class SdgRecords {
  private SdgRecords() {}

  static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** A stable id from the parts that make a record unique. */
  public static String id(String... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String p : parts) {
        md.update(p.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
      }
      return HexFormat.of().formatHex(md.digest(), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Provenance: which stage, generator model, template and seed produced a record. */
  public static ObjectNode provenance(String stage, String generator, String template, long seed) {
    ObjectNode p = F.objectNode();
    p.put("stage", stage);
    p.put("generator", generator);
    p.put("template", template);
    p.put("seed", seed);
    return p;
  }

  /** A prompt record for a one-turn prompt. */
  public static ObjectNode prompt(String id, String text, String category, ObjectNode provenance) {
    ObjectNode o = F.objectNode();
    o.put("id", id);
    ArrayNode msgs = o.putArray("messages");
    msgs.addObject().put("role", "user").put("content", text);
    o.put("category", category);
    o.set("provenance", provenance);
    return o;
  }

  /** The conversation of a prompt record (ends with a user turn). */
  public static List<ChatTemplate.Message> messages(JsonNode record) {
    List<ChatTemplate.Message> out = new ArrayList<>();
    for (JsonNode m : record.get("messages")) {
      out.add(ChatTemplate.Message.of(m.get("role").asText(), m.get("content").asText()));
    }
    return out;
  }

  public static ArrayNode toJson(List<ChatTemplate.Message> conversation) {
    ArrayNode a = F.arrayNode();
    for (ChatTemplate.Message m : conversation) {
      a.addObject().put("role", m.role().name().toLowerCase(java.util.Locale.ROOT)).put("content", m.content());
    }
    return a;
  }

  /** The last user message of a prompt record. */
  public static String lastUser(JsonNode record) {
    List<ChatTemplate.Message> m = messages(record);
    return m.get(m.size() - 1).content();
  }

  /** The text of a record's conversation: its messages' contents, one per line (for deduplication). */
  public static String text(JsonNode record) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode m : record.get("messages")) {
      sb.append(m.get("content").asText()).append('\n');
    }
    return sb.toString();
  }

  /** Splits a list reply ("1. a", "- b", "c") into items. */
  public static List<String> listItems(String reply) {
    List<String> out = new ArrayList<>();
    for (String line : reply.split("\n")) {
      String s = line.strip().replaceFirst("^([-*•]|\\d+[.)])\\s*", "").strip();
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }
}

package dev.nemotron4j.sdg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns scored responses into training data: the best response per prompt for SFT, and
 * chosen/rejected pairs with a margin for preference optimization. A response's quality is a
 * weighted sum of its judges' scores (a judge without an opinion adds nothing); quality filters
 * drop empty, malformed (chat markers inside), over-long and degenerate responses first.
 */
public final class Selection {
  /**
   * @param weights judge name -> weight in the quality
   * @param requireCorrect SFT responses and chosen responses must be correct by the ground-truth
   *     judge (where it knows)
   * @param requireInstructions SFT responses and chosen responses must follow every instruction
   * @param margin least quality gap between chosen and rejected
   * @param maxChars responses longer than this are dropped
   */
  public record Policy(Map<String, Double> weights, boolean requireCorrect, boolean requireInstructions, double margin,
      int maxChars) {}

  /** Counters of what was dropped and why. */
  public static final class Stats {
    public int empty;
    public int malformed;
    public int tooLong;
    public int degenerate;
    public int noCandidate;
    public int noMargin;
    public int kept;

    public ObjectNode toJson() {
      ObjectNode o = SdgRecords.F.objectNode();
      o.put("empty", empty).put("malformed", malformed).put("too_long", tooLong).put("degenerate", degenerate).put("no_candidate", noCandidate)
          .put("no_margin", noMargin).put("kept", kept);
      return o;
    }
  }

  private Selection() {}

  public static double quality(JsonNode response, Map<String, Double> weights) {
    double q = 0;
    JsonNode s = response.get("scores");
    for (Map.Entry<String, Double> w : weights.entrySet()) {
      JsonNode v = s.get(w.getKey());
      if (v != null && !v.isNull()) {
        q += w.getValue() * v.asDouble();
      }
    }
    return q;
  }

  static boolean degenerate(String r) {
    String[] w = r.strip().split("\\s+");
    if (w.length < 8) {
      return false;
    }
    java.util.Set<String> grams = new java.util.HashSet<>();
    int n = 0;
    for (int i = 0; i + 4 <= w.length; i++, n++) {
      grams.add(String.join(" ", java.util.Arrays.copyOfRange(w, i, i + 4)));
    }
    return grams.size() < 0.5 * n; // mostly repeated 4-grams
  }

  private static Map<String, List<JsonNode>> byPrompt(List<ObjectNode> responses, Policy p, Stats st) {
    Map<String, List<JsonNode>> out = new LinkedHashMap<>();
    for (ObjectNode r : responses) {
      String text = r.get("response").asText();
      if (text.isBlank()) {
        st.empty++;
        continue;
      }
      if (Judges.malformed(text)) {
        st.malformed++;
        continue;
      }
      if (text.length() > p.maxChars()) {
        st.tooLong++;
        continue;
      }
      if (degenerate(text)) {
        st.degenerate++;
        continue;
      }
      out.computeIfAbsent(r.get("prompt_id").asText(), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  private static boolean acceptable(JsonNode r, Policy p) {
    JsonNode gt = r.get("scores").get("ground_truth"), ins = r.get("scores").get("instructions");
    if (p.requireCorrect() && gt != null && !gt.isNull() && gt.asDouble() < 1) {
      return false;
    }
    return !(p.requireInstructions() && ins != null && !ins.isNull() && ins.asDouble() < 1);
  }

  /** SFT records {@code {"id", "messages": [... prompt ..., assistant reply], "quality", "provenance"}}. */
  public static List<ObjectNode> sft(List<ObjectNode> prompts, List<ObjectNode> responses, Policy p, Stats st) {
    Map<String, List<JsonNode>> groups = byPrompt(responses, p, st);
    List<ObjectNode> out = new ArrayList<>();
    for (ObjectNode prompt : prompts) {
      JsonNode best = null;
      double bq = Double.NEGATIVE_INFINITY;
      for (JsonNode r : groups.getOrDefault(prompt.get("id").asText(), List.of())) {
        double q = quality(r, p.weights());
        if (acceptable(r, p) && q > bq) {
          bq = q;
          best = r;
        }
      }
      if (best == null) {
        st.noCandidate++;
        continue;
      }
      ObjectNode o = SdgRecords.F.objectNode();
      o.put("id", SdgRecords.id("sft", best.get("id").asText()));
      ArrayNode m = ((ArrayNode) prompt.get("messages")).deepCopy();
      m.addObject().put("role", "assistant").put("content", best.get("response").asText());
      o.set("messages", m);
      o.put("quality", bq);
      o.put("prompt_id", prompt.get("id").asText());
      o.set("provenance", best.get("provenance"));
      out.add(o);
      st.kept++;
    }
    return out;
  }

  /**
   * Preference records {@code {"id", "prompt": [messages], "chosen", "rejected", "chosen_reward",
   * "rejected_reward"}}: per prompt the best acceptable response (see the policy's requirements)
   * and the worst response, kept when the quality gap is at least the margin (rewards are the
   * qualities).
   */
  public static List<ObjectNode> preferences(List<ObjectNode> prompts, List<ObjectNode> responses, Policy p, Stats st) {
    Map<String, List<JsonNode>> groups = byPrompt(responses, p, st);
    List<ObjectNode> out = new ArrayList<>();
    for (ObjectNode prompt : prompts) {
      List<JsonNode> rs = groups.getOrDefault(prompt.get("id").asText(), List.of());
      if (rs.size() < 2) {
        st.noCandidate++;
        continue;
      }
      JsonNode best = null, worst = null;
      double bq = Double.NEGATIVE_INFINITY, wq = Double.POSITIVE_INFINITY;
      for (JsonNode r : rs) {
        double q = quality(r, p.weights());
        if (q > bq && acceptable(r, p)) {
          bq = q;
          best = r;
        }
        if (q < wq) {
          wq = q;
          worst = r;
        }
      }
      if (best == null) {
        st.noCandidate++;
        continue;
      }
      if (best == worst || bq - wq < p.margin() || best.get("response").asText().equals(worst.get("response").asText())) {
        st.noMargin++;
        continue;
      }
      ObjectNode o = SdgRecords.F.objectNode();
      o.put("id", SdgRecords.id("pref", best.get("id").asText(), worst.get("id").asText()));
      o.set("prompt", prompt.get("messages").deepCopy());
      o.put("chosen", best.get("response").asText());
      o.put("rejected", worst.get("response").asText());
      o.put("chosen_reward", bq);
      o.put("rejected_reward", wq);
      o.put("prompt_id", prompt.get("id").asText());
      o.set("provenance", best.get("provenance"));
      out.add(o);
      st.kept++;
    }
    return out;
  }
}

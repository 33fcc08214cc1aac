package dev.nemotron4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A JSON config object read strictly: every key must be read by the code that parses it, and
 * {@link #finish()} rejects the keys left over (a typo is an error, not a silent default).
 * Errors name the key's path.
 */
public final class ConfigNode {
  private final ObjectNode node;
  private final String path;
  private final Set<String> used = new LinkedHashSet<>();

  public ConfigNode(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(path + " must be a JSON object");
    }
    this.node = (ObjectNode) node;
    this.path = path;
  }

  /** Parses a JSON config file. */
  public static ConfigNode read(Path file) {
    try {
      return new ConfigNode(new ObjectMapper().readTree(Files.readString(file)), file.getFileName().toString());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage(), e);
    }
  }

  public String path() {
    return path;
  }

  public boolean has(String key) {
    return node.has(key) && !node.get(key).isNull();
  }

  private JsonNode get(String key) {
    used.add(key);
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  private IllegalArgumentException bad(String key, String expected, JsonNode v) {
    return new IllegalArgumentException(path + "." + key + " must be " + expected + ", got " + v);
  }

  public String str(String key, String dflt) {
    JsonNode v = get(key);
    if (v == null) {
      return dflt;
    }
    if (!v.isTextual()) {
      throw bad(key, "a string", v);
    }
    return v.asText();
  }

  public String requireStr(String key) {
    String s = str(key, null);
    if (s == null) {
      throw new IllegalArgumentException(path + " has no '" + key + "'");
    }
    return s;
  }

  public long integer(String key, long dflt) {
    JsonNode v = get(key);
    if (v == null) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw bad(key, "an integer", v);
    }
    return v.asLong();
  }

  public int positiveInt(String key, int dflt) {
    long v = integer(key, dflt);
    if (v < 1 || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(path + "." + key + " must be a positive integer, got " + v);
    }
    return (int) v;
  }

  public double number(String key, double dflt) {
    JsonNode v = get(key);
    if (v == null) {
      return dflt;
    }
    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
      throw bad(key, "a finite number", v);
    }
    return v.asDouble();
  }

  public boolean bool(String key, boolean dflt) {
    JsonNode v = get(key);
    if (v == null) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw bad(key, "true or false", v);
    }
    return v.asBoolean();
  }

  /** A nested object, or null when absent. */
  public ConfigNode obj(String key) {
    JsonNode v = get(key);
    return v == null ? null : new ConfigNode(v, path + "." + key);
  }

  /** A list of nested objects (empty when absent). */
  public List<ConfigNode> objects(String key) {
    JsonNode v = get(key);
    List<ConfigNode> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!v.isArray()) {
      throw bad(key, "a list", v);
    }
    for (int i = 0; i < v.size(); i++) {
      out.add(new ConfigNode(v.get(i), path + "." + key + "[" + i + "]"));
    }
    return out;
  }

  /** The raw value (marked as read). */
  public JsonNode raw(String key) {
    return get(key);
  }

  /** Rejects keys nobody read. */
  public void finish() {
    List<String> unknown = new ArrayList<>();
    Iterator<String> it = node.fieldNames();
    while (it.hasNext()) {
      String k = it.next();
      if (!used.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(path + " has unknown key(s) " + unknown + "; known here: " + used);
    }
  }
}

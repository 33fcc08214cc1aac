package dev.nemotron4j.sdg.checkers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads one instruction's kwargs with validation. Keys whose value is JSON null count as absent
 * (IFEval's published data lists every key of every kind, mostly null). Every error is an
 * {@link IllegalArgumentException} naming the instruction id, the key, the bad value and what was
 * expected.
 */
final class Kwargs {
  private final String id;
  private final JsonNode node;
  private final Set<String> expected = new LinkedHashSet<>();

  private Kwargs(String id, JsonNode node) {
    this.id = id;
    this.node = node;
  }

  static Kwargs of(String id, JsonNode kwargs) {
    if (kwargs != null && !kwargs.isNull() && !kwargs.isMissingNode() && !kwargs.isObject()) {
      throw new IllegalArgumentException(
          "instruction '" + id + "': kwargs must be a JSON object, got " + kwargs);
    }
    return new Kwargs(id, kwargs != null && kwargs.isObject() ? kwargs : null);
  }

  private JsonNode get(String key) {
    expected.add(key);
    JsonNode v = node == null ? null : node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  private JsonNode required(String key, String what) {
    JsonNode v = get(key);
    if (v == null) {
      throw new IllegalArgumentException(
          "instruction '" + id + "' is missing kwarg '" + key + "' (" + what + ")");
    }
    return v;
  }

  private IllegalArgumentException bad(String key, String what, JsonNode got) {
    return new IllegalArgumentException(
        "instruction '" + id + "': kwarg '" + key + "' must be " + what + ", got " + got);
  }

  /** A required integer in [{@code min}, {@code max}]. */
  int integer(String key, int min, int max) {
    String what = max == Integer.MAX_VALUE
        ? "an integer >= " + min
        : "an integer in [" + min + ", " + max + "]";
    JsonNode v = required(key, what);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
      throw bad(key, what, v);
    }
    return v.intValue();
  }

  int integer(String key, int min) {
    return integer(key, min, Integer.MAX_VALUE);
  }

  /** A required string that is not blank, returned as given. */
  String text(String key) {
    String what = "a non-blank string";
    JsonNode v = required(key, what);
    if (!v.isTextual() || Text.strip(v.textValue()).isEmpty()) {
      throw bad(key, what, v);
    }
    return v.textValue();
  }

  /** A required non-empty array of non-blank strings. */
  List<String> texts(String key) {
    String what = "a non-empty array of non-blank strings";
    JsonNode v = required(key, what);
    if (!v.isArray() || v.isEmpty()) {
      throw bad(key, what, v);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual() || Text.strip(e.textValue()).isEmpty()) {
        throw bad(key, what, v);
      }
      out.add(e.textValue());
    }
    return out;
  }

  /** A required relation: "less than" or "at least". */
  Relation relation(String key) {
    String what = "\"less than\" or \"at least\"";
    JsonNode v = required(key, what);
    Relation r = v.isTextual() ? Relation.of(v.textValue()) : null;
    if (r == null) {
      throw bad(key, what, v);
    }
    return r;
  }

  /** Fails when kwargs holds a non-null key this instruction does not take. */
  void done() {
    if (node == null) {
      return;
    }
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!expected.contains(key) && !node.get(key).isNull()) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("instruction '" + id + "' does not take kwarg(s) " + unknown
          + "; expected " + (expected.isEmpty() ? "no kwargs" : "only " + expected));
    }
  }
}

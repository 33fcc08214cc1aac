package dev.nemotron4j.sdg.checkers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Test helper: instructions from an id and kwargs written as JSON text. */
final class Make {
  private Make() {}

  static final ObjectMapper MAPPER = new ObjectMapper();

  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  static Instruction of(String id, String kwargs) {
    return Instructions.create(id, json(kwargs));
  }

  static Instruction of(String id) {
    return Instructions.create(id);
  }
}

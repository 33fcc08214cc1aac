package dev.nemotron4j.sdg;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.sdg.checkers.Instruction;
import dev.nemotron4j.sdg.checkers.Instructions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Instruction-following prompts: each prompt's last user turn gets verifiable instructions
 * appended (their descriptions), and the record carries them for the checkers.
 */
public final class InstructionAugmentation {
  private InstructionAugmentation() {}

  /**
   * Up to {@code variants} copies of each prompt, each with its own instructions from {@code
   * sampler} (a list {@code [{"id", "kwargs"}]}, possibly empty, drawn from a generator seeded by
   * the prompt and {@code seed}); copies with the same instructions are kept once.
   */
  public static List<ObjectNode> augment(List<ObjectNode> prompts, Function<SplittableRandom, ArrayNode> sampler, long seed,
      int variants) {
    if (variants < 1) {
      throw new IllegalArgumentException("variants must be >= 1, got " + variants);
    }
    List<ObjectNode> out = new ArrayList<>();
    for (ObjectNode p : prompts) {
      SplittableRandom r = new SplittableRandom(seed ^ SdgRecords.id(p.get("id").asText()).hashCode());
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (int v = 0; v < variants; v++) {
        ArrayNode ins = sampler.apply(r);
        if (seen.add(ins.toString())) {
          out.add(variant(p, ins));
        }
      }
    }
    return out;
  }

  private static ObjectNode variant(ObjectNode p, ArrayNode ins) {
    ObjectNode q = p.deepCopy();
    List<Instruction> checkers = new ArrayList<>();
    for (int i = 0; i < ins.size(); i++) {
      checkers.add(Instructions.create(ins.get(i).get("id").asText(), ins.get(i).get("kwargs")));
    }
    if (!Instructions.compatible(checkers)) {
      throw new IllegalArgumentException("the sampler gave conflicting instructions " + ins + " for prompt "
          + p.get("id").asText());
    }
    ArrayNode msgs = (ArrayNode) q.get("messages");
    ((ObjectNode) msgs.get(msgs.size() - 1)).put("content", Instructions.appendTo(SdgRecords.lastUser(p), checkers));
    q.set("instructions", ins);
    if (ins.size() > 0) {
      q.put("id", SdgRecords.id("if", p.get("id").asText(), ins.toString()));
    }
    return q;
  }
}

package dev.nemotron4j.sdg.checkers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * IFEval's accuracy metrics over responses.
 *
 * <p>Strict: an instruction is followed when the response is not blank and passes the check.
 * Loose: it is followed when any of eight variants passes: the response itself, without its first
 * line, without its last line, without both, and each of those four with every '*' removed (the
 * variants without lines are stripped; blank variants never pass). Lines are split on '\n'.
 *
 * <p>Prompt-level accuracy is the fraction of samples whose instructions are all followed;
 * instruction-level accuracy is the fraction of all instructions followed.
 */
public final class IfEval {
  private IfEval() {}

  /** One prompt, the instructions it carries, and the response to judge. */
  public record Sample(String prompt, List<Instruction> instructions, String response) {
    public Sample {
      Objects.requireNonNull(prompt, "prompt");
      Objects.requireNonNull(response, "response");
      Objects.requireNonNull(instructions, "instructions");
      if (instructions.isEmpty()) {
        throw new IllegalArgumentException(
            "a sample needs at least one instruction, got none for prompt: " + abbreviate(prompt));
      }
      instructions = List.copyOf(instructions);
    }
  }

  /** A pair of accuracies in [0, 1]. */
  public record Accuracy(double promptLevel, double instructionLevel) {}

  /** Per-instruction outcomes for one sample, in the order of its instructions. */
  public record Verdict(List<Boolean> strict, List<Boolean> loose) {
    public Verdict {
      strict = List.copyOf(strict);
      loose = List.copyOf(loose);
    }

    public boolean allStrict() {
      return !strict.contains(false);
    }

    public boolean allLoose() {
      return !loose.contains(false);
    }
  }

  /** For one instruction id: how many times it was given, and the fractions followed. */
  public record KindAccuracy(int count, double strict, double loose) {}

  /**
   * The strict and loose accuracies, one verdict per sample (in input order), and the
   * instruction-level accuracies of each instruction id (ordered by id).
   */
  public record Result(
      Accuracy strict,
      Accuracy loose,
      List<Verdict> verdicts,
      Map<String, KindAccuracy> byInstructionId) {
    public Result {
      verdicts = List.copyOf(verdicts);
      byInstructionId = Collections.unmodifiableMap(new TreeMap<>(byInstructionId));
    }
  }

  /**
   * Evaluates every sample.
   *
   * @throws IllegalArgumentException if {@code samples} is empty
   */
  public static Result evaluate(List<Sample> samples) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("need at least one sample to evaluate, got none");
    }
    List<Verdict> verdicts = new ArrayList<>();
    int promptsStrict = 0;
    int promptsLoose = 0;
    int instructions = 0;
    int followedStrict = 0;
    int followedLoose = 0;
    Map<String, int[]> perId = new TreeMap<>(); // id -> {total, strict, loose}
    for (Sample s : samples) {
      List<Boolean> strict = new ArrayList<>();
      List<Boolean> loose = new ArrayList<>();
      List<String> variants = looseVariants(s.response());
      for (Instruction instruction : s.instructions()) {
        boolean st = followsStrict(instruction, s.response());
        boolean lo = st || anyFollows(instruction, variants);
        strict.add(st);
        loose.add(lo);
        int[] counts = perId.computeIfAbsent(instruction.id(), k -> new int[3]);
        counts[0]++;
        counts[1] += st ? 1 : 0;
        counts[2] += lo ? 1 : 0;
      }
      Verdict v = new Verdict(strict, loose);
      verdicts.add(v);
      promptsStrict += v.allStrict() ? 1 : 0;
      promptsLoose += v.allLoose() ? 1 : 0;
      instructions += strict.size();
      followedStrict += (int) strict.stream().filter(b -> b).count();
      followedLoose += (int) loose.stream().filter(b -> b).count();
    }
    double n = samples.size();
    Map<String, KindAccuracy> byId = new TreeMap<>();
    perId.forEach((id, c) ->
        byId.put(id, new KindAccuracy(c[0], (double) c[1] / c[0], (double) c[2] / c[0])));
    return new Result(
        new Accuracy(promptsStrict / n, (double) followedStrict / instructions),
        new Accuracy(promptsLoose / n, (double) followedLoose / instructions),
        verdicts,
        byId);
  }

  /** Strict following: the response is not blank and passes the instruction's check. */
  public static boolean followsStrict(Instruction instruction, String response) {
    return !Text.strip(response).isEmpty() && instruction.check(response);
  }

  /** Loose following: some variant of the response (see the class comment) follows strictly. */
  public static boolean followsLoose(Instruction instruction, String response) {
    return followsStrict(instruction, response)
        || anyFollows(instruction, looseVariants(response));
  }

  private static boolean anyFollows(Instruction instruction, List<String> variants) {
    for (String v : variants) {
      if (followsStrict(instruction, v)) {
        return true;
      }
    }
    return false;
  }

  /** The seven variants besides the response itself. */
  static List<String> looseVariants(String response) {
    String[] lines = response.split("\n", -1);
    String withoutFirst = Text.strip(join(lines, 1, lines.length));
    String withoutLast = Text.strip(join(lines, 0, lines.length - 1));
    String withoutBoth = Text.strip(join(lines, 1, lines.length - 1));
    return List.of(
        response.replace("*", ""),
        withoutFirst,
        withoutLast,
        withoutBoth,
        withoutFirst.replace("*", ""),
        withoutLast.replace("*", ""),
        withoutBoth.replace("*", ""));
  }

  private static String join(String[] lines, int from, int to) {
    return from >= to ? "" : String.join("\n", List.of(lines).subList(from, to));
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}

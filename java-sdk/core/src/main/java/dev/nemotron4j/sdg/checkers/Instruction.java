package dev.nemotron4j.sdg.checkers;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A verifiable instruction in the style of IFEval (Zhou et al. 2023): a constraint on a response
 * that a program can check, such as "answer in fewer than 100 words" or "do not use commas".
 * Nemotron-4's synthetic data pipeline appends such instructions to prompts and keeps only the
 * responses that follow them.
 *
 * <p>Instances come from {@link Instructions} (by id and kwargs, or sampled at random); they are
 * immutable values with equality.
 */
public interface Instruction {
  /** The IFEval instruction id, such as {@code "length_constraints:number_words"}. */
  String id();

  /** The instruction text to append to a prompt. */
  String description();

  /**
   * Whether {@code response} follows the instruction, by the kind's own rule alone. IFEval's
   * evaluation additionally counts a blank response as not following anything; see
   * {@link IfEval#followsStrict}.
   */
  boolean check(String response);

  /** The parameters, with IFEval's kwarg names; a fresh object on each call. */
  ObjectNode kwargs();
}

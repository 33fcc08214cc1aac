/**
 * Verifiable instructions with the ids, kwargs and checking rules of IFEval (Zhou et al. 2023,
 * "Instruction-Following Evaluation for Large Language Models"), for synthetic prompt generation
 * and for measuring instruction following.
 *
 * <ul>
 *   <li>{@link dev.nemotron4j.sdg.checkers.Instruction}: one constraint, with its description and
 *       its check.
 *   <li>{@link dev.nemotron4j.sdg.checkers.Instructions}: build from (id, kwargs), sample with
 *       random parameters, conflicts, JSON for records, and appending descriptions to a prompt.
 *   <li>{@link dev.nemotron4j.sdg.checkers.IfEval}: prompt-level and instruction-level accuracy,
 *       strict and loose.
 * </ul>
 *
 * <p>Differences from the reference: sentences are counted by a rule-based splitter in the spirit
 * of NLTK's Punkt rather than its trained model; "English" for the change_case kinds is a
 * script-and-function-word heuristic rather than a language identifier; keywords, splitters and
 * markers are matched literally rather than as regular expressions; missing or invalid kwargs are
 * errors rather than replaced by random values; {@code language:response_language} is not
 * supported.
 */
package dev.nemotron4j.sdg.checkers;

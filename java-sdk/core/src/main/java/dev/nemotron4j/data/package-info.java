/**
 * The training data layer: reading, validating, tokenizing, batching and ordering examples.
 *
 * <ul>
 *   <li>Files: {@link dev.nemotron4j.data.Jsonl} (streaming JSONL reader, atomic writer); every
 *       error about a row starts with {@code <file>:<line>: }.
 *   <li>Examples: {@link dev.nemotron4j.data.TextExample} (pretraining; JSONL or plain text),
 *       {@link dev.nemotron4j.data.ChatExample} (SFT), {@link dev.nemotron4j.data.PreferenceExample}
 *       (DPO/RPO; text or token-id form), {@link dev.nemotron4j.data.RewardExample} (HelpSteer2).
 *   <li>Tokenization: {@link dev.nemotron4j.data.ExampleEncoder} turns examples into
 *       {@link dev.nemotron4j.data.Sequence}s (ids and a target mask), {@link
 *       dev.nemotron4j.data.PreferenceTokens} and {@link dev.nemotron4j.data.RewardTokens} under a
 *       {@link dev.nemotron4j.data.LengthPolicy}, whose {@link dev.nemotron4j.data.LengthPolicy.Stats}
 *       count kept, truncated and rejected examples.
 *   <li>Batches: {@link dev.nemotron4j.data.Packer} (sequence packing for pretraining, with
 *       per-document positions and attention segments) and {@link dev.nemotron4j.data.Batcher}
 *       (right padding for SFT, preference and reward-model training). Targets are next-token ids,
 *       -100 where there is no loss.
 *   <li>Order: {@link dev.nemotron4j.data.EpochSampler} (seeded per-epoch permutations) and
 *       {@link dev.nemotron4j.data.Blend} (weighted mixing of sources), both resumable exactly from
 *       a saved cursor.
 * </ul>
 */
package dev.nemotron4j.data;

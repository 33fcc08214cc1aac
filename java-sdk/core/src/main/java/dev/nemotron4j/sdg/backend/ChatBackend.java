package dev.nemotron4j.sdg.backend;

import dev.nemotron4j.tokenizer.ChatTemplate;
import java.util.List;

/**
 * A chat model that completes conversations: the generator or the judge of synthetic data
 * generation, either a local model ({@link LocalBackend}) or a remote OpenAI-compatible endpoint
 * ({@link OpenAiBackend}).
 */
public interface ChatBackend extends AutoCloseable {
  /** For provenance records, e.g. "local:&lt;model folder&gt;" or "openai:&lt;model&gt;@&lt;base url&gt;". */
  String name();

  /**
   * {@code sampling.n()} completions for each conversation (each ends with a user turn), in the
   * order of the conversations: {@code result.get(i).size() == sampling.n()}.
   *
   * @throws IllegalArgumentException when a conversation is malformed (checked before any work)
   * @throws BackendException when the model or the endpoint fails
   */
  List<List<String>> complete(List<List<ChatTemplate.Message>> conversations, Sampling sampling);

  @Override
  default void close() {}
}

/**
 * Generator and judge backends for synthetic data generation: {@link
 * dev.nemotron4j.sdg.backend.ChatBackend} completes chat conversations with {@link
 * dev.nemotron4j.sdg.backend.Sampling} settings, either on a local {@code NemotronForCausalLM}
 * ({@link dev.nemotron4j.sdg.backend.LocalBackend}) or through any OpenAI-compatible
 * chat-completions endpoint ({@link dev.nemotron4j.sdg.backend.OpenAiBackend}).
 */
package dev.nemotron4j.sdg.backend;

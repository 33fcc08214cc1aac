/**
 * Tokenization for Nemotron-4: {@link dev.nemotron4j.tokenizer.SentencePieceModel}, a pure-Java
 * SentencePiece BPE tokenizer that reads {@code tokenizer.model} files and reproduces the reference
 * library's encoding and decoding, and {@link dev.nemotron4j.tokenizer.ChatTemplate}, the Nemotron-4
 * chat format with segment-wise tokenization and an assistant-token loss mask.
 */
package dev.nemotron4j.tokenizer;

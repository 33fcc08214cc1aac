package dev.nemotron4j.sdg;

import dev.nemotron4j.sdg.backend.ChatBackend;
import dev.nemotron4j.sdg.backend.Sampling;
import dev.nemotron4j.tokenizer.ChatTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** A scripted chat backend for tests: replies from a function of (last user message, sample index); counts calls; can fail. */
final class FakeBackend implements ChatBackend {
  private final BiFunction<String, Integer, String> reply;
  int calls;
  int conversations;
  int failAfterCalls = Integer.MAX_VALUE;

  FakeBackend(BiFunction<String, Integer, String> reply) {
    this.reply = reply;
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public List<List<String>> complete(List<List<ChatTemplate.Message>> convs, Sampling sampling) {
    if (calls >= failAfterCalls) {
      throw new IllegalStateException("simulated crash after " + calls + " calls");
    }
    calls++;
    List<List<String>> out = new ArrayList<>();
    for (List<ChatTemplate.Message> c : convs) {
      conversations++;
      List<String> s = new ArrayList<>();
      for (int k = 0; k < sampling.n(); k++) {
        s.add(reply.apply(c.get(c.size() - 1).content(), k));
      }
      out.add(s);
    }
    return out;
  }
}

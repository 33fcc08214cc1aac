package dev.nemotron4j.sdg.backend;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.sdg.backend.FakeChatServer.completion;
import static dev.nemotron4j.sdg.backend.FakeChatServer.lastContent;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemotron4j.sdg.backend.FakeChatServer.Reply;
import dev.nemotron4j.sdg.backend.FakeChatServer.Request;
import dev.nemotron4j.tokenizer.ChatTemplate.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpenAiBackendTest {
  private static final Map<String, String> ENV = Map.of("TEST_API_KEY", "sk-test-123");

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private FakeChatServer server(FakeChatServer.Handler h) throws IOException {
    FakeChatServer s = new FakeChatServer(h);
    toClose.add(s);
    return s;
  }

  private OpenAiBackend backend(FakeChatServer s, int maxRetries, int concurrency, Duration timeout) {
    OpenAiBackend.Config c = new OpenAiBackend.Config(
        s.baseUrl(), "test-model", "TEST_API_KEY", timeout, maxRetries, Duration.ofMillis(100), concurrency);
    OpenAiBackend b = new OpenAiBackend(c, ENV::get, sleeps::add);
    toClose.add(b);
    return b;
  }

  private OpenAiBackend backend(FakeChatServer s, int maxRetries) {
    return backend(s, maxRetries, 4, Duration.ofSeconds(10));
  }

  private static List<Message> ask(String question) {
    return List.of(Message.user(question));
  }

  @Test
  void sendsTheProtocolsRequestAndReadsTheChoice() throws IOException {
    FakeChatServer s = server(r -> Reply.ok(completion("  Paris.\n")));
    OpenAiBackend b = backend(s, 0);
    List<Message> conv = List.of(
        Message.system("Be brief."), Message.user("Capital of Italy?"), Message.assistant("Rome."),
        Message.user("And of France?"));
    List<List<String>> out = b.complete(List.of(conv), new Sampling(64, 0.7, 0.9, 1, 42, List.of("###", "\n\n")));

    assertThat(out).containsExactly(List.of("Paris."));
    assertThat(b.name()).isEqualTo("openai:test-model@" + s.baseUrl());
    Request r = s.requests().get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/v1/chat/completions");
    assertThat(r.header("Authorization")).isEqualTo("Bearer sk-test-123");
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    JsonNode body = r.body();
    assertThat(body.get("model").textValue()).isEqualTo("test-model");
    assertThat(body.get("max_tokens").intValue()).isEqualTo(64);
    assertThat(body.get("temperature").doubleValue()).isEqualTo(0.7);
    assertThat(body.get("top_p").doubleValue()).isEqualTo(0.9);
    assertThat(body.get("n").intValue()).isEqualTo(1);
    assertThat(body.get("seed").longValue()).isEqualTo(42);
    assertThat(body.get("stop").toString()).isEqualTo("[\"###\",\"\\n\\n\"]");
    assertThat(body.get("messages").toString()).isEqualTo(
        "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Capital of Italy?\"},"
            + "{\"role\":\"assistant\",\"content\":\"Rome.\"},{\"role\":\"user\",\"content\":\"And of France?\"}]");
  }

  @Test
  void withoutAKeyNoAuthorizationAndNoStop() throws IOException {
    FakeChatServer s = server(r -> Reply.ok(completion("ok")));
    OpenAiBackend.Config c = OpenAiBackend.Config.of(s.baseUrl() + "//", "m", null);
    assertThat(c.baseUrl()).isEqualTo(s.baseUrl());
    try (OpenAiBackend b = new OpenAiBackend(c, name -> {
      throw new AssertionError("no key to look up, got " + name);
    })) {
      assertThat(b.complete(List.of(ask("hi")), Sampling.greedy(5))).containsExactly(List.of("ok"));
    }
    Request r = s.requests().get(0);
    assertThat(r.header("Authorization")).isNull();
    assertThat(r.body().has("stop")).isFalse();
    assertThat(r.body().get("temperature").doubleValue()).isEqualTo(0.0);
  }

  @Test
  void aMissingKeyFailsAtOnceNamingTheVariable() {
    OpenAiBackend.Config c = OpenAiBackend.Config.of("http://127.0.0.1:9/v1", "m", "NOT_SET_KEY");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OpenAiBackend(c, Map.<String, String>of()::get));
    assertThat(e).hasMessageThat().contains("environment variable NOT_SET_KEY");
  }

  @Test
  void nChoicesInIndexOrder() throws IOException {
    FakeChatServer s = server(r -> Reply.ok("{\"choices\":["
        + "{\"index\":2,\"message\":{\"role\":\"assistant\",\"content\":\"c\"}},"
        + "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"a\"}},"
        + "{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"b\"}}]}"));
    OpenAiBackend b = backend(s, 0);
    List<List<String>> out = b.complete(List.of(ask("x"), ask("y")), new Sampling(8, 1.0, 1.0, 3, 7, List.of()));
    assertThat(out).containsExactly(List.of("a", "b", "c"), List.of("a", "b", "c")).inOrder();
    assertThat(s.requests()).hasSize(2);
    assertThat(s.requests().get(0).body().get("n").intValue()).isEqualTo(3);
  }

  @Test
  void aServerThatIgnoresNIsAskedForTheRest() throws IOException {
    FakeChatServer s = server(r -> Reply.ok(completion("sample " + r.body().get("seed").longValue())));
    OpenAiBackend b = backend(s, 0, 1, Duration.ofSeconds(10));
    List<List<String>> out = b.complete(List.of(ask("x")), new Sampling(8, 1.0, 1.0, 3, 40, List.of()));
    assertThat(out).containsExactly(List.of("sample 40", "sample 41", "sample 42"));
    List<Request> rs = s.requests();
    assertThat(rs).hasSize(3);
    assertThat(rs.stream().map(r -> r.body().get("n").intValue()).toList()).containsExactly(3, 2, 1).inOrder();
  }

  @Test
  void aPartialAnswerIsToppedUp() throws IOException {
    // asked for 4: answers 2, then the 2 asked for
    FakeChatServer s = server(r -> {
      int n = r.body().get("n").intValue();
      return Reply.ok(n == 4 ? completion("a", "b") : completion("c", "d"));
    });
    OpenAiBackend b = backend(s, 0);
    assertThat(b.complete(List.of(ask("x")), new Sampling(8, 1.0, 1.0, 4, 0, List.of())))
        .containsExactly(List.of("a", "b", "c", "d"));
  }

  @Test
  void orderIsKeptUnderConcurrencyWithRandomDelays() throws IOException {
    Random random = new Random(1);
    List<Integer> delays = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      delays.add(random.nextInt(25));
    }
    FakeChatServer s = server(r -> {
      String q = lastContent(r);
      Thread.sleep(delays.get(Integer.parseInt(q.substring(2))));
      return Reply.ok(completion("answer to " + q));
    });
    OpenAiBackend b = backend(s, 0, 5, Duration.ofSeconds(10));
    List<List<Message>> convs = new ArrayList<>();
    for (int i = 0; i < delays.size(); i++) {
      convs.add(ask("q " + i));
    }
    List<List<String>> out = b.complete(convs, Sampling.greedy(8));
    for (int i = 0; i < delays.size(); i++) {
      assertThat(out.get(i)).containsExactly("answer to q " + i);
    }
    assertThat(s.maxInFlight()).isAtMost(5);
  }

  @Test
  void theConcurrencyLimitIsReachedAndRespected() throws IOException {
    int limit = 3;
    CountDownLatch allIn = new CountDownLatch(limit);
    FakeChatServer s = server(r -> {
      allIn.countDown();
      // the first `limit` requests wait for each other: they must be in flight together
      if (!allIn.await(10, TimeUnit.SECONDS)) {
        return Reply.status(500, "only " + (limit - allIn.getCount()) + " requests arrived together");
      }
      Thread.sleep(20); // room for a request beyond the limit to show up
      return Reply.ok(completion("r" + lastContent(r)));
    });
    OpenAiBackend b = backend(s, 0, limit, Duration.ofSeconds(20));
    List<List<Message>> convs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      convs.add(ask(Integer.toString(i)));
    }
    List<List<String>> out = b.complete(convs, Sampling.greedy(4));
    assertThat(out.get(9)).containsExactly("r9");
    assertThat(s.maxInFlight()).isEqualTo(limit);
    assertThat(s.requests()).hasSize(10);
  }

  @Test
  void a429WithRetryAfterIsRetriedAfterTheServersDelay() throws IOException {
    FakeChatServer s = server(r -> r.number() == 0
        ? new Reply(429, "{\"error\":{\"message\":\"rate limited\"}}", Map.of("Retry-After", "7"))
        : Reply.ok(completion("fine")));
    OpenAiBackend b = backend(s, 3);
    assertThat(b.complete(List.of(ask("x")), Sampling.greedy(4))).containsExactly(List.of("fine"));
    assertThat(s.requests()).hasSize(2);
    assertThat(sleeps).containsExactly(Duration.ofSeconds(7));
  }

  @Test
  void a500IsRetriedWithExponentialBackoff() throws IOException {
    FakeChatServer s = server(r -> r.number() < 2 ? Reply.status(r.number() == 0 ? 500 : 503, "oops")
        : Reply.ok(completion("fine")));
    OpenAiBackend b = backend(s, 3);
    assertThat(b.complete(List.of(ask("x")), Sampling.greedy(4))).containsExactly(List.of("fine"));
    assertThat(s.requests()).hasSize(3);
    assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200)).inOrder();
    // the same request body each time
    assertThat(s.requests().get(2).rawBody()).isEqualTo(s.requests().get(0).rawBody());
  }

  @Test
  void exhaustedRetriesSayHowManyAttempts() throws IOException {
    FakeChatServer s = server(r -> Reply.status(503, "{\"error\":{\"message\":\"overloaded\"}}"));
    OpenAiBackend b = backend(s, 2);
    BackendException e = assertThrows(BackendException.class,
        () -> b.complete(List.of(ask("x")), Sampling.greedy(4)));
    assertThat(e).hasMessageThat().contains("failed after 3 attempts");
    assertThat(e).hasMessageThat().contains("HTTP 503: overloaded");
    assertThat(e).hasMessageThat().contains(s.baseUrl() + "/chat/completions");
    assertThat(e).hasMessageThat().contains("conversation 0");
    assertThat(s.requests()).hasSize(3);
    assertThat(sleeps).hasSize(2);
  }

  @Test
  void aTimeoutIsRetriedThenFailsClearly() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FakeChatServer s = server(r -> {
      release.await(10, TimeUnit.SECONDS);
      return Reply.ok(completion("too late"));
    });
    try {
      OpenAiBackend b = backend(s, 1, 2, Duration.ofMillis(200));
      BackendException e = assertThrows(BackendException.class,
          () -> b.complete(List.of(ask("x")), Sampling.greedy(4)));
      assertThat(e).hasMessageThat().contains("failed after 2 attempts");
      assertThat(e).hasMessageThat().contains("no response within 200 ms");
      assertThat(s.requests()).hasSize(2);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aConnectionErrorIsRetried() throws IOException {
    FakeChatServer s = server(r -> Reply.ok(completion("x")));
    String url = s.baseUrl();
    s.close(); // nothing listens there any more
    OpenAiBackend.Config c = new OpenAiBackend.Config(url, "m", null, Duration.ofSeconds(5), 2, Duration.ofMillis(10), 1);
    try (OpenAiBackend b = new OpenAiBackend(c, ENV::get, sleeps::add)) {
      BackendException e = assertThrows(BackendException.class,
          () -> b.complete(List.of(ask("x")), Sampling.greedy(4)));
      assertThat(e).hasMessageThat().contains("failed after 3 attempts");
      assertThat(e).hasMessageThat().contains("I/O error");
    }
    assertThat(sleeps).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20)).inOrder();
  }

  @Test
  void a400FailsAtOnceWithTheServersMessage() throws IOException {
    FakeChatServer s = server(r -> Reply.status(400,
        "{\"error\":{\"message\":\"max_tokens is too large: 99999\",\"type\":\"invalid_request_error\"}}"));
    OpenAiBackend b = backend(s, 5);
    BackendException e = assertThrows(BackendException.class,
        () -> b.complete(List.of(ask("a"), ask("b")), Sampling.greedy(99999)));
    assertThat(e).hasMessageThat().contains("HTTP 400: max_tokens is too large: 99999");
    assertThat(e).hasMessageThat().contains("not retried");
    assertThat(e).hasMessageThat().doesNotContain("sk-test-123");
    assertThat(sleeps).isEmpty();
    assertThat(s.requests().size()).isAtMost(2);
  }

  @Test
  void aPlainTextErrorBodyIsShown() throws IOException {
    FakeChatServer s = server(r -> Reply.status(404, "no such route"));
    OpenAiBackend b = backend(s, 5);
    BackendException e = assertThrows(BackendException.class, () -> b.complete(List.of(ask("a")), Sampling.greedy(4)));
    assertThat(e).hasMessageThat().contains("HTTP 404: no such route");
  }

  @Test
  void malformedResponsesFailClearly() throws IOException {
    String[] bodies = {
      "this is not json {",
      "[1, 2]",
      "{\"object\":\"chat.completion\"}",
      "{\"choices\":[]}",
      "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\"}}]}",
      "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null}}]}",
      completion("one", "two"),
    };
    String[] expected = {
      "answered malformed JSON",
      "answered a JSON array instead of a JSON object",
      "without a 'choices' array",
      "answered 0 choices, expected 1",
      "choices[0].message.content that is missing, expected a string",
      "choices[0].message.content that is null",
      "answered 2 choices, expected 1",
    };
    for (int i = 0; i < bodies.length; i++) {
      String body = bodies[i];
      FakeChatServer s = server(r -> Reply.ok(body));
      OpenAiBackend b = backend(s, 3);
      BackendException e = assertThrows(BackendException.class,
          () -> b.complete(List.of(ask("a")), Sampling.greedy(4)));
      assertThat(e).hasMessageThat().contains(expected[i]);
      assertThat(e).hasMessageThat().contains("POST " + s.baseUrl() + "/chat/completions");
      assertThat(s.requests()).hasSize(1); // not retried
    }
  }

  @Test
  void badConversationsFailBeforeAnyRequest() throws IOException {
    FakeChatServer s = server(r -> Reply.ok(completion("x")));
    OpenAiBackend b = backend(s, 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> b.complete(List.of(ask("a"), List.of(Message.user("q"), Message.assistant("r"))), Sampling.greedy(4)));
    assertThat(e).hasMessageThat().contains("conversation 1 ends with a assistant message");
    assertThrows(IllegalArgumentException.class, () -> b.complete(List.of(List.of()), Sampling.greedy(4)));
    assertThat(s.requests()).isEmpty();
    assertThat(b.complete(List.of(), Sampling.greedy(4))).isEmpty();
    b.close();
    assertThrows(IllegalStateException.class, () -> b.complete(List.of(ask("a")), Sampling.greedy(4)));
  }

  @Test
  void configIsValidated() {
    Duration t = Duration.ofSeconds(1);
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> new OpenAiBackend.Config("ftp://x/v1", "m", null, t, 0, t, 1))).hasMessageThat().contains("ftp://x/v1");
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> new OpenAiBackend.Config("http://x/v1", " ", null, t, 0, t, 1))).hasMessageThat().contains("model");
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> new OpenAiBackend.Config("http://x/v1", "m", null, Duration.ZERO, 0, t, 1))).hasMessageThat()
        .contains("timeout must be > 0, got PT0S");
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> new OpenAiBackend.Config("http://x/v1", "m", null, t, -1, t, 1))).hasMessageThat()
        .contains("maxRetries must be >= 0, got -1");
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> new OpenAiBackend.Config("http://x/v1", "m", null, t, 0, t, 0))).hasMessageThat()
        .contains("concurrency must be >= 1, got 0");
    assertThat(OpenAiBackend.Config.of("http://x:8000/v1/", "m", null).endpoint().toString())
        .isEqualTo("http://x:8000/v1/chat/completions");
  }

  @Test
  void backoffAndRetryAfter() {
    Duration s = Duration.ofSeconds(1);
    assertThat(OpenAiBackend.backoff(s, 1)).isEqualTo(s);
    assertThat(OpenAiBackend.backoff(s, 3)).isEqualTo(Duration.ofSeconds(4));
    assertThat(OpenAiBackend.backoff(s, 10)).isEqualTo(OpenAiBackend.MAX_BACKOFF);
    assertThat(OpenAiBackend.backoff(s, 1000)).isEqualTo(OpenAiBackend.MAX_BACKOFF);
    assertThat(OpenAiBackend.backoff(Duration.ZERO, 5)).isEqualTo(Duration.ZERO);
    assertThat(OpenAiBackend.retryAfter("3")).isEqualTo(Optional.of(Duration.ofSeconds(3)));
    assertThat(OpenAiBackend.retryAfter(" 0.5 ")).isEqualTo(Optional.of(Duration.ofMillis(500)));
    assertThat(OpenAiBackend.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Optional.of(Duration.ZERO));
    assertThat(OpenAiBackend.retryAfter("soon")).isEmpty();
    assertThat(OpenAiBackend.retryAfter(null)).isEmpty();
    assertThat(OpenAiBackend.retriable(429)).isTrue();
    assertThat(OpenAiBackend.retriable(502)).isTrue();
    assertThat(OpenAiBackend.retriable(401)).isFalse();
  }

  @Test
  void samplingIsValidated() {
    assertThat(assertThrows(IllegalArgumentException.class, () -> new Sampling(0, 0, 1, 1, 0, List.of())))
        .hasMessageThat().contains("maxTokens must be >= 1, got 0");
    assertThat(assertThrows(IllegalArgumentException.class, () -> new Sampling(1, -0.5, 1, 1, 0, List.of())))
        .hasMessageThat().contains("temperature must be finite and >= 0 (0 = greedy), got -0.5");
    assertThat(assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 1, 0, 1, 0, List.of())))
        .hasMessageThat().contains("topP must be in (0, 1], got 0.0");
    assertThat(assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 1, 1.5, 1, 0, List.of())))
        .hasMessageThat().contains("topP must be in (0, 1], got 1.5");
    assertThat(assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 1, 1, 0, 0, List.of())))
        .hasMessageThat().contains("n must be >= 1, got 0");
    assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 1, 1, 1, 0, null));
    assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 1, 1, 1, 0, List.of("")));
    List<String> stops = new ArrayList<>(List.of("a"));
    Sampling sm = new Sampling(1, 1, 1, 1, 0, stops);
    stops.add("b");
    assertThat(sm.stop()).containsExactly("a");
    assertThat(Sampling.greedy(7)).isEqualTo(new Sampling(7, 0, 1, 1, 0, List.of()));
    assertThat(Sampling.greedy(7).isGreedy()).isTrue();
  }
}

package dev.nemotron4j.sdg.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.tokenizer.ChatTemplate;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A {@link ChatBackend} over any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM,
 * TensorRT-LLM, NIM, llama.cpp server, ...).
 *
 * <p>Each conversation is one {@code POST {baseUrl}/chat/completions} with {@code model}, {@code
 * messages}, {@code max_tokens}, {@code temperature}, {@code top_p}, {@code n}, {@code seed} and
 * (when there are any) {@code stop}; the completions are {@code choices[i].message.content} (in the
 * order of {@code choices[i].index} when given) with surrounding whitespace trimmed, like {@link
 * LocalBackend}. A server that returns fewer than {@code n} choices (some ignore {@code n}) is asked
 * again for the rest, with the seed advanced by the number of completions already received.
 *
 * <p>Requests for different conversations run in parallel, at most {@link Config#concurrency()} in
 * flight per backend (shared by concurrent {@link #complete} calls); results keep the input order.
 * HTTP 408, 429 and 5xx answers, I/O errors and timeouts are retried up to {@link
 * Config#maxRetries()} times, waiting {@code initialBackoff * 2^(retry-1)} (at most a minute) or what
 * a {@code Retry-After} header says; other answers outside 2xx fail at once, as does a malformed
 * response. The first failure fails the whole call and cancels the other requests.
 *
 * <p>The API key is read once, when the backend is built, from the environment variable {@link
 * Config#apiKeyEnv()} and sent as {@code Authorization: Bearer <key>}; it is never logged nor put in
 * a message.
 */
public final class OpenAiBackend implements ChatBackend {
  /**
   * Where and how to call the endpoint.
   *
   * @param baseUrl the API root, e.g. {@code https://api.openai.com/v1} or {@code
   *     http://localhost:8000/v1} (trailing slashes removed)
   * @param model the model name sent with every request
   * @param apiKeyEnv the name of the environment variable holding the API key; null for none
   * @param timeout per request, from sending to the response headers (also the connect timeout)
   * @param maxRetries retries after the first attempt (>= 0)
   * @param initialBackoff the wait before the first retry, doubled for each further one
   * @param concurrency the most requests in flight (>= 1)
   */
  public record Config(
      String baseUrl, String model, String apiKeyEnv, Duration timeout, int maxRetries, Duration initialBackoff,
      int concurrency) {
    public Config {
      if (baseUrl == null || baseUrl.isBlank()) {
        throw new IllegalArgumentException("baseUrl must be an http(s) URL such as http://localhost:8000/v1, got "
            + (baseUrl == null ? "null" : "'" + baseUrl + "'"));
      }
      baseUrl = baseUrl.strip();
      while (baseUrl.endsWith("/")) {
        baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
      }
      endpointOf(baseUrl);
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("model must be a model name, got "
            + (model == null ? "null" : "'" + model + "'"));
      }
      if (apiKeyEnv != null && apiKeyEnv.isBlank()) {
        throw new IllegalArgumentException("apiKeyEnv must name an environment variable or be null, got '"
            + apiKeyEnv + "'");
      }
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
      }
      if (maxRetries < 0) {
        throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
      }
      if (initialBackoff == null || initialBackoff.isNegative()) {
        throw new IllegalArgumentException("initialBackoff must be >= 0, got " + initialBackoff);
      }
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
      }
    }

    /** Defaults: a 2-minute timeout, 5 retries from a 1-second backoff, 8 requests in flight. */
    public static Config of(String baseUrl, String model, String apiKeyEnv) {
      return new Config(baseUrl, model, apiKeyEnv, Duration.ofMinutes(2), 5, Duration.ofSeconds(1), 8);
    }

    /** {@code {baseUrl}/chat/completions}. */
    public URI endpoint() {
      return endpointOf(baseUrl);
    }

    private static URI endpointOf(String baseUrl) {
      URI u;
      try {
        u = new URI(baseUrl + "/chat/completions");
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("baseUrl '" + baseUrl + "' is not a valid URL: " + e.getMessage(), e);
      }
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
        throw new IllegalArgumentException("baseUrl '" + baseUrl
            + "' must be an http(s) URL with a host, such as http://localhost:8000/v1");
      }
      return u;
    }
  }

  /** Waits between attempts (injectable so tests need not sleep). */
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SNIPPET = 300;
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final Config config;
  private final URI endpoint;
  private final String apiKey;
  private final Sleeper sleeper;
  private final HttpClient http;
  private final ExecutorService pool;
  private volatile boolean closed;

  /** A backend that reads the API key from the process environment. */
  public OpenAiBackend(Config config) {
    this(config, System::getenv);
  }

  /** A backend that reads the API key with {@code env} (name to value; e.g. a map's get in tests). */
  public OpenAiBackend(Config config, Function<String, String> env) {
    this(config, env, d -> Thread.sleep(d.toMillis()));
  }

  OpenAiBackend(Config config, Function<String, String> env, Sleeper sleeper) {
    this.config = Objects.requireNonNull(config, "config");
    Objects.requireNonNull(env, "env");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.endpoint = config.endpoint();
    if (config.apiKeyEnv() != null) {
      String key = env.apply(config.apiKeyEnv());
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("environment variable " + config.apiKeyEnv() + " (the API key for "
            + endpoint + ") is not set or empty");
      }
      this.apiKey = key.strip();
    } else {
      this.apiKey = null;
    }
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.timeout())
        .build();
    int id = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(config.concurrency(), r -> {
      Thread t = new Thread(r, "openai-backend-" + id + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  public Config config() {
    return config;
  }

  @Override
  public String name() {
    return "openai:" + config.model() + "@" + config.baseUrl();
  }

  @Override
  public String toString() {
    return "OpenAiBackend[" + name() + "]";
  }

  @Override
  public List<List<String>> complete(List<List<ChatTemplate.Message>> conversations, Sampling sampling) {
    Objects.requireNonNull(sampling, "sampling");
    Conversations.check(conversations);
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
    List<Future<List<String>>> futures = new ArrayList<>(conversations.size());
    try {
      for (int i = 0; i < conversations.size(); i++) {
        int index = i;
        List<ChatTemplate.Message> conversation = conversations.get(i);
        futures.add(pool.submit(() -> completeOne(index, conversation, sampling)));
      }
      List<List<String>> out = new ArrayList<>(conversations.size());
      for (Future<List<String>> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof BackendException || c instanceof IllegalArgumentException) {
        throw new BackendException(c.getMessage(), c);
      }
      throw new BackendException("request to " + endpoint + " failed: " + c, c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendException("interrupted while waiting for " + endpoint, e);
    } catch (CancellationException | RejectedExecutionException e) {
      throw new BackendException(this + " was closed while completing", e);
    } finally {
      for (Future<List<String>> f : futures) {
        f.cancel(true);
      }
    }
  }

  private List<String> completeOne(int index, List<ChatTemplate.Message> conversation, Sampling s)
      throws InterruptedException {
    List<String> out = new ArrayList<>(s.n());
    while (out.size() < s.n()) {
      int want = s.n() - out.size();
      String body = requestBody(conversation, s, want, s.seed() + out.size());
      out.addAll(post(index, body, want)); // at least one choice, at most want
    }
    return out;
  }

  String requestBody(List<ChatTemplate.Message> conversation, Sampling s, int n, long seed) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", config.model());
    ArrayNode messages = b.putArray("messages");
    for (ChatTemplate.Message m : conversation) {
      messages.addObject().put("role", m.role().name().toLowerCase(Locale.ROOT)).put("content", m.content());
    }
    b.put("max_tokens", s.maxTokens());
    b.put("temperature", s.temperature());
    b.put("top_p", s.topP());
    b.put("n", n);
    b.put("seed", seed);
    if (!s.stop().isEmpty()) {
      ArrayNode stop = b.putArray("stop");
      s.stop().forEach(stop::add);
    }
    try {
      return JSON.writeValueAsString(b);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a request body", e);
    }
  }

  private List<String> post(int index, String body, int want) throws InterruptedException {
    HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint)
        .timeout(config.timeout())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (apiKey != null) {
      rb.header("Authorization", "Bearer " + apiKey);
    }
    HttpRequest request = rb.build();
    String where = "conversation " + index + ": POST " + endpoint;
    int attempts = config.maxRetries() + 1;
    for (int attempt = 1; ; attempt++) {
      String lastError;
      Throwable lastCause = null;
      Duration wait = backoff(config.initialBackoff(), attempt);
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        int code = r.statusCode();
        if (code >= 200 && code < 300) {
          return parse(where, r.body(), want);
        }
        lastError = "HTTP " + code + ": " + errorMessage(r.body());
        if (!retriable(code)) {
          throw new BackendException(where + " was rejected with " + lastError + " (not retried)");
        }
        Optional<Duration> after = retryAfter(r.headers().firstValue("Retry-After").orElse(null));
        if (after.isPresent()) {
          wait = after.get();
        }
      } catch (HttpTimeoutException e) {
        lastError = "no response within " + describe(config.timeout()) + " (" + e.getMessage() + ")";
        lastCause = e;
      } catch (IOException e) {
        lastError = "I/O error: " + e;
        lastCause = e;
      }
      if (attempt >= attempts) {
        throw new BackendException(where + " failed after " + attempt + " attempt" + (attempt == 1 ? "" : "s")
            + " (1 + maxRetries " + config.maxRetries() + "); last error: " + lastError, lastCause);
      }
      if (!wait.isZero()) {
        sleeper.sleep(wait);
      }
    }
  }

  static boolean retriable(int code) {
    return code == 408 || code == 429 || code >= 500 && code < 600;
  }

  /** The wait before retry {@code attempt} (1 after the first attempt): doubling, capped. */
  static Duration backoff(Duration initial, int attempt) {
    Duration cap = initial.compareTo(MAX_BACKOFF) > 0 ? initial : MAX_BACKOFF;
    int shift = Math.min(attempt - 1, 30);
    long millis = initial.toMillis();
    if (millis > 0 && millis > cap.toMillis() >> shift) {
      return cap;
    }
    return Duration.ofMillis(millis << shift);
  }

  /** A {@code Retry-After} value in seconds or as an HTTP date; empty when absent or unreadable. */
  static Optional<Duration> retryAfter(String header) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String h = header.strip();
    try {
      double seconds = Double.parseDouble(h);
      if (seconds >= 0 && seconds < 1e9) {
        return Optional.of(Duration.ofMillis(Math.round(seconds * 1000)));
      }
      return Optional.empty();
    } catch (NumberFormatException e) {
      // not seconds: try a date
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  static List<String> parse(String where, String body, int want) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BackendException(where + " answered malformed JSON (" + e.getOriginalMessage() + "): "
          + snippet(body));
    }
    if (root == null || !root.isObject()) {
      throw new BackendException(where + " answered " + (root == null || root.isMissingNode() ? "an empty body"
          : "a JSON " + root.getNodeType().name().toLowerCase(Locale.ROOT)) + " instead of a JSON object with 'choices': "
          + snippet(body));
    }
    JsonNode choices = root.get("choices");
    if (choices == null || !choices.isArray()) {
      throw new BackendException(where + " answered a response without a 'choices' array: " + snippet(body));
    }
    if (choices.size() == 0 || choices.size() > want) {
      throw new BackendException(where + " answered " + choices.size() + " choices, expected "
          + (want == 1 ? "1" : "1 to " + want) + " (n = " + want + "): " + snippet(body));
    }
    List<JsonNode> list = new ArrayList<>();
    boolean indexed = true;
    for (int j = 0; j < choices.size(); j++) {
      JsonNode c = choices.get(j);
      if (!c.isObject()) {
        throw new BackendException(where + " answered choices[" + j + "] that is not an object: " + snippet(body));
      }
      indexed &= c.path("index").canConvertToInt() && c.path("index").isIntegralNumber();
      list.add(c);
    }
    if (indexed) {
      list.sort(Comparator.comparingInt(c -> c.get("index").intValue()));
    }
    List<String> out = new ArrayList<>(list.size());
    for (JsonNode c : list) {
      int j = indexOf(choices, c);
      JsonNode content = c.path("message").path("content");
      if (!content.isTextual()) {
        throw new BackendException(where + " answered choices[" + j + "].message.content that is "
            + (content.isMissingNode() ? "missing" : content.isNull() ? "null" : "a JSON "
                + content.getNodeType().name().toLowerCase(Locale.ROOT))
            + ", expected a string: " + snippet(body));
      }
      out.add(content.textValue().strip());
    }
    return out;
  }

  private static int indexOf(JsonNode array, JsonNode element) {
    for (int j = 0; j < array.size(); j++) {
      if (array.get(j) == element) {
        return j;
      }
    }
    return -1;
  }

  /** The error text of a failed response: {@code error.message} or similar, else the body's start. */
  static String errorMessage(String body) {
    if (body == null || body.isBlank()) {
      return "(empty body)";
    }
    try {
      JsonNode root = JSON.readTree(body);
      if (root != null && root.isObject()) {
        JsonNode e = root.get("error");
        if (e != null && e.isObject() && e.path("message").isTextual()) {
          return e.get("message").textValue();
        }
        if (e != null && e.isTextual()) {
          return e.textValue();
        }
        for (String field : new String[] {"message", "detail"}) {
          if (root.path(field).isTextual()) {
            return root.get(field).textValue();
          }
        }
      }
    } catch (JsonProcessingException e) {
      // not JSON: show the text
    }
    return snippet(body);
  }

  static String snippet(String body) {
    if (body == null) {
      return "(no body)";
    }
    String s = body.strip();
    return s.length() <= SNIPPET ? s : s.substring(0, SNIPPET) + "... (" + s.length() + " chars)";
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  @Override
  public void close() {
    closed = true;
    pool.shutdownNow();
  }
}

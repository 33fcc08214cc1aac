package dev.nemotron4j.sdg.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** An OpenAI-style chat-completions server on 127.0.0.1 for tests: records requests, counts those in flight. */
final class FakeChatServer implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One received request. */
  record Request(int number, String method, String path, Map<String, String> headers, String rawBody) {
    JsonNode body() {
      try {
        return JSON.readTree(rawBody);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** One answer. */
  record Reply(int status, String body, Map<String, String> headers) {
    static Reply ok(String body) {
      return new Reply(200, body, Map.of());
    }

    static Reply status(int status, String body) {
      return new Reply(status, body, Map.of());
    }
  }

  interface Handler {
    Reply handle(Request r) throws Exception;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile Handler handler;

  FakeChatServer(Handler handler) throws IOException {
    this.handler = handler;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::serve);
    server.start();
  }

  /** {@code http://127.0.0.1:port/v1}. */
  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  int inFlight() {
    return inFlight.get();
  }

  private void serve(HttpExchange ex) throws IOException {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    boolean counted = true;
    try {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> headers = new LinkedHashMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
      Request r = new Request(count.getAndIncrement(), ex.getRequestMethod(), ex.getRequestURI().getPath(), headers, body);
      requests.add(r);
      Reply reply;
      try {
        reply = handler.handle(r);
      } catch (Exception e) {
        reply = Reply.status(599, "handler failed: " + e);
      }
      byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
      reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      ex.getResponseHeaders().add("Content-Type", "application/json");
      // no longer in flight once the answer goes out: the client may send its next request at once
      counted = false;
      inFlight.decrementAndGet();
      ex.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    } finally {
      if (counted) {
        inFlight.decrementAndGet();
      }
      ex.close();
    }
  }

  /** A chat-completions response with these contents as choices 0, 1, ... */
  static String completion(String... contents) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", "chatcmpl-test");
    root.put("object", "chat.completion");
    ArrayNode choices = root.putArray("choices");
    for (int i = 0; i < contents.length; i++) {
      ObjectNode c = choices.addObject();
      c.put("index", i);
      c.putObject("message").put("role", "assistant").put("content", contents[i]);
      c.put("finish_reason", "stop");
    }
    return root.toString();
  }

  /** The content of the request's last message. */
  static String lastContent(Request r) {
    JsonNode m = r.body().get("messages");
    return m.get(m.size() - 1).get("content").textValue();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

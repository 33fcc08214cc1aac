package dev.nemotron4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the PyTorch peer benchmark (../shared/peers/pytorch/torch_bench.py) in a subprocess. */
final class PeerProcess {
  private PeerProcess() {}

  /**
   * {@code python3 torch_bench.py CONFIG threads 1} with Debian's PyTorch; returns its JSON
   * fields, or {"peer": "unavailable: ..."} when it cannot run.
   */
  static Map<String, Object> torchBench(Path peerDir, Path config, int threads) {
    Map<String, Object> out = new LinkedHashMap<>();
    Path script = peerDir.resolve("torch_bench.py");
    if (!Files.isRegularFile(script)) {
      out.put("peer", "unavailable: no " + script);
      return out;
    }
    String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    try {
      Process p = new ProcessBuilder(List.of(python, script.toString(), config.toAbsolutePath().toString(),
          Integer.toString(threads), "1")).redirectErrorStream(true).start();
      if (!p.waitFor(600, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        out.put("peer", "unavailable: timed out");
        return out;
      }
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      String last = text.substring(text.lastIndexOf('\n') + 1);
      if (p.exitValue() != 0 || !last.startsWith("{")) {
        out.put("peer", "unavailable: " + last.replace('"', '\''));
        return out;
      }
      JsonNode n = new ObjectMapper().readTree(last);
      n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNumber() ? e.getValue().numberValue() : e.getValue().asText()));
      return out;
    } catch (IOException e) {
      out.put("peer", "unavailable: " + e.getMessage());
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.put("peer", "unavailable: interrupted");
      return out;
    }
  }
}

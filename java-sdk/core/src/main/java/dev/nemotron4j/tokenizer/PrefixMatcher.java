package dev.nemotron4j.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Longest-prefix matching of the user-defined symbols, over UTF-8 bytes. */
final class PrefixMatcher {
  private static final class Node {
    final Map<Byte, Node> children = new HashMap<>();
    boolean terminal;
  }

  private final Node root = new Node();
  private final boolean[] first = new boolean[256];
  private final boolean empty;

  PrefixMatcher(List<byte[]> symbols) {
    for (byte[] s : symbols) {
      Node n = root;
      for (byte b : s) {
        n = n.children.computeIfAbsent(b, k -> new Node());
      }
      n.terminal = true;
      first[s[0] & 0xFF] = true;
    }
    empty = symbols.isEmpty();
  }

  /** The length of the longest symbol that starts {@code s[pos, end)}, or 0 if none does. */
  int match(byte[] s, int pos, int end) {
    if (empty || !first[s[pos] & 0xFF]) {
      return 0;
    }
    Node n = root;
    int best = 0;
    for (int i = pos; i < end; i++) {
      n = n.children.get(s[i]);
      if (n == null) {
        break;
      }
      if (n.terminal) {
        best = i + 1 - pos;
      }
    }
    return best;
  }
}

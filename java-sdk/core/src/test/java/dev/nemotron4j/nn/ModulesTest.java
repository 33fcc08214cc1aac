package dev.nemotron4j.nn;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ModulesTest {
  /** A two-layer toy with HF-style names. */
  static final class Toy extends Module {
    final Embedding embed;
    final LayerNorm1P norm;
    final Linear head;

    Toy() {
      embed = register("embed_tokens", new Embedding(10, 6, Init.normal(0.1f)));
      norm = register("norm", new LayerNorm1P(6, 1e-5f));
      head = register("lm_head", new Linear(6, 10, Init.normal(0.05f)));
    }

    Tensor forward(Tensor ids) {
      return head.forward(norm.forward(embed.forward(ids)));
    }
  }

  @Test
  void namesCountsAndDeterministicInit() {
    try (Toy a = new Toy(); Toy b = new Toy()) {
      assertThat(a.namedParameters().keySet())
          .containsExactly("embed_tokens.weight", "norm.weight", "norm.bias", "lm_head.weight")
          .inOrder();
      assertThat(a.parameterCount()).isEqualTo(60 + 6 + 6 + 60);
      a.initialize(1234);
      b.initialize(1234);
      assertThat(a.embed.weight().value().toFloatArray()).isEqualTo(b.embed.weight().value().toFloatArray());
      // different parameters get different values even with the same shape
      assertThat(a.embed.weight().value().toFloatArray()).isNotEqualTo(a.head.weight().value().toFloatArray());
      b.initialize(99);
      assertThat(a.head.weight().value().toFloatArray()).isNotEqualTo(b.head.weight().value().toFloatArray());
      assertThat(a.norm.weight().value().toFloatArray()).isEqualTo(new float[6]);
    }
  }

  @Test
  void modulesTrainThroughTheTape() {
    try (Toy toy = new Toy(); Scope s = Scope.open()) {
      toy.initialize(5);
      Tensor ids = Tensor.ofLongs(new long[] {1, 2, 3, 4}, 4);
      Tensor targets = Tensor.ofLongs(new long[] {2, 3, 4, 5}, 4);
      float first = 0, last = 0;
      for (int step = 1; step <= 30; step++) {
        toy.zeroGrad();
        float loss;
        try (Scope it = Scope.open(); Tape tape = Tape.record()) {
          Tensor l = Ops.scale(Ops.sum(Ops.tokenLogprobs(toy.forward(ids), targets, -100)), -0.25f);
          loss = l.item();
          tape.backward(l);
        }
        for (Parameter p : toy.parameters()) {
          try (Tensor m = Tensor.zeros(p.shape()); Tensor v = Tensor.zeros(p.shape())) {
            dev.nemotron4j.kernels.Kernels.axpy(p.value(), -0.5f, p.grad());
          }
        }
        if (step == 1) {
          first = loss;
        }
        last = loss;
      }
      assertThat(last).isLessThan(first * 0.5f);
    }
  }

  @Test
  void badModuleArguments() {
    assertThrows(IllegalArgumentException.class, () -> new Linear(0, 3, Init.zeros()));
    assertThrows(IllegalArgumentException.class, () -> new LayerNorm1P(4, 0f));
    assertThrows(IllegalArgumentException.class, () -> new Embedding(-1, 3, Init.zeros()));
  }
}

package dev.nemotron4j.bindings;

import static com.google.common.truth.Truth.assertWithMessage;
import static dev.nemotron4j.bindings.NtApi.*;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.junit.jupiter.api.Test;

/**
 * Every tensor-taking function of the C API, called with null handles, with scalars, with
 * empty tensors and with tensors of the wrong dtype: each must return an error status with a
 * message (or succeed on a legal degenerate input) and the JVM must survive.
 */
class ApiRobustnessTest {
  /** name -> call with every tensor argument t and every index argument i. */
  private static Map<String, Function<nt_tensor[], Integer>> calls() {
    Map<String, Function<nt_tensor[], Integer>> m = new LinkedHashMap<>();
    m.put("fill", a -> nt_fill(a[0], 1.0));
    m.put("fill_normal", a -> nt_fill_normal(a[0], 1, 0f, 1f));
    m.put("fill_uniform", a -> nt_fill_uniform(a[0], 1, 0f, 1f));
    m.put("copy", a -> nt_copy(a[0], a[1]));
    m.put("add", a -> nt_add(a[0], a[1], a[2]));
    m.put("scale", a -> nt_scale(a[0], a[1], 2f));
    m.put("axpy", a -> nt_axpy(a[0], 2f, a[1]));
    m.put("sum_squares", a -> {
      try (DoublePointer d = new DoublePointer(1)) {
        return nt_sum_squares(d, a[0]);
      }
    });
    m.put("convert", a -> nt_convert(a[0], a[1], a[2]));
    m.put("compute_scales", a -> nt_compute_scales(a[0], a[1], NT_F8_E4M3));
    m.put("matmul", a -> nt_matmul(a[0], a[1], a[2], 0, 1, 1f, 0f));
    m.put("matmul_backward", a -> nt_matmul_backward(a[0], a[1], a[2], a[3], a[4], 0, 0, 1f, 0f, 0f));
    m.put("embedding_forward", a -> nt_embedding_forward(a[0], a[5], a[1]));
    m.put("embedding_backward", a -> nt_embedding_backward(a[0], a[1], a[5]));
    m.put("layernorm1p_forward", a -> nt_layernorm1p_forward(a[0], a[1], a[2], a[3], a[4], a[5], 1e-5f));
    m.put("layernorm1p_backward", a -> nt_layernorm1p_backward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]));
    m.put("rope_forward", a -> nt_rope_forward(a[0], a[1], a[5], 2, 1e4f));
    m.put("rope_backward", a -> nt_rope_backward(a[0], a[1], a[5], 2, 1e4f));
    m.put("relu2_forward", a -> nt_relu2_forward(a[0], a[1]));
    m.put("relu2_backward", a -> nt_relu2_backward(a[0], a[1], a[2]));
    m.put("attention_forward", a -> nt_attention_forward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], 0.5f));
    m.put("attention_backward", a -> nt_attention_backward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[0], a[5], a[6], 0.5f));
    m.put("attention_reference_forward", a -> nt_attention_reference_forward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], 0.5f));
    m.put("attention_reference_backward",
        a -> nt_attention_reference_backward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[0], a[5], a[6], 0.5f));
    m.put("attention_decode", a -> nt_attention_decode(a[0], a[1], a[2], a[3], a[5], 0.5f));
    m.put("cross_entropy_forward", a -> nt_cross_entropy_forward(a[0], a[1], a[2], a[5], -100));
    m.put("cross_entropy_backward", a -> nt_cross_entropy_backward(a[0], a[1], a[2], a[3], a[5], -100));
    m.put("adamw_step", a -> nt_adamw_step(a[0], a[1], a[2], a[3], 1e-3f, 0.9f, 0.95f, 1e-8f, 0f, 1, 1f));
    m.put("fp8_matmul", a -> nt_fp8_matmul(a[0], a[1], a[2], a[3], a[4], 1f));
    m.put("all_reduce", a -> {
      try (PointerPointer<nt_tensor> pp = new PointerPointer<>(a[0], a[1], a[2])) {
        return nt_all_reduce(pp, 3, 0);
      }
    });
    m.put("tensor_new_on_missing_device", a -> {
      nt_tensor t = new nt_tensor();
      int rc = nt_tensor_new_on(t, 7, NT_F32, 1, new long[] {3});
      nt_tensor_free(t);
      return rc;
    });
    m.put("clip_grad_norm", a -> {
      try (PointerPointer<nt_tensor> pp = new PointerPointer<>(a[0], a[1]); FloatPointer f = new FloatPointer(1)) {
        return nt_clip_grad_norm(f, pp, 2, 1f);
      }
    });
    return m;
  }

  private static nt_tensor make(int dtype, long... shape) {
    nt_tensor t = new nt_tensor();
    Native.check(nt_tensor_new(t, dtype, shape.length, shape));
    return t;
  }

  private static void runAll(String what, nt_tensor[] args, boolean mustFail) {
    for (Map.Entry<String, Function<nt_tensor[], Integer>> e : calls().entrySet()) {
      int rc = e.getValue().apply(args);
      boolean anyDtype = e.getKey().equals("fill") || e.getKey().equals("copy");
      boolean alwaysFails = e.getKey().equals("tensor_new_on_missing_device");
      if (alwaysFails) {
        assertWithMessage("%s with %s", e.getKey(), what).that(rc).isEqualTo(NT_ERR_DEVICE);
      }
      if (rc != NT_OK || (mustFail && !anyDtype)) {
        assertWithMessage("%s with %s", e.getKey(), what).that(rc).isNotEqualTo(NT_OK);
        assertWithMessage("message of %s with %s", e.getKey(), what).that(Native.string(nt_last_error())).isNotEmpty();
      }
    }
  }

  @Test
  void nullHandles() {
    runAll("null tensors", new nt_tensor[8], true);
  }

  @Test
  void wrongDtypesAndDegenerateShapes() {
    long before = nt_live_tensors();
    int[][] specs = {{NT_U8}, {NT_I64}, {NT_F32}};
    for (int[] spec : specs) {
      for (long[] shape : new long[][] {{}, {0}, {3}, {2, 0, 4}, {1, 1, 1, 1}}) {
        nt_tensor[] args = new nt_tensor[8];
        for (int i = 0; i < args.length; i++) {
          args[i] = make(spec[0], shape);
        }
        try {
          // U8/I64 tensors are the wrong dtype for every float op (fill and copy take any): all must fail
          runAll(spec[0] + " " + java.util.Arrays.toString(shape), args, spec[0] != NT_F32 && shape.length > 0 && shape[0] == 3);
        } finally {
          for (nt_tensor t : args) {
            nt_tensor_free(t);
          }
        }
      }
    }
    assertWithMessage("live tensors").that(nt_live_tensors()).isEqualTo(before);
  }

  @Test
  void mixedRandomArguments() {
    java.util.Random r = new java.util.Random(11);
    int[] dtypes = {NT_F32, NT_BF16, NT_I32, NT_I64, NT_U8, NT_F8_E4M3};
    for (int trial = 0; trial < 60; trial++) {
      nt_tensor[] args = new nt_tensor[8];
      for (int i = 0; i < args.length; i++) {
        if (r.nextInt(6) == 0) {
          continue; // null
        }
        int nd = r.nextInt(5);
        long[] shape = new long[nd];
        for (int d = 0; d < nd; d++) {
          shape[d] = r.nextInt(5);
        }
        args[i] = make(dtypes[r.nextInt(dtypes.length)], shape);
      }
      try {
        runAll("random trial " + trial, args, false);
      } finally {
        for (nt_tensor t : args) {
          if (t != null) {
            nt_tensor_free(t);
          }
        }
      }
    }
  }
}

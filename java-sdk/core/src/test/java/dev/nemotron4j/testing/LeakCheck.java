package dev.nemotron4j.testing;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.tensor.Engine;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test (service loader + autodetection): a test that leaves a tensor open
 * (Java or native), a scope open or a tape recording fails.
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

  @Override
  public void beforeEach(ExtensionContext ctx) {
    ctx.getStore(NS).put("java", Tensor.liveCount());
    ctx.getStore(NS).put("native", Engine.liveTensors());
    ctx.getStore(NS).put("bytes", Engine.liveBytes());
  }

  @Override
  public void afterEach(ExtensionContext ctx) {
    long java = ctx.getStore(NS).get("java", Long.class);
    long nat = ctx.getStore(NS).get("native", Long.class);
    long bytes = ctx.getStore(NS).get("bytes", Long.class);
    assertWithMessage("scope left open by %s", ctx.getDisplayName()).that(Scope.current()).isNull();
    assertWithMessage("tape left recording by %s", ctx.getDisplayName()).that(Tape.active()).isNull();
    assertWithMessage("Java tensors leaked by %s", ctx.getDisplayName()).that(Tensor.liveCount()).isEqualTo(java);
    assertWithMessage("native tensors leaked by %s", ctx.getDisplayName()).that(Engine.liveTensors()).isEqualTo(nat);
    assertWithMessage("native bytes leaked by %s", ctx.getDisplayName()).that(Engine.liveBytes()).isEqualTo(bytes);
  }
}

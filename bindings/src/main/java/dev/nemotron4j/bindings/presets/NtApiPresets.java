package dev.nemotron4j.bindings.presets;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * JavaCPP presets for the engine's C API ({@code native/include/nemotron4j.h}).
 *
 * <p>The JavaCPP parser turns the header into {@code dev.nemotron4j.bindings.NtApi} at build
 * time. At run time the class loads the engine and the JNI glue from this module's jar.
 */
@Properties(
    target = "dev.nemotron4j.bindings.NtApi",
    value =
        @Platform(
            value = "linux-x86_64",
            include = "nemotron4j.h",
            link = "nemotron4j_engine"))
public class NtApiPresets implements InfoMapper {
  @Override
  public void map(InfoMap infoMap) {
    infoMap.put(new Info("NEMOTRON4J_H").cppTypes().annotations());
  }
}

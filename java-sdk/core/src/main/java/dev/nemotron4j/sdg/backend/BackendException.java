package dev.nemotron4j.sdg.backend;

/** A backend could not produce completions: the endpoint failed or answered something unusable. */
public final class BackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BackendException(String message) {
    super(message);
  }

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }
}

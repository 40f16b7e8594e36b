package dev.raftkv.config;

/** A bad peers file, configuration file or option: the message names the file, line and problem. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}

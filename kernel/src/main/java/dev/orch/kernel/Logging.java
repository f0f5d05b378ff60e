package dev.orch.kernel;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code server.log_format} and {@code server.log_level}. Logback may already be running by
 * the time the configuration is read (Vert.x's JSON classes log), so it is reset and configured
 * again from {@code logback.xml} with the chosen values.
 */
final class Logging {
  private Logging() {}

  static void configure(String format, String level) {
    System.setProperty("orch.log.format", format);
    System.setProperty("orch.log.level", level);
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.reset();
      try {
        new ContextInitializer(context).autoConfig();
      } catch (JoranException e) {
        System.err.println("orch: logging configuration failed: " + e.getMessage());
      }
    }
  }
}

package dev.orch.kernel.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Only the lifecycle writes a status: no other main source holds an UPDATE of a task's or project's
 * {@code status} column. (Statements are strings, which the class files ArchUnit reads do not carry,
 * so this rule reads the sources.)
 */
class StatusWritesTest {
  static final Path MAIN = TestKernel.repoRoot().resolve("kernel/src/main/java");
  static final Path LIFECYCLE = MAIN.resolve("dev/orch/kernel/state/Lifecycle.java");
  /** An UPDATE of tasks or projects whose SET names the status column. */
  static final Pattern STATUS_WRITE = Pattern.compile(
      "UPDATE\\s+(tasks|projects)\\s+SET\\b(?:(?!\\bWHERE\\b)[^;\"])*?(?<![\\w.])status\\s*=", Pattern.CASE_INSENSITIVE);

  @Test
  @DisplayName("no main class but the lifecycle writes a task's or a project's status")
  void onlyTheLifecycleWritesStatus() throws IOException {
    List<String> writers;
    try (Stream<Path> files = Files.walk(MAIN)) {
      writers = files.filter(f -> f.toString().endsWith(".java") && !f.equals(LIFECYCLE))
          .filter(f -> STATUS_WRITE.matcher(joined(f)).find())
          .map(f -> MAIN.relativize(f).toString()).toList();
    }
    assertThat(writers).isEmpty();
    assertThat(STATUS_WRITE.matcher(joined(LIFECYCLE)).find()).as("the rule sees the lifecycle's own writes").isTrue();
  }

  /** The source with string concatenations across lines joined, so a statement reads as one line. */
  static String joined(Path file) {
    try {
      return Files.readString(file).replaceAll("\"\\s*\\+\\s*\"", "").replaceAll("\"\\s*\\n\\s*\\+\\s*\"", "");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

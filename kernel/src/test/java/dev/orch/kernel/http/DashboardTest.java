package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The asset fingerprint: the same for the same files, new for any change, so a cached asset is never stale. */
class DashboardTest {
  @TempDir Path root;

  @Test
  @DisplayName("the fingerprint is stable for the same files and changes with any content, name or new file")
  void fingerprint() throws Exception {
    Files.createDirectories(root.resolve("js"));
    Files.writeString(root.resolve("index.html"), "<title>Orch</title>");
    Files.writeString(root.resolve("js/main.js"), "export const a = 1;");
    String first = Dashboard.fingerprint(root);
    assertThat(first).matches("[0-9a-f]{12}").isEqualTo(Dashboard.fingerprint(root));

    Files.writeString(root.resolve("js/main.js"), "export const a = 2;");
    String edited = Dashboard.fingerprint(root);
    assertThat(edited).isNotEqualTo(first);

    Files.move(root.resolve("js/main.js"), root.resolve("js/app.js"));
    String renamed = Dashboard.fingerprint(root);
    assertThat(renamed).isNotIn(first, edited);

    Files.writeString(root.resolve("js/extra.js"), "");
    assertThat(Dashboard.fingerprint(root)).isNotIn(first, edited, renamed);
  }
}

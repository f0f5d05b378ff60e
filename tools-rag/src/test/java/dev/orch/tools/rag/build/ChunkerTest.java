package dev.orch.tools.rag.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.rag.Chunk;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ChunkerTest {
  @Test
  @DisplayName("long text is cut on lines into chunks of at most 1500 characters, each repeating the end of the one before")
  void sizesAndOverlap() {
    String text = IntStream.rangeClosed(1, 120).mapToObj(i -> "line " + i + " of a plain text file about nothing")
        .collect(Collectors.joining("\n"));
    List<Chunk> chunks = Chunker.chunks("notes", "notes.txt", text);

    assertThat(chunks).hasSizeGreaterThan(2).allSatisfy(c -> {
      assertThat(c.text().length()).isLessThanOrEqualTo(Chunker.MAX_CHARS);
      assertThat(c.source()).isEqualTo("notes");
      assertThat(c.filePath()).isEqualTo("notes.txt");
      assertThat(c.typeName()).isNull();
    });
    for (int i = 1; i < chunks.size(); i++) {
      List<String> previous = chunks.get(i - 1).text().lines().toList();
      String first = chunks.get(i).text().lines().findFirst().orElseThrow();
      assertThat(previous.subList(previous.size() / 2, previous.size()))
          .as("chunk %d starts with the last lines of chunk %d", i, i - 1).contains(first);
    }
    String all = chunks.stream().map(Chunk::text).collect(Collectors.joining("\n"));
    IntStream.rangeClosed(1, 120).forEach(i -> assertThat(all).contains("line " + i + " of"));
  }

  @Test
  @DisplayName("Markdown is cut before headings, each section its own chunk")
  void markdownSections() {
    String body = "Some words about it. ".repeat(25);
    String text = "# Install\n\n" + body + "\n\n## Configure\n\n" + body + "\n\n## Run\n\n" + body + "\n";
    List<Chunk> chunks = Chunker.chunks("docs", "docs/guide.md", text);

    assertThat(chunks).extracting(c -> c.text().lines().findFirst().orElseThrow())
        .containsExactly("# Install", "## Configure", "## Run");
  }

  @Test
  @DisplayName("a chunk of source takes the type it declares, or the last one declared before it in the file")
  void typeNames() {
    String filler = IntStream.range(0, 60).mapToObj(i -> "  int field" + i + " = " + i + ";")
        .collect(Collectors.joining("\n"));
    String text = "package x;\n\npublic final class Greeter {\n" + filler + "\n}\n\n"
        + "@Deprecated\nprivate static record Pair(int a, int b) {}\n";
    List<Chunk> chunks = Chunker.chunks("src", "src/Greeter.java", text);

    assertThat(chunks).hasSizeGreaterThan(1);
    assertThat(chunks.get(0).typeName()).isEqualTo("Greeter");
    assertThat(chunks.get(chunks.size() - 1).typeName()).isEqualTo("Pair");
    assertThat(chunks.subList(1, chunks.size() - 1)).allSatisfy(c -> assertThat(c.typeName()).isEqualTo("Greeter"));
    assertThat(Chunker.chunks("docs", "docs/a.md", "The class Foo is a type Bar.")).singleElement()
        .satisfies(c -> assertThat(c.typeName()).as("prose is not source").isNull());
  }

  @Test
  @DisplayName("a single line longer than a chunk (minified code) is cut into chunk-sized parts")
  void minified() {
    List<Chunk> chunks = Chunker.chunks("web", "web/app.min.js", "x".repeat(5000));
    assertThat(chunks).hasSizeGreaterThan(3).allSatisfy(c -> assertThat(c.text().length())
        .isLessThanOrEqualTo(Chunker.MAX_CHARS));
  }

  @Test
  @DisplayName("progress: plain lines at each tenth when not a terminal, a bar redrawn in place on one")
  void progress() {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    Progress lines = new Progress(new PrintStream(plain, true, StandardCharsets.UTF_8), false, "embedding", "chunks", 20);
    for (int i = 0; i < 20; i++) {
      lines.advance(1);
    }
    lines.finish();
    assertThat(plain.toString(StandardCharsets.UTF_8).lines()).hasSize(10)
        .startsWith("orch rag: embedding  10% 2/20 chunks").endsWith("orch rag: embedding 100% 20/20 chunks");

    ByteArrayOutputStream tty = new ByteArrayOutputStream();
    Progress bar = new Progress(new PrintStream(tty, true, StandardCharsets.UTF_8), true, "embedding", "chunks", 4);
    bar.advance(4);
    bar.finish();
    assertThat(tty.toString(StandardCharsets.UTF_8))
        .startsWith("\rembedding  [##############################] 100% 4/4 chunks").endsWith("\n");
  }

  @Test
  @DisplayName("a chunk's source is the first folder below those all files share, else the root's name")
  void sources() {
    List<SourceFiles.SourceFile> tree = List.of(new SourceFiles.SourceFile("dev/orch/auth/A.java", "a"),
        new SourceFiles.SourceFile("dev/orch/http/B.java", "b"), new SourceFiles.SourceFile("dev/orch/Main.java", "m"));
    int shared = RagBuilder.sharedFolders(tree);
    assertThat(shared).isEqualTo(2);
    assertThat(tree).extracting(f -> RagBuilder.source(f.path(), shared, "java")).containsExactly("auth", "http", "orch");

    List<SourceFiles.SourceFile> mixed = List.of(new SourceFiles.SourceFile("README.md", "r"),
        new SourceFiles.SourceFile("docs/a.md", "a"));
    assertThat(mixed).extracting(f -> RagBuilder.source(f.path(), RagBuilder.sharedFolders(mixed), "project"))
        .containsExactly("project", "docs");
  }
}

package dev.orch.tools.comfyui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** generate_image against a local server speaking ComfyUI's protocol. */
class GenerateImageToolTest {
  Vertx vertx;
  ComfyUiServer comfy;
  @TempDir Path dir;
  Path workspace;
  JsonObject config;
  final GenerateImageTool tool = new GenerateImageTool();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    comfy = new ComfyUiServer(vertx);
    workspace = Files.createDirectories(dir.resolve("projects/p1"));
    config = new JsonObject().put("comfyui", new JsonObject().put("hosts", new JsonObject().put("local", comfy.url()))
        .put("poll_interval", 0.05).put("timeout", 10).put("default_checkpoint", "sd_xl_base_1.0.safetensors"));
  }

  @AfterEach
  void stop() throws Exception {
    comfy.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  String call(JsonObject arguments) throws Exception {
    return tool.invoke(arguments, new ToolContext(vertx, "p1", "t1", workspace, config, LoggerFactory.getLogger("t")))
        .await(20, TimeUnit.SECONDS);
  }

  ToolException failure(JsonObject arguments) {
    Throwable thrown = catchThrowable(() -> call(arguments));
    assertThat(thrown).isInstanceOf(ToolException.class);
    return (ToolException) thrown;
  }

  @Test
  @DisplayName("submits the SDXL workflow, polls history, saves the image in the project folder, returns its path and view URL")
  void generates() throws Exception {
    String text = call(new JsonObject().put("prompt", "a red bicycle").put("negative_prompt", "blurry")
        .put("width", 832).put("height", 1216));
    Matcher m = Pattern.compile("Image saved: (images/[^ ]+) \\(832x1216\\)\\. View: (\\S+)").matcher(text);
    assertThat(m.matches()).as(text).isTrue();
    Path saved = workspace.resolve(m.group(1));
    BufferedImage image = ImageIO.read(saved.toFile());
    assertThat(image.getWidth()).isEqualTo(104);
    assertThat(image.getHeight()).isEqualTo(152);
    var view = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group(2))).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(view.statusCode()).isEqualTo(200);
    assertThat(view.body()).isEqualTo(Files.readAllBytes(saved));

    JsonObject workflow = comfy.prompts.get(0).getJsonObject("prompt");
    assertThat(workflow.getJsonObject("4").getJsonObject("inputs").getString("ckpt_name"))
        .isEqualTo("sd_xl_base_1.0.safetensors");
    assertThat(workflow.getJsonObject("6").getJsonObject("inputs").getString("text")).isEqualTo("a red bicycle");
    assertThat(workflow.getJsonObject("7").getJsonObject("inputs").getString("text")).isEqualTo("blurry");
    JsonObject sampler = workflow.getJsonObject("3").getJsonObject("inputs");
    assertThat(sampler.getInteger("steps")).isEqualTo(20);
    assertThat(sampler.getInteger("cfg")).isEqualTo(7);
    assertThat(sampler.getString("sampler_name")).isEqualTo("euler");
    assertThat(comfy.historyRequests.get()).as("polled until done").isEqualTo(3);
  }

  @Test
  @DisplayName("the schema offered for this configuration lists its ComfyUI hosts as the choices for host")
  void hostEnum() {
    assertThat(tool.parameters(config).getJsonObject("properties").getJsonObject("host").getJsonArray("enum")
        .getList()).containsExactly("local");
  }

  @Test
  @DisplayName("defaults to 1024x1024")
  void defaultSize() throws Exception {
    assertThat(call(new JsonObject().put("prompt", "a lighthouse"))).contains("(1024x1024)");
    assertThat(comfy.prompts.get(0).getJsonObject("prompt").getJsonObject("5").getJsonObject("inputs")
        .getInteger("width")).isEqualTo(1024);
  }

  @Test
  @DisplayName("ComfyUI's refusal of the workflow and an execution error come back as text")
  void comfyErrors() {
    config.getJsonObject("comfyui").put("default_checkpoint", "missing.safetensors");
    ToolException refused = failure(new JsonObject().put("prompt", "x"));
    assertThat(refused.getMessage()).startsWith("ComfyUI (local) refused the workflow: Prompt outputs failed"
        + " validation; CheckpointLoaderSimple: Value not in list (ckpt_name: 'missing.safetensors' not in");
    assertThat(refused.retryable()).isFalse();

    config.getJsonObject("comfyui").put("default_checkpoint", "sd_xl_base_1.0.safetensors");
    comfy.executionError = "CUDA out of memory. Tried to allocate 2.00 GiB";
    assertThat(failure(new JsonObject().put("prompt", "x")).getMessage())
        .isEqualTo("ComfyUI could not make the image: KSampler: CUDA out of memory. Tried to allocate 2.00 GiB");
    assertThat(workspace.resolve("images")).doesNotExist();
  }

  @Test
  @DisplayName("a prompt that does not finish within comfyui.timeout is given up on")
  void timeout() {
    comfy.never = true;
    config.getJsonObject("comfyui").put("timeout", 0.5);
    ToolException e = failure(new JsonObject().put("prompt", "x"));
    assertThat(e.getMessage()).isEqualTo("ComfyUI (local) did not finish within 0.5 s");
    assertThat(e.retryable()).isTrue();
  }

  @Test
  @DisplayName("a host that cannot be reached, an unknown host and bad sizes are messages")
  void mistakes() throws Exception {
    assertThat(failure(new JsonObject().put("prompt", "x").put("host", "farm")).getMessage())
        .isEqualTo("Unknown ComfyUI host 'farm'; this server has: local");
    assertThat(failure(new JsonObject().put("prompt", "x").put("width", 1001)).getMessage())
        .startsWith("width must be");
    assertThat(failure(new JsonObject().put("width", 512)).getMessage()).startsWith("prompt is required");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    config.getJsonObject("comfyui").getJsonObject("hosts").put("local", "http://127.0.0.1:" + port);
    ToolException down = failure(new JsonObject().put("prompt", "x"));
    assertThat(down.getMessage()).startsWith("ComfyUI host 'local' is not reachable:");
    assertThat(down.retryable()).isTrue();
  }

  @Test
  @DisplayName("an images/ link out of the project folder is refused; nothing is written outside")
  void imagesLinkOut() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createSymbolicLink(workspace.resolve("images"), outside);
    assertThat(failure(new JsonObject().put("prompt", "x")).getMessage()).contains("symbolic link");
    try (var files = Files.list(outside)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  @DisplayName("an image over tools.comfyui.max_image_bytes is refused")
  void imageLimit() {
    config.put("max_image_bytes", 10);
    assertThat(failure(new JsonObject().put("prompt", "x")).getMessage()).contains("over the limit of 10 bytes");
  }

  @Test
  @DisplayName("ComfyUI's file names become safe names in images/")
  void safeNames() {
    assertThat(ImageFolder.safeName("../../etc/passwd")).isEqualTo("passwd.png");
    assertThat(ImageFolder.safeName(".hidden.png")).isEqualTo("hidden.png");
    assertThat(ImageFolder.safeName("orch_00001_.png")).isEqualTo("orch_00001_.png");
    assertThat(ImageFolder.safeName("a b;c.webp")).isEqualTo("a_b_c.webp");
  }
}

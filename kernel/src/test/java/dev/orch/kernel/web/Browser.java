package dev.orch.kernel.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, driven by Selenium through Debian's chromedriver: nothing is downloaded
 * at test time. Without them a test is skipped with the reason, except in CI ({@code CI=true} or
 * {@code ORCH_TEST_BROWSER_REQUIRED=1}), where it fails: a browser test that silently does not run
 * would hide a broken dashboard.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("ORCH_TEST_CHROMIUM", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("ORCH_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"));
  static final int DESKTOP_W = 1440;
  static final int DESKTOP_H = 900;
  static final int PHONE_W = 390;
  static final int PHONE_H = 844;

  final ChromeDriver driver;
  final String base;
  private final Path profile;

  private Browser(String base) {
    this.base = base;
    try {
      profile = Files.createTempDirectory("orch-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--lang=en-US", "--user-data-dir=" + profile, "--window-size=" + DESKTOP_W + "," + DESKTOP_H);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    desktop();
  }

  /** A fresh browser profile against {@code base}; skips or fails as the class comment says when none is installed. */
  static Browser open(String base) {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    boolean required = "true".equalsIgnoreCase(System.getenv("CI")) || "1".equals(System.getenv("ORCH_TEST_BROWSER_REQUIRED"));
    String missing = "no headless browser: install Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER + ")";
    if (!present) {
      if (required) {
        throw new AssertionError(missing);
      }
      Assumptions.abort(missing);
    }
    return new Browser(base);
  }

  void go(String path) {
    driver.get(base + path);
  }

  /** The page's own navigation (no reload), as a click on a link does. */
  void navigate(String path) {
    js("window.history.pushState(null, '', arguments[0]); window.dispatchEvent(new PopStateEvent('popstate'));", path);
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  <T> T until(String what, Duration timeout, Function<WebDriver, T> condition) {
    try {
      return new WebDriverWait(driver, timeout).withMessage(what).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
          .until(condition);
    } catch (org.openqa.selenium.TimeoutException e) {
      // What a person would have seen: the address, the page's text and the console.
      String text = String.valueOf(js("return document.body ? document.body.innerText : '';"));
      throw new AssertionError("timed out waiting for " + what + "\nurl: " + driver.getCurrentUrl() + "\npage: "
          + text.substring(0, Math.min(1500, text.length())) + "\nconsole: " + console(), e);
    }
  }

  <T> T until(String what, Function<WebDriver, T> condition) {
    return until(what, Duration.ofSeconds(30), condition);
  }

  /** Waits until an element shows and returns it. */
  WebElement visible(String css) {
    return until("visible: " + css, d -> {
      var found = d.findElements(By.cssSelector(css));
      return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
    });
  }

  /** Waits until an element containing {@code text} (in any case: CSS may capitalise) matches {@code css}. */
  WebElement withText(String css, String text) {
    String wanted = text.toLowerCase(java.util.Locale.ROOT);
    return until("'" + text + "' in " + css, d -> d.findElements(By.cssSelector(css)).stream()
        .filter(e -> e.getText().toLowerCase(java.util.Locale.ROOT).contains(wanted)).findFirst().orElse(null));
  }

  void type(String css, String text) {
    WebElement el = visible(css);
    el.clear();
    el.sendKeys(text);
  }

  void click(String css) {
    visible(css).click();
  }

  /** Clicks the first button or link whose text is {@code text}. */
  void press(String text) {
    until("button '" + text + "'", d -> d.findElements(By.cssSelector("button, a")).stream()
        .filter(e -> e.isDisplayed() && e.isEnabled() && e.getText().trim().equals(text)).findFirst().orElse(null)).click();
  }

  void desktop() {
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", DESKTOP_W, "height", DESKTOP_H,
        "deviceScaleFactor", 1, "mobile", false));
  }

  void phone() {
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", PHONE_W, "height", PHONE_H,
        "deviceScaleFactor", 1, "mobile", true));
  }

  /**
   * Writes {@code docs/screenshots/<name>-desktop.png} and {@code <name>-phone.png}: the page as it is
   * now at 1440×900, then at 390×844 once the layout has settled.
   */
  void screenshots(String name) {
    Path dir = Path.of(System.getProperty("orch.repo.root", "..")).resolve("docs/screenshots");
    try {
      Files.createDirectories(dir);
      js("document.querySelectorAll('.toast').forEach((t) => t.remove());");
      desktop();
      settle();
      Files.write(dir.resolve(name + "-desktop.png"), driver.getScreenshotAs(OutputType.BYTES));
      phone();
      settle();
      Files.write(dir.resolve(name + "-phone.png"), driver.getScreenshotAs(OutputType.BYTES));
      desktop();
      settle();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Two animation frames and the chart animations: what a person would wait before looking. */
  void settle() {
    ((JavascriptExecutor) driver).executeAsyncScript(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 450)));");
  }

  /** axe-core on the page as it is: no serious or critical violation of WCAG 2.1 A/AA. */
  void assertAccessible(String page) {
    Results results = new AxeBuilder().withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")).analyze(driver);
    List<String> problems = new ArrayList<>();
    for (Rule rule : results.getViolations()) {
      if ("serious".equals(rule.getImpact()) || "critical".equals(rule.getImpact())) {
        problems.add(rule.getImpact() + " " + rule.getId() + ": " + rule.getHelp() + " at "
            + rule.getNodes().stream().limit(3).map(n -> String.valueOf(n.getTarget())).collect(Collectors.joining(", ")));
      }
    }
    assertThat(problems).as("accessibility of " + page).isEmpty();
  }

  /** Console messages since the last call. */
  List<String> console() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage).toList();
  }

  /** Fails when the browser reported a Content-Security-Policy violation or an uncaught error. */
  void assertCleanConsole(String page) {
    assertThat(console()).as("console of " + page)
        .noneMatch(m -> m.contains("Content Security Policy") || m.contains("Uncaught") || m.contains("Refused to"));
  }

  String local(String key) {
    return (String) js("return window.localStorage.getItem(arguments[0]);", key);
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      deleteQuietly(profile.toFile());
    }
  }

  private static void deleteQuietly(File f) {
    File[] children = f.listFiles();
    if (children != null) {
      for (File c : children) {
        deleteQuietly(c);
      }
    }
    f.delete();
  }
}

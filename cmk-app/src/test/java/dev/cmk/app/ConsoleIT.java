package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser: Debian's {@code chromium}, headless, driven through {@code
 * chromium-driver}, against a full node on 127.0.0.1 (local provider, embedded H2, probe every
 * second). Every flow goes through the console's pages and is checked against the API; every page
 * is checked by axe-core (injected by the test from its resources, never served by the product) at
 * 1440 px and at 390 px, with no serious or critical finding allowed.
 *
 * <p>The browser reaches the node through a {@link TcpSwitch}, so a test can take the node away
 * from the browser (connections cut) and give it back. It reaches 127.0.0.1 only and keeps its
 * profile in a temporary directory. Screenshots and axe's counts per page are kept in {@code
 * target/console-screenshots/}. Set {@code CMK_TEST_CHROMIUM} / {@code CMK_TEST_CHROMEDRIVER} to
 * use other binaries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
          + " frame-ancestors 'none'";
  static final Duration WAIT = Duration.ofSeconds(15);
  static final Path SHOTS = Path.of("target", "console-screenshots");

  @TempDir static Path dir;
  static TestNode n;
  static TcpSwitch front;
  static String base;
  static ChromeDriver browser;
  static WebDriverWait wait;
  static String axeSource;
  static final List<String> browserLog = new ArrayList<>();

  /** page@width -> counts of axe violations by impact, written to axe-summary.txt. */
  static final Map<String, Map<String, Integer>> axeCounts = new TreeMap<>();

  @BeforeAll
  static void start() throws IOException {
    CmkConfig e = CmkConfig.embeddedIn(dir, 1 << 20);
    n =
        new TestNode(
            new CmkConfig(
                    "cmk-test",
                    e.server(),
                    e.storage(),
                    e.keys(),
                    e.local(),
                    e.kekCache(),
                    1 << 20,
                    e.providers(),
                    e.principals(),
                    new CmkConfig.Availability(Duration.ofSeconds(1), Duration.ofMinutes(2), 100),
                    e.crypto(),
                    e.audit())
                .withWebhooks(
                    new CmkConfig.Webhooks(
                        true,
                        Duration.ofMillis(200),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(2))));
    front = new TcpSwitch(n.node.port());
    base = front.endpoint();
    browser = chromium(Files.createDirectories(dir.resolve("chromium-profile")));
    wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(100));
    wait.ignoring(StaleElementReferenceException.class); // polled pages draw their rows again
    try (InputStream in = ConsoleIT.class.getResourceAsStream("/axe/axe.min.js")) {
      axeSource = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Files.createDirectories(SHOTS);
  }

  static ChromeDriver chromium(Path profile) {
    Path binary = executable("CMK_TEST_CHROMIUM", "/usr/bin/chromium");
    Path driver = executable("CMK_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
    ChromeOptions o = new ChromeOptions();
    o.setBinary(binary.toFile());
    o.addArguments(
        "--headless=new",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--user-data-dir=" + profile,
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        // 127.0.0.1 only: no other name resolves, and anything not loopback goes to a dead proxy
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
        "--window-size=1440,1000");
    if ("root".equals(System.getProperty("user.name"))) {
      o.addArguments("--no-sandbox"); // Chromium's sandbox refuses to run as root
    }
    o.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(driver.toFile())
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, o);
  }

  static Path executable(String env, String dflt) {
    Path p = Path.of(System.getenv().getOrDefault(env, dflt));
    if (!Files.isExecutable(p)) {
      throw new IllegalStateException(
          p + " not found: apt-get install chromium chromium-driver (see .ci/run), or set " + env);
    }
    return p;
  }

  @BeforeEach
  void wide() {
    front.on();
    browser.manage().window().setSize(new Dimension(1440, 1000));
  }

  /** What the page looked like at the end of each test: target/console-screenshots/NAME.png. */
  @AfterEach
  void screenshot(TestInfo test) throws IOException {
    front.on();
    shot(test.getTestMethod().map(m -> m.getName()).orElse("test"));
  }

  static void shot(String name) throws IOException {
    Files.write(SHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  @AfterEach
  void noContentSecurityPolicyViolations() {
    for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
      browserLog.add(entry.getMessage());
    }
    assertThat(browserLog)
        .as("the console must not need anything its own CSP forbids")
        .noneMatch(m -> m.contains("Content Security Policy"));
    browserLog.clear();
  }

  @AfterAll
  static void stop() throws IOException {
    if (!axeCounts.isEmpty()) {
      StringBuilder s = new StringBuilder("page@width: axe violations by impact\n");
      axeCounts.forEach((k, v) -> s.append(k).append(": ").append(v).append('\n'));
      Files.writeString(SHOTS.resolve("axe-summary.txt"), s);
    }
    if (browser != null) {
      browser.quit();
    }
    if (front != null) {
      front.close();
    }
    if (n != null) {
      n.close();
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  static JavascriptExecutor js() {
    return browser;
  }

  static void openConsole() {
    browser.get(base + "/console/");
    js().executeScript("sessionStorage.clear(); history.replaceState(null, '', location.pathname)");
    browser.navigate().refresh();
    wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
  }

  static void signIn(String token, String account) {
    openConsole();
    type("token", token);
    type("account-id", account);
    browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
    if (!account.isEmpty()) {
      page("overview");
      wait.until(d -> text("acct-id").equals(account));
    }
  }

  static void type(String id, String value) {
    WebElement e = browser.findElement(By.id(id));
    e.clear();
    e.sendKeys(value);
  }

  static String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  static boolean shown(String id) {
    return browser.findElement(By.id(id)).isDisplayed();
  }

  static void page(String section) {
    browser.findElement(By.cssSelector("#nav a[data-section=" + section + "]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(section)));
    wait.until(d -> ("#" + section).equals(js().executeScript("return location.hash")));
  }

  static WebElement waitText(String id, String expected) {
    wait.until(ExpectedConditions.textToBe(By.id(id), expected));
    return browser.findElement(By.id(id));
  }

  static void waitContains(String id, String part) {
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id(id), part));
  }

  static void confirm() {
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
    wait.until(ExpectedConditions.elementToBeClickable(By.id("confirm-ok"))).click();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
  }

  static String accountWithKey(String name, String alias) throws Exception {
    String account = n.createAccount(name);
    n.node.localProvider().orElseThrow().createKey(alias);
    var r =
        n.send(
            n.operator,
            "PUT",
            "/v1/accounts/" + account + "/key",
            "{\"provider\":\"local\",\"keyId\":\"" + alias + "\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return account;
  }

  static JsonNode get(String path) throws Exception {
    return n.send(n.operator, "GET", path, null).json();
  }

  /** URLs the page fetched since it was loaded (the browser's resource timing). */
  @SuppressWarnings("unchecked")
  static List<String> fetched() {
    return (List<String>)
        js().executeScript("return performance.getEntriesByType('resource').map(e => e.name)");
  }

  /**
   * axe-core on the page as shown: no serious or critical finding. The counts by impact are kept
   * for axe-summary.txt.
   */
  @SuppressWarnings("unchecked")
  static void axe(String name) {
    if (!Boolean.TRUE.equals(js().executeScript("return typeof window.axe === 'object'"))) {
      js().executeScript(axeSource);
    }
    Map<String, Object> r =
        (Map<String, Object>)
            js().executeAsyncScript(
                    "const done = arguments[arguments.length - 1];"
                        + "axe.run(document, {resultTypes: ['violations']})"
                        + ".then(r => done({v: r.violations.map(v => ({id: v.id, impact: v.impact,"
                        + " nodes: v.nodes.length, help: v.help,"
                        + " targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))}))"
                        + ".catch(e => done({error: String(e)}));");
    assertThat(r.get("error")).as("axe failed to run").isNull();
    List<Map<String, Object>> v = (List<Map<String, Object>>) r.get("v");
    long width = (Long) js().executeScript("return window.innerWidth");
    assertThat((Long) js().executeScript("return document.documentElement.scrollWidth"))
        .as("nothing on " + name + " is wider than the window")
        .isLessThanOrEqualTo(width);
    Map<String, Integer> counts = new TreeMap<>();
    for (String impact : List.of("critical", "serious", "moderate", "minor")) {
      counts.put(impact, 0);
    }
    v.forEach(x -> counts.merge(String.valueOf(x.get("impact")), 1, Integer::sum));
    axeCounts.put(name + "@" + (width > 800 ? 1440 : 390), counts);
    assertThat(v)
        .as("axe serious/critical findings on " + name)
        .filteredOn(x -> "serious".equals(x.get("impact")) || "critical".equals(x.get("impact")))
        .isEmpty();
  }

  static String activeId() {
    return (String)
        js().executeScript("return document.activeElement && document.activeElement.id");
  }

  // ---- flows ---------------------------------------------------------------------------------

  @Test
  @Order(1)
  @Timeout(90)
  void anOperatorWithNoAccountCreatesOneAndThePickerKeepsItAfterAReload() throws Exception {
    assertThat(get("/v1/accounts")).as("this flow runs first, on a node with no account").isEmpty();
    signIn(n.operator, "");
    wait.until(d -> text("dash-status").contains("No account yet"));
    assertThat(browser.findElement(By.id("dash-status")).getDomAttribute("class"))
        .as("no account yet is information, not an error")
        .contains("info");
    assertThat(browser.getTitle()).isEqualTo("Dashboard · CMK console");
    axe("dashboard-empty");

    // account pages without an account: a pointer to the dashboard, no /v1/accounts/null call
    browser.findElement(By.cssSelector("#nav a[data-section=keys]")).click();
    wait.until(d -> shown("no-account") && !shown("keys"));
    browser.findElement(By.cssSelector("#nav a[data-section=jobs]")).click();
    wait.until(d -> shown("no-account") && browser.getTitle().startsWith("Jobs"));
    axe("no-account");
    assertThat(fetched()).noneMatch(u -> u.contains("/accounts/null") || u.contains("/accounts//"));
    assertThat(shown("error")).isFalse();

    page("dashboard");
    browser.findElement(By.cssSelector("#account-form button")).click();
    assertThat(browser.findElement(By.id("new-account-name")).getDomAttribute("aria-invalid"))
        .isEqualTo("true");
    assertThat(browser.findElement(By.id("new-account-name")).getDomAttribute("aria-describedby"))
        .isEqualTo("new-account-name-error");
    type("new-account-name", "Acme");
    type("new-account-region", "eu-central-1");
    browser.findElement(By.cssSelector("#account-form button")).click();
    waitContains("account-status", "created and selected");
    String id = get("/v1/accounts").get(0).get("id").asText();
    assertThat(get("/v1/accounts/" + id).get("region").asText()).isEqualTo("eu-central-1");
    wait.until(
        d ->
            new Select(d.findElement(By.id("account-select")))
                .getFirstSelectedOption()
                .getText()
                .equals("Acme (" + id + ")"));

    browser.navigate().refresh();
    wait.until(d -> id.equals(d.findElement(By.id("account-select")).getDomProperty("value")));
    page("overview");
    waitText("acct-id", id);
    assertThat(fetched()).noneMatch(u -> u.contains("/accounts/null"));
  }

  @Test
  @Order(2)
  @Timeout(120)
  void registeringAKeyShowsThePolicyFirstThenEveryCheckWithItsFix() throws Exception {
    String account = n.createAccount("Initech");
    String admin = n.adminToken(account);
    n.node.localProvider().orElseThrow().createKey("initech-1");
    signIn(admin, account);
    page("keys");
    assertThat(browser.getTitle()).isEqualTo("Key · CMK console");
    assertThat(activeId()).as("focus moves to the page's heading").isEqualTo("keys-title");
    // the policy comes before registration: it must be applied first
    assertThat(browser.findElement(By.id("policy-title")).getLocation().getY())
        .isLessThan(browser.findElement(By.id("register-title")).getLocation().getY());

    new Select(browser.findElement(By.id("reg-provider"))).selectByValue("local");
    browser.findElement(By.cssSelector("#register-form button")).click();
    assertThat(browser.findElement(By.id("reg-key")).getDomAttribute("aria-invalid"))
        .isEqualTo("true");
    assertThat(text("reg-key-error")).isNotEmpty();

    // a key that does not exist: the API's 409, every check, what it means and its exact fix
    type("reg-key", "initech-missing");
    browser.findElement(By.cssSelector("#register-form button")).click();
    waitText("error-code", "key_validation_failed");
    assertThat(text("error-title")).contains("failed validation");
    var api =
        n.send(
            admin,
            "PUT",
            "/v1/accounts/" + account + "/key",
            "{\"provider\":\"local\",\"keyId\":\"initech-missing\"}");
    assertThat(text("error-message")).isEqualTo(api.json().at("/error/message").asText());
    JsonNode checks = api.json().at("/error/details/report/checks");
    assertThat(browser.findElements(By.cssSelector("#report-rows tr"))).hasSize(checks.size());
    int failed = 0;
    for (JsonNode c : checks) {
      WebElement row =
          browser.findElement(
              By.cssSelector("#report-rows tr[data-check='" + c.get("name").asText() + "']"));
      String outcome = c.get("outcome").asText();
      assertThat(row.findElement(By.className("check-outcome")).getText()).isEqualTo(outcome);
      assertThat(row.findElement(By.className("check-fix")).getText())
          .isEqualTo(c.get("fix").asText());
      assertThat(row.findElement(By.className("check-name")).getText())
          .as("a human name, not the raw id")
          .doesNotContain("_");
      String effect = row.findElement(By.className("check-effect")).getText();
      switch (outcome) {
        case "PASS" -> assertThat(effect).isEqualTo("passed");
        case "SKIPPED" -> assertThat(effect).isEqualTo("not applicable");
        default ->
            assertThat(effect)
                .isEqualTo(c.get("required").asBoolean() ? "blocks activation" : "warning only");
      }
      if (c.get("name").asText().equals("key_exists")) {
        assertThat(c.get("fix").asText())
            .as("the local provider's fix")
            .contains("local")
            .doesNotContain("region");
      }
      failed += outcome.equals("FAIL") ? 1 : 0;
    }
    assertThat(failed).isPositive();
    axe("keys-report");

    // the real key: every check passes, the key is active
    type("reg-key", "initech-1");
    browser.findElement(By.cssSelector("#register-form button")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("report-title"), "active"));
    assertThat(shown("error")).isFalse();
    assertThat(browser.findElements(By.cssSelector("#report-rows .check-outcome")))
        .isNotEmpty()
        .allMatch(e -> !e.getText().equals("FAIL"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("key-rows"), "ACTIVE"));
    assertThat(get("/v1/accounts/" + account + "/keys").get(0).get("keyId").asText())
        .isEqualTo("initech-1");
    assertThat(
            browser.findElement(By.cssSelector("#key-rows button")).getDomAttribute("aria-label"))
        .isEqualTo("Validate again (initech-1)");

    // the AWS key policy as JSON, exactly the API's document; OCI as statements; Copy
    new Select(browser.findElement(By.id("pol-provider"))).selectByValue("aws");
    type("pol-aws", "111122223333");
    browser.findElement(By.cssSelector("#policy-form button")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("policy-text")));
    JsonNode aws =
        get("/v1/accounts/" + account + "/key-policy?provider=aws&awsAccountId=111122223333");
    assertThat(TestNode.JSON.readTree(text("policy-text"))).isEqualTo(aws.get("document"));
    browser.findElement(By.id("policy-copy")).click();
    wait.until(d -> !text("policy-copied").isEmpty());
    new Select(browser.findElement(By.id("pol-provider"))).selectByValue("oci");
    browser.findElement(By.cssSelector("#policy-form button")).click();
    JsonNode oci = get("/v1/accounts/" + account + "/key-policy?provider=oci");
    List<String> statements = new ArrayList<>();
    oci.get("statements").forEach(s -> statements.add(s.asText()));
    waitText("policy-text", String.join("\n", statements));
    axe("keys");

    // a revisit starts clean: no old report, policy or input
    page("overview");
    page("keys");
    wait.until(d -> !shown("report") && !shown("policy"));
    assertThat(browser.findElement(By.id("reg-key")).getDomProperty("value")).isEmpty();

    // what still uses the key: when the server has the route; else the button is not offered
    boolean dependents =
        n.send(
                    admin,
                    "GET",
                    "/v1/accounts/"
                        + account
                        + "/keys/"
                        + get("/v1/accounts/" + account + "/keys").get(0).get("id").asText()
                        + "/dependents",
                    null)
                .status()
            == 200;
    List<WebElement> uses =
        browser.findElements(By.cssSelector("#key-rows button[aria-label^='What uses it']"));
    if (dependents) {
      uses.get(0).click();
      wait.until(d -> shown("dependents"));
      waitContains("dependents-title", "initech-1");
    } else if (!uses.isEmpty()) {
      uses.get(0).click();
      wait.until(
          d ->
              d.findElements(By.cssSelector("#key-rows button[aria-label^='What uses it']"))
                  .isEmpty());
      assertThat(shown("dependents")).isFalse();
    }
  }

  @Test
  @Order(3)
  @Timeout(90)
  void theOptionsAreStoredConfirmedAndAFailedToggleShowsTheStoredValue() throws Exception {
    String account = n.createAccount("Globex");
    String admin = n.adminToken(account);
    signIn(admin, account);
    WebElement fallback = browser.findElement(By.id("opt-fallback"));
    assertThat(fallback.isSelected()).isFalse();
    assertThat(browser.findElement(By.id("opt-drop")).isEnabled())
        .as("drop-calls is an operator option")
        .isFalse();

    fallback.click();
    waitText("options-status", "Fallback is now on.");
    assertThat(get("/v1/accounts/" + account).get("fallbackEnabled").asBoolean()).isTrue();

    // fallback modes, on a server that has them (the account says its mode)
    if (get("/v1/accounts/" + account).has("fallbackMode")) {
      wait.until(d -> shown("fallback-mode-box"));
      new Select(browser.findElement(By.id("opt-fallback-mode"))).selectByValue("OUTAGES_ONLY");
      waitText("options-status", "Fallback mode is now OUTAGES_ONLY: outages only.");
      assertThat(get("/v1/accounts/" + account).get("fallbackMode").asText())
          .isEqualTo("OUTAGES_ONLY");
    }

    // a reload keeps the session (this tab's storage), never the URL or localStorage
    browser.navigate().refresh();
    wait.until(d -> text("acct-id").equals(account));
    assertThat(browser.findElement(By.id("opt-fallback")).isSelected()).isTrue();
    assertThat(browser.getCurrentUrl()).doesNotContain(admin);
    assertThat(js().executeScript("return localStorage.length")).isEqualTo(0L);
    assertThat(js().executeScript("return document.cookie")).isEqualTo("");

    // turning fallback off asks first; Escape cancels and leaves it on
    browser.findElement(By.id("opt-fallback")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
    axe("confirm-dialog");
    browser.findElement(By.id("confirm-cancel")).sendKeys(Keys.ESCAPE);
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
    assertThat(browser.findElement(By.id("opt-fallback")).isSelected()).isTrue();
    assertThat(get("/v1/accounts/" + account).get("fallbackEnabled").asBoolean()).isTrue();

    browser.findElement(By.id("opt-fallback")).click();
    confirm();
    waitText("options-status", "Fallback is now off.");
    assertThat(get("/v1/accounts/" + account).get("fallbackEnabled").asBoolean()).isFalse();

    // the node goes away: the toggle is refused and shows the stored value (off) again
    front.off();
    browser.findElement(By.id("opt-search")).click();
    waitText("error-code", "network_error");
    assertThat(text("error-title")).contains("did not answer");
    wait.until(d -> !d.findElement(By.id("opt-search")).isSelected());
    waitContains("options-status", "was not changed");
    front.on();
    assertThat(get("/v1/accounts/" + account).get("searchEncryption").asBoolean()).isFalse();
    axe("overview");

    browser.findElement(By.id("sign-out")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
    assertThat(js().executeScript("return sessionStorage.length")).isEqualTo(0L);
    assertThat(text("notice")).contains("signed out");
    axe("sign-in");
  }

  @Test
  @Order(4)
  @Timeout(120)
  void keyStateIsMarkedStaleWhileTheNodeIsAwayAndRecoversThenRevokeNow() throws Exception {
    String account = accountWithKey("Umbrella", "umbrella-1");
    signIn(n.adminToken(account), account);
    page("state");
    wait.until(d -> text("key-state").equals("AVAILABLE"));
    assertThat(text("state-key"))
        .as("the KMS key id, not the internal one")
        .isEqualTo("local umbrella-1");
    assertThat(text("state-key-internal")).startsWith("key_");
    axe("state");

    // the node goes away: the last known state is marked stale, polling goes on
    front.off();
    waitContains("state-stale", "Not current");
    assertThat(browser.findElement(By.id("key-state")).getDomAttribute("class")).contains("stale");
    front.on();
    wait.until(d -> text("state-stale").isEmpty());
    wait.until(
        d ->
            d.findElement(By.id("key-state")).getDomAttribute("class").contains("state-available"));

    // the key disabled at the provider: UNAVAILABLE with the API's reason, then back
    n.node.localProvider().orElseThrow().setEnabled("umbrella-1", false);
    wait.until(d -> text("key-state").equals("UNAVAILABLE"));
    JsonNode down = get("/v1/accounts/" + account + "/key-status");
    assertThat(text("key-reason")).isNotEmpty().isEqualTo(down.get("reason").asText());
    assertThat(text("state-cause")).isEqualTo(down.get("cause").asText());
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("#event-rows .event-key"), "local umbrella-1"));
    n.node.localProvider().orElseThrow().setEnabled("umbrella-1", true);
    wait.until(d -> text("key-state").equals("AVAILABLE"));

    WebElement revoke = browser.findElement(By.id("revoke-button"));
    assertThat(revoke.isEnabled()).isFalse();
    type("revoke-confirm", account.substring(0, account.length() - 1));
    assertThat(revoke.isEnabled()).isFalse();
    type("revoke-confirm", account);
    wait.until(ExpectedConditions.elementToBeClickable(revoke)).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("state-revoked"), "yes"));
    assertThat(text("revoke-status")).startsWith("Revoked at");
    assertThat(shown("key-revoked")).isTrue();
    assertThat(get("/v1/accounts/" + account + "/key-status").get("revoked").asBoolean()).isTrue();
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#event-rows tr[data-kind=revoked]")));
    // a revocation that holds until lifted (servers that have lifting): lifted, confirmed
    if (get("/v1/accounts/" + account + "/key-status").has("refusedSlices")) {
      assertThat(text("state-revoked")).contains("every node refuses content under your key");
      wait.until(d -> shown("lift-box"));
      browser.findElement(By.id("lift-button")).click();
      confirm();
      waitContains("revoke-status", "Revocation lifted at");
      wait.until(d -> text("state-revoked").equals("no"));
      assertThat(get("/v1/accounts/" + account + "/key-status").get("revoked").asBoolean())
          .isFalse();
    }
    // the events filtered to one kind, with their count
    new Select(browser.findElement(By.id("event-filter"))).selectByValue("revoked");
    wait.until(
        d ->
            d.findElements(By.cssSelector("#event-rows tr[data-kind]")).stream()
                .allMatch(r -> "revoked".equals(r.getDomAttribute("data-kind"))));
    waitContains("event-count", "matching");
  }

  @Test
  @Order(5)
  @Timeout(180)
  void aRotationIsConfirmedShowsItsProgressAndABadKeyShowsItsReport() throws Exception {
    String account = accountWithKey("Hooli", "hooli-1");
    String p = "/v1/accounts/" + account;
    n.send(n.operator, "PUT", p + "/users/alice/license", "{\"cmkLicensed\":true}");
    String service = n.serviceToken(account, List.of("mail"));
    var put =
        n.send(service, "PUT", p + "/content/mail/m1", Map.of("X-CMK-User", "alice"), "hello");
    assertThat(put.status()).as(put.body()).isEqualTo(201);
    n.node.localProvider().orElseThrow().createKey("hooli-2");

    signIn(n.adminToken(account), account);
    page("jobs");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("job-rows"), "no jobs"));

    // a key that does not exist: the validation report, nothing started
    new Select(browser.findElement(By.id("rot-provider"))).selectByValue("local");
    type("rot-key", "hooli-missing");
    browser.findElement(By.cssSelector("#rotate-form button")).click();
    confirm();
    waitText("error-code", "key_validation_failed");
    wait.until(d -> shown("rot-report"));
    assertThat(browser.findElements(By.cssSelector("#rot-report-rows tr.check.fail"))).isNotEmpty();
    assertThat(get(p + "/jobs")).isEmpty();
    axe("jobs-report");

    type("rot-key", "hooli-2");
    browser.findElement(By.cssSelector("#rotate-form button")).click();
    waitContains("confirm-text", "local hooli-2");
    confirm();
    By status = By.cssSelector("#job-rows tr.job .job-status");
    wait.until(ExpectedConditions.textToBe(status, "SUCCEEDED"));
    assertThat(shown("rot-report")).isFalse();
    WebElement row = browser.findElement(By.cssSelector("#job-rows tr.job"));
    assertThat(row.findElement(By.className("job-done")).getText()).isEqualTo("1 / 1");
    WebElement bar = row.findElement(By.tagName("progress"));
    assertThat(bar.getDomProperty("value")).isEqualTo("1");
    assertThat(bar.getDomAttribute("aria-label")).startsWith("Progress of rotation job");
    assertThat(row.findElement(By.className("job-target")).getText()).isEqualTo("local:hooli-2");
    JsonNode job = get(p + "/jobs").get(0);
    assertThat(row.getDomAttribute("data-job")).isEqualTo(job.get("id").asText());
    assertThat(job.get("kind").asText()).isEqualTo("ROTATION");
    waitContains("job-count", "1 jobs");
    new Select(browser.findElement(By.id("job-filter"))).selectByValue("FAILED");
    waitContains("job-rows", "nothing matches");
    new Select(browser.findElement(By.id("job-filter"))).selectByValue("");
    axe("jobs");

    // back to hooli-1 while hooli-2 (which wraps the KEK now) does not answer: the job cannot
    // move; after a while the page says so and why, and it ends once the key answers again
    n.node.localProvider().orElseThrow().setReachable("hooli-2", false);
    new Select(browser.findElement(By.id("rot-registered"))).selectByIndex(1);
    browser.findElement(By.cssSelector("#rotate-form button")).click();
    waitContains("confirm-text", "hooli-1");
    confirm();
    // the rows are drawn again every second: read each one whole, in the page
    String stuck =
        new WebDriverWait(browser, Duration.ofSeconds(20))
            .until(
                d ->
                    (String)
                        js().executeScript(
                                "const r = [...document.querySelectorAll('#job-rows tr.job')]"
                                    + ".find(r => r.textContent.includes('RUNNING'));"
                                    + " return r ? r.dataset.job : null;"));
    String stuckRow = "document.querySelector(\"#job-rows tr[data-job='" + stuck + "']\")";
    @SuppressWarnings("unchecked")
    List<String> stalled =
        new WebDriverWait(browser, Duration.ofSeconds(45))
            .until(
                d -> {
                  List<String> r =
                      (List<String>)
                          js().executeScript(
                                  "const r = "
                                      + stuckRow
                                      + "; return r ? [r.className,"
                                      + " r.querySelector('.job-status').textContent,"
                                      + " r.querySelector('.job-eta').textContent] : null;");
                  return r != null && r.get(0).contains("job-stalled") ? r : null;
                });
    assertThat(stalled.get(1)).startsWith("RUNNING, no progress since");
    assertThat(stalled.get(2)).contains("retried until the key answers");
    js().executeScript(stuckRow + ".scrollIntoView({block: 'center'})");
    shot("job-stalled");
    n.node.localProvider().orElseThrow().setReachable("hooli-2", true);
    new WebDriverWait(browser, Duration.ofSeconds(45))
        .until(
            d ->
                "SUCCEEDED"
                    .equals(
                        js().executeScript(
                                "const r = "
                                    + stuckRow
                                    + "; return r && r.querySelector('.job-status').textContent;")));
  }

  @Test
  @Order(6)
  @Timeout(90)
  void aBackfillStartsAndNothingLeftIsInformation() throws Exception {
    String account = accountWithKey("Initrode", "initrode-1");
    String p = "/v1/accounts/" + account;
    String service = n.serviceToken(account, List.of("mail"));
    var put =
        n.send(service, "PUT", p + "/content/mail/early", Map.of("X-CMK-User", "milton"), "hi");
    assertThat(put.status()).as(put.body()).isEqualTo(201); // milton has no license yet
    n.send(n.operator, "PUT", p + "/users/milton/license", "{\"cmkLicensed\":true}");

    signIn(n.adminToken(account), account);
    page("jobs");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("job-rows"), "no jobs"));
    type("backfill-user", "milton");
    browser.findElement(By.cssSelector("#backfill-form button")).click();
    By status = By.cssSelector("#job-rows tr.job .job-status");
    wait.until(ExpectedConditions.textToBe(status, "SUCCEEDED"));
    WebElement row = browser.findElement(By.cssSelector("#job-rows tr.job"));
    assertThat(row.findElement(By.className("job-scope")).getText()).isEqualTo("user milton");
    assertThat(get(p + "/objects/early").get("protection").asText()).isEqualTo("CMK");

    browser.findElement(By.cssSelector("#backfill-form button")).click();
    waitContains("backfill-status", "nothing to backfill");
    assertThat(browser.findElement(By.id("backfill-status")).getDomAttribute("class"))
        .contains("info");
    assertThat(shown("error")).isFalse();

    // coverage: the view when the server reports it, else its link is not offered
    boolean coverage = n.send(n.operator, "GET", p + "/coverage", null).status() == 200;
    WebElement link = browser.findElement(By.cssSelector("#nav a[data-section=coverage]"));
    assertThat(link.isDisplayed()).isEqualTo(coverage);
    if (coverage) {
      page("coverage");
      wait.until(d -> shown("coverage-body"));
      JsonNode c = get(p + "/coverage");
      waitText("cov-cmk", c.at("/totals/CMK/objects").asText());
      assertThat(browser.findElements(By.cssSelector("#coverage-chart svg rect"))).isNotEmpty();
      axe("coverage");
      shot("coverage-chart");
    }
  }

  @Test
  @Order(7)
  @Timeout(120)
  void licensesInBulkFromACsvWithSearchPagesAndAConfirmedRevoke() throws Exception {
    String account = n.createAccount("Massive Dynamic");
    signIn(n.adminToken(account), account);
    page("licenses");
    Path csv = dir.resolve("users.csv");
    String lines =
        "userId,licensed\n"
            + IntStream.rangeClosed(1, 60)
                .mapToObj(i -> String.format("user%02d,%s", i, i % 3 == 0 ? "no" : "yes"))
                .collect(Collectors.joining("\n"))
            + "\nbad user,yes\n";
    Files.writeString(csv, lines);
    browser.findElement(By.id("bulk-file")).sendKeys(csv.toAbsolutePath().toString());
    browser.findElement(By.cssSelector("#bulk-form button")).click();
    waitContains("bulk-status", "60 row(s) applied, 1 failed");
    assertThat(browser.findElement(By.id("bulk-status")).getDomAttribute("class")).contains("warn");
    assertThat(browser.findElements(By.cssSelector("#bulk-rows tr"))).hasSize(1);
    waitContains("license-count", "60 users · 40 licensed · showing 1–25 of 60");
    assertThat(browser.findElements(By.cssSelector("#license-rows tr[data-user]"))).hasSize(25);
    browser.findElement(By.cssSelector("#license-pager button:last-child")).click();
    waitContains("license-count", "showing 26–50 of 60");

    type("license-search", "user1");
    waitContains("license-count", "showing 1–10 of 10 matching");
    new Select(browser.findElement(By.id("license-filter"))).selectByValue("no");
    waitContains("license-count", "of 3 matching"); // user12, user15, user18
    type("license-search", "user12");
    wait.until(d -> d.findElements(By.cssSelector("#license-rows tr[data-user]")).size() == 1);
    new Select(browser.findElement(By.id("license-filter"))).selectByValue("");
    type("license-search", "user11");
    WebElement revoke =
        wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#license-rows button[aria-label='Revoke license of user11']")));
    revoke.click();
    waitContains("confirm-title", "user11");
    confirm();
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#license-rows .licensed"), "no"));
    JsonNode users = get("/v1/accounts/" + account + "/licenses");
    for (JsonNode u : users) {
      if (u.get("userId").asText().equals("user11")) {
        assertThat(u.get("cmkLicensed").asBoolean()).isFalse();
      }
    }
    axe("licenses");

    // a single grant with a bad id: the API's message tied to the field
    type("license-user", "bad user");
    browser.findElement(By.cssSelector("#license-form button")).click();
    wait.until(
        d -> "true".equals(d.findElement(By.id("license-user")).getDomAttribute("aria-invalid")));
    assertThat(text("license-user-error")).isEqualTo(text("error-message"));
  }

  @Test
  @Order(8)
  @Timeout(120)
  void theAuditLogIsFilteredExportedAndVerifiedInTheBrowserWithKeyUsageCharted() throws Exception {
    String account = accountWithKey("Stark", "stark-1");
    String p = "/v1/accounts/" + account;
    n.send(n.operator, "PUT", p + "/users/tony/license", "{\"cmkLicensed\":true}");
    String chat = n.serviceToken(account, List.of("chat", "mail"));
    for (int i = 0; i < 4; i++) {
      assertThat(
              n.send(
                      chat,
                      "PUT",
                      p + "/content/chat-message/c" + i,
                      Map.of("X-CMK-User", "tony"),
                      "hi")
                  .status())
          .isEqualTo(201);
    }
    assertThat(
            n.send(chat, "PUT", p + "/content/mail/m1", Map.of("X-CMK-User", "pepper"), "x")
                .status())
        .isEqualTo(201);
    assertThat(n.send(chat, "GET", p + "/content/chat-message/c0", null).status()).isEqualTo(200);

    signIn(n.adminToken(account), account);
    page("audit");
    wait.until(d -> d.findElements(By.cssSelector("#audit-rows tr[data-seq]")).size() > 5);
    type("audit-action", "content.write");
    wait.until(
        d ->
            d.findElements(By.cssSelector("#audit-rows tr[data-seq]")).stream()
                .allMatch(r -> "content.write".equals(r.getDomAttribute("data-action"))));
    assertThat(browser.findElements(By.cssSelector("#audit-rows tr[data-seq]"))).hasSize(5);
    waitContains("audit-count", "showing 1–5 of 5 matching");

    // verification: the head, then every row recomputed with WebCrypto in the browser
    browser.findElement(By.id("audit-verify")).click();
    waitContains("audit-verify-status", "Chain intact");
    JsonNode head = get(p + "/audit/head");
    assertThat(text("audit-verify-status")).contains("reaches the head seq");
    assertThat(head.get("seq").asLong()).isPositive();

    // export as JSON lines into the browser's download directory: the API's rows
    Path downloads = Files.createDirectories(dir.resolve("downloads"));
    browser.executeCdpCommand(
        "Browser.setDownloadBehavior",
        Map.of("behavior", "allow", "downloadPath", downloads.toAbsolutePath().toString()));
    browser.findElement(By.id("audit-export-jsonl")).click();
    waitContains("audit-status", "Exported");
    Path file = downloads.resolve(account + "-audit.jsonl");
    wait.until(d -> Files.exists(file));
    List<String> exported = Files.readAllLines(file);
    assertThat(exported).isNotEmpty();
    assertThat(TestNode.JSON.readTree(exported.get(0)).get("seq").asLong()).isEqualTo(1);
    browser.findElement(By.id("audit-export-csv")).click();
    Path csv = downloads.resolve(account + "-audit.csv");
    wait.until(d -> Files.exists(csv));
    assertThat(Files.readAllLines(csv).get(0)).startsWith("seq,v,accountId,at");
    waitContains("archive-anchor", "Nothing archived yet");
    axe("audit");
    shot("audit-view");

    // key usage: the report as the API gives it, and the chart of uses per hour by service
    page("usage");
    wait.until(d -> d.findElements(By.cssSelector("#usage-rows tr[data-seq]")).size() == 6);
    waitContains("usage-count", "1 reads, 5 writes");
    assertThat(browser.findElements(By.cssSelector("#usage-chart svg rect"))).isNotEmpty();
    assertThat(text("usage-chart"))
        .contains("chat writes")
        .contains("mail writes")
        .contains("chat reads");
    type("usage-user", "pepper");
    browser.findElement(By.cssSelector("#usage-form button")).click();
    wait.until(d -> d.findElements(By.cssSelector("#usage-rows tr[data-seq]")).size() == 1);
    axe("usage");
    type("usage-user", "");
    browser.findElement(By.cssSelector("#usage-form button")).click();
    wait.until(d -> d.findElements(By.cssSelector("#usage-rows tr[data-seq]")).size() == 6);
    js().executeScript("document.getElementById('usage-chart').scrollIntoView()");
    shot("usage-chart");
  }

  @Test
  @Order(9)
  @Timeout(120)
  void theDashboardShowsEveryAccountAndFiltersToThoseThatNeedAttention() throws Exception {
    String healthy = accountWithKey("Wayne", "wayne-1");
    String sick = accountWithKey("Oscorp", "oscorp-1");
    n.node.localProvider().orElseThrow().setEnabled("oscorp-1", false);
    signIn(n.operator, "");
    wait.until(d -> "dashboard-title".equals(activeId()));
    assertThat(js().executeScript("return location.hash")).isEqualTo("#dashboard");
    wait.until(
        d ->
            d.findElements(
                        By.cssSelector(
                            "#dash-rows tr[data-account='" + sick + "'] .state-unavailable"))
                    .size()
                == 1);
    wait.until(
        d ->
            d.findElements(
                        By.cssSelector(
                            "#dash-rows tr[data-account='" + healthy + "'] .state-available"))
                    .size()
                == 1);
    int accounts = get("/v1/accounts").size();
    waitText("dash-accounts", String.valueOf(accounts));
    browser.findElement(By.id("dash-unhealthy-only")).click();
    wait.until(
        d ->
            d.findElements(By.cssSelector("#dash-rows tr[data-account='" + healthy + "']"))
                .isEmpty());
    assertThat(browser.findElements(By.cssSelector("#dash-rows tr[data-account='" + sick + "']")))
        .hasSize(1);
    // the node's KMS calls, sampled over time
    wait.until(d -> !text("dash-kms").equals("–"));
    assertThat(Long.parseLong(text("dash-kms"))).isPositive();
    axe("dashboard");
    shot("dashboard");
    wait.until(d -> !d.findElements(By.cssSelector("#kms-chart svg")).isEmpty());
    js().executeScript("document.getElementById('kms-chart').scrollIntoView()");
    shot("kms-chart");

    // the account's row opens its key state, and the picker follows
    browser
        .findElement(By.cssSelector("#dash-rows tr[data-account='" + sick + "'] button"))
        .click();
    wait.until(d -> shown("state"));
    wait.until(d -> text("key-state").equals("UNAVAILABLE"));
    assertThat(browser.findElement(By.id("account-select")).getDomProperty("value"))
        .isEqualTo(sick);
    n.node.localProvider().orElseThrow().setEnabled("oscorp-1", true);

    // Back returns to the dashboard, Forward to the key state: the page follows the URL
    browser.navigate().back();
    wait.until(d -> shown("dashboard") && !shown("state"));
    assertThat(browser.getTitle()).isEqualTo("Dashboard · CMK console");
    assertThat(
            browser
                .findElement(By.cssSelector("#nav a[data-section=dashboard]"))
                .getDomAttribute("aria-current"))
        .isEqualTo("page");
    browser.navigate().forward();
    wait.until(d -> shown("state") && !shown("dashboard"));
    assertThat(browser.getTitle()).isEqualTo("Key state · CMK console");
    browser.get(base + "/console/#licenses");
    wait.until(d -> shown("licenses"));
  }

  @Test
  @Order(10)
  @Timeout(120)
  void tokensMarkThisSessionCopyTheSecretAndARevokedTokenSignsOutCleanly() throws Exception {
    String account = n.createAccount("Vandelay");
    signIn(n.operator, account);
    page("tokens");
    type("token-label", "console test");
    browser.findElement(By.cssSelector("#token-form button")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-secret")));
    String secret = text("token-secret");
    assertThat(activeId()).isEqualTo("token-copy");
    browser.findElement(By.id("token-copy")).click();
    wait.until(d -> !text("token-copied").isEmpty());
    assertThat(n.send(secret, "GET", "/v1/accounts/" + account, null).status()).isEqualTo(200);
    assertThat(browser.findElement(By.id("tokens")).getText()).contains("console test");

    // this session's token is marked, and revoking it asks loudly, with its id typed out
    WebElement own = browser.findElement(By.cssSelector("#token-rows tr.current"));
    assertThat(own.getText()).contains("this session");
    assertThat(own.findElement(By.className("token-used")).getText()).isNotEqualTo("never");
    own.findElement(By.tagName("button")).click();
    wait.until(d -> shown("confirm-warning"));
    assertThat(text("confirm-warning")).contains("signs you out");
    assertThat(browser.findElement(By.id("confirm-ok")).isEnabled()).isFalse();
    assertThat(activeId()).isEqualTo("confirm-type");
    browser.findElement(By.id("confirm-cancel")).click();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
    axe("tokens");

    type("token-search", "console test");
    waitContains("token-count", "showing 1–1 of 1 matching");

    page("overview");
    page("tokens");
    assertThat(shown("token-secret-box")).isFalse();
    assertThat(browser.findElement(By.id("tokens")).getText()).doesNotContain(secret);

    // an admin whose token is revoked while signed in: back to sign-in with a message
    String admin = n.adminToken(account);
    signIn(admin, account);
    page("state");
    String id = null;
    for (JsonNode t : get("/v1/tokens")) {
      if (t.path("accountId").asText("").equals(account)
          && t.path("revokedAt").isMissingNode()
          && !t.path("label").asText("").equals("console test")) {
        id = t.get("id").asText();
      }
    }
    assertThat(n.send(n.operator, "DELETE", "/v1/tokens/" + id, null).status()).isEqualTo(200);
    wait.until(d -> shown("sign-in"));
    waitContains("notice", "token was revoked or has expired");
    assertThat(shown("nav")).isFalse();
    assertThat(js().executeScript("return sessionStorage.length")).isEqualTo(0L);
  }

  @Test
  @Order(11)
  @Timeout(90)
  void signInAndNavigationWorkFromTheKeyboardAndFocusFollows() throws Exception {
    String account = n.createAccount("Keyboard Co");
    openConsole();
    WebElement token = browser.findElement(By.id("token"));
    token.sendKeys(n.adminToken(account));
    token.sendKeys(Keys.TAB);
    assertThat(activeId()).isEqualTo("account-id");
    browser.switchTo().activeElement().sendKeys(account, Keys.ENTER);
    wait.until(d -> "overview-title".equals(activeId()));
    assertThat(browser.getTitle()).isEqualTo("Account · CMK console");
    browser.findElement(By.cssSelector("#nav a[data-section=licenses]")).sendKeys(Keys.ENTER);
    wait.until(d -> "licenses-title".equals(activeId()));
    assertThat(
            browser
                .findElement(By.cssSelector("#nav a[data-section=licenses]"))
                .getDomAttribute("aria-current"))
        .isEqualTo("page");
    assertThat(
            browser
                .findElement(By.cssSelector("#nav a[data-section=overview]"))
                .getDomAttribute("aria-current"))
        .isNull();
    browser.switchTo().activeElement().sendKeys(Keys.TAB);
    // the next stop after the heading is in the page's first form
    assertThat(activeId()).isEqualTo("license-user");
  }

  @Test
  @Order(12)
  @Timeout(150)
  void at390PixelsTheHeaderFitsTablesStackAndEveryPagePassesAxe() throws Exception {
    String account = accountWithKey("Narrow", "narrow-1");
    n.send(
        n.operator,
        "PUT",
        "/v1/accounts/" + account + "/users/bob/license",
        "{\"cmkLicensed\":true}");
    browser.manage().window().setSize(new Dimension(390, 844));
    signIn(n.operator, account);
    long inner = (Long) js().executeScript("return window.innerWidth");
    for (String section :
        List.of(
            "dashboard",
            "overview",
            "keys",
            "state",
            "coverage",
            "jobs",
            "licenses",
            "audit",
            "usage",
            "webhooks",
            "tokens")) {
      if (!browser
          .findElement(By.cssSelector("#nav a[data-section=" + section + "]"))
          .isDisplayed()) {
        continue; // coverage on a server without that route
      }
      page(section);
      Thread.sleep(300); // the page's first read
      WebElement signOut = browser.findElement(By.id("sign-out"));
      var r = signOut.getRect();
      assertThat(r.getX() + r.getWidth())
          .as("Sign out within the screen on " + section)
          .isLessThanOrEqualTo((int) inner);
      assertThat((Long) js().executeScript("return document.documentElement.scrollWidth"))
          .as("nothing wider than the screen on " + section)
          .isLessThanOrEqualTo(inner);
      axe(section);
      if (section.equals("dashboard") || section.equals("licenses")) {
        js().executeScript("window.scrollTo(0, 0)");
        shot("narrow-390-" + section);
      }
    }
    // stacked rows: every cell says what it is
    page("licenses");
    WebElement cell =
        wait.until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#license-rows tr[data-user=bob] td.licensed")));
    assertThat(cell.getDomAttribute("data-label")).isEqualTo("CMK license");
    assertThat(
            js().executeScript("return getComputedStyle(arguments[0], '::before').content", cell))
        .isEqualTo("\"CMK license: \"");
  }

  @Test
  @Order(13)
  @Timeout(60)
  void apiErrorsShowWhatTheyMeanTheirCodeAndMessage() throws Exception {
    openConsole();
    type("token", "cmk_not-a-token");
    type("account-id", "acct_whatever");
    browser.findElement(By.cssSelector("#sign-in-form button")).click();
    waitText("error-code", "unauthenticated");
    assertThat(text("error-message")).isEqualTo("the bearer token is unknown or revoked");
    assertThat(text("error-title")).contains("not accepted");
    assertThat(browser.findElement(By.id("token")).getDomAttribute("aria-invalid"))
        .isEqualTo("true");
    assertThat(shown("sign-in")).isTrue();

    // an admin token of one account cannot read another one
    String mine = n.createAccount("Mine");
    String other = n.createAccount("Other");
    openConsole();
    type("token", n.adminToken(mine));
    type("account-id", other);
    browser.findElement(By.cssSelector("#sign-in-form button")).click();
    waitText("error-code", "forbidden");
    assertThat(text("error-message")).contains("cannot administer this account");
    assertThat(text("error-request")).contains("request ");
    assertThat(browser.findElement(By.id("account-id")).getDomAttribute("aria-describedby"))
        .isEqualTo("account-id-error");
  }

  @Test
  @Order(14)
  @Timeout(60)
  void accountAndUserNamesAreShownAsTextNeverAsHtml() throws Exception {
    String hostile = "<img src=x onerror=alert(1)>";
    var created =
        n.send(
            n.operator,
            "POST",
            "/v1/accounts",
            TestNode.JSON.writeValueAsString(Map.of("name", hostile)));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String account = created.json().get("id").asText();

    signIn(n.operator, account);
    waitText("acct-name", hostile);
    assertThat(
            browser
                .findElement(By.cssSelector("#account-select option[value='" + account + "']"))
                .getText())
        .isEqualTo(hostile + " (" + account + ")");
    page("licenses");
    String user = "<b onmouseover=alert(2)>eve";
    type("license-user", user);
    browser.findElement(By.cssSelector("#license-form button")).click();
    var refused =
        n.send(
            n.operator,
            "PUT",
            "/v1/accounts/"
                + account
                + "/users/"
                + java.net.URLEncoder.encode(user, "UTF-8").replace("+", "%20")
                + "/license",
            "{\"cmkLicensed\":true}");
    waitText("error-code", refused.code());
    assertThat(text("error-message"))
        .isEqualTo(refused.json().at("/error/message").asText())
        .contains(user);
    page("dashboard");
    wait.until(
        d ->
            !d.findElements(By.cssSelector("#dash-rows tr[data-account='" + account + "']"))
                .isEmpty());

    assertThat(browser.findElements(By.tagName("img"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("main b, #error b"))).isEmpty();
    assertThatThrownBy(() -> browser.switchTo().alert())
        .isInstanceOf(NoAlertPresentException.class);
  }

  @Test
  @Order(15)
  void consoleFilesCarryAStrictContentSecurityPolicy() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String file :
        List.of("/console", "/console/", "/console/js/app.js", "/console/console.css")) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(n.base + file)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(file).isEqualTo(200);
      var h = r.headers();
      assertThat(h.firstValue("Content-Security-Policy")).as(file).hasValue(CSP);
      assertThat(h.firstValue("X-Content-Type-Options")).as(file).hasValue("nosniff");
      assertThat(h.firstValue("Referrer-Policy")).as(file).hasValue("no-referrer");
      assertThat(h.firstValue("X-Frame-Options")).as(file).hasValue("DENY");
    }
    // axe is the test's, never the product's
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(n.base + "/console/axe.min.js")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(404);
    // no inline script or style anywhere in the console's files
    try (Stream<Path> files = Files.walk(consoleDir())) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String s = Files.readString(f);
        assertThat(s).as(f.toString()).doesNotContain("innerHTML").doesNotContain("outerHTML");
        assertThat(s).as(f.toString()).doesNotContain("insertAdjacentHTML").doesNotContain("eval(");
        if (f.toString().endsWith(".html")) {
          assertThat(s).as(f.toString()).doesNotContainPattern("<script(?![^>]*\\bsrc=)");
          assertThat(s).as(f.toString()).doesNotContain("style=").doesNotContain("<style");
          assertThat(s).as(f.toString()).doesNotContainPattern("\\son[a-z]+=");
        }
      }
    }
  }

  @Test
  @Order(16)
  @Timeout(120)
  void anAdminAddsAWebhookSeesItsDeliveryReSendsItAndDeletesIt() throws Exception {
    List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        ex -> {
          ex.getRequestBody().readAllBytes();
          received.add(ex.getRequestHeaders().getFirst("CMK-Event-Type"));
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    receiver.start();
    try {
      String account = accountWithKey("Hook Co", "webhook-page-1");
      String p = "/v1/accounts/" + account;
      signIn(n.adminToken(account), account);
      page("webhooks");
      waitContains("webhook-rows", "no webhooks");
      // a private address is refused at the field, nothing stored
      type("webhook-url", "https://10.0.0.1/hook");
      browser.findElement(By.cssSelector("#webhook-form button")).click();
      wait.until(d -> shown("webhook-url-error"));
      assertThat(text("webhook-url-error")).contains("private");
      assertThat(get(p + "/webhooks").get("items").size()).isZero();

      String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
      type("webhook-url", url);
      browser.findElement(By.cssSelector("#webhook-form button")).click();
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("webhook-secret")));
      String secret = text("webhook-secret");
      assertThat(secret).startsWith("whsec_");
      assertThat(activeId()).isEqualTo("webhook-copy");
      JsonNode hooks = get(p + "/webhooks").get("items");
      assertThat(hooks.size()).isEqualTo(1);
      String hookId = hooks.get(0).get("id").asText();
      waitContains("webhook-rows", url);
      axe("webhooks");

      // an event: the delivery shows DELIVERED with its attempts, then is re-sent
      assertThat(n.send(n.operator, "PUT", p + "/fallback", "{\"enabled\":true}").status())
          .isEqualTo(200);
      wait.until(d -> received.contains("key.fallback_enabled"));
      browser
          .findElement(By.cssSelector("#webhook-rows tr[data-webhook=" + hookId + "] button"))
          .click();
      wait.until(d -> shown("deliveries-box"));
      By row = By.cssSelector("#delivery-rows tr.delivery");
      wait.until(
          d -> {
            d.findElement(By.id("deliveries-refresh")).click();
            return d.findElements(row).stream()
                .anyMatch(
                    r ->
                        r.getText().contains("key.fallback_enabled")
                            && r.getText().contains("DELIVERED"));
          });
      WebElement delivered =
          browser.findElements(row).stream()
              .filter(r -> r.getText().contains("key.fallback_enabled"))
              .findFirst()
              .orElseThrow();
      assertThat(delivered.findElement(By.className("delivery-attempts")).getText()).isEqualTo("1");
      long before = received.stream().filter("key.fallback_enabled"::equals).count();
      delivered.findElement(By.tagName("button")).click();
      waitContains("delivery-status", "queued again");
      wait.until(d -> received.stream().filter("key.fallback_enabled"::equals).count() > before);
      // the page shows the re-sent delivery delivered again (its attempts count afresh)
      wait.until(
          d -> {
            d.findElement(By.id("deliveries-refresh")).click();
            return d.findElements(row).stream()
                .anyMatch(
                    r ->
                        r.getText().contains("key.fallback_enabled")
                            && r.getText().contains("DELIVERED"));
          });
      assertThat(
              get(p + "/webhooks/" + hookId + "/deliveries")
                  .get("items")
                  .get(0)
                  .get("status")
                  .asText())
          .isEqualTo("DELIVERED");
      // the secret is in its shown-once box only, never in the lists
      assertThat(text("webhook-rows") + text("delivery-rows")).doesNotContain(secret);
      axe("webhooks-deliveries");

      // leaving the page forgets the secret; delete asks first
      page("overview");
      page("webhooks");
      assertThat(shown("webhook-secret-box")).isFalse();
      browser
          .findElement(
              By.cssSelector("#webhook-rows tr[data-webhook=" + hookId + "] button.danger"))
          .click();
      confirm();
      waitContains("webhook-status", "deleted");
      waitContains("webhook-rows", "no webhooks");
      assertThat(n.send(n.operator, "GET", p + "/webhooks/" + hookId, null).code())
          .isEqualTo("webhook_not_found");
    } finally {
      receiver.stop(0);
    }
  }

  /** The console's sources, from the cmk-http module next to this one. */
  static Path consoleDir() {
    return Path.of("..", "cmk-http", "src", "main", "resources", "dev", "cmk", "http", "console");
  }
}

package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
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
 * second). Every flow goes through the console's pages and is checked against the API.
 *
 * <p>The browser reaches 127.0.0.1 only (no other name resolves, every other address goes to a
 * closed proxy port) and keeps its profile in a temporary directory. Set {@code CMK_TEST_CHROMIUM}
 * / {@code CMK_TEST_CHROMEDRIVER} to use other binaries.
 */
class ConsoleIT {
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
          + " frame-ancestors 'none'";
  static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir static Path dir;
  static TestNode n;
  static ChromeDriver browser;
  static WebDriverWait wait;
  static final List<String> browserLog = new ArrayList<>();

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
                e.audit()));
    browser = chromium(Files.createDirectories(dir.resolve("chromium-profile")));
    wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(100));
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
        "--window-size=1400,1000");
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

  /** What the page looked like at the end of each test: target/console-screenshots/NAME.png. */
  @AfterEach
  void screenshot(TestInfo test) throws IOException {
    Path shots = Files.createDirectories(Path.of("target", "console-screenshots"));
    String name = test.getTestMethod().map(m -> m.getName()).orElse("test") + ".png";
    Files.write(shots.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
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
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (n != null) {
      n.close();
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  static void openConsole() {
    browser.get(n.base + "/console/");
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    browser.navigate().refresh();
    wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
  }

  static void signIn(String token, String account) {
    openConsole();
    type("token", token);
    type("account-id", account);
    browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
    wait.until(d -> !text("acct-id").isEmpty());
  }

  static void type(String id, String value) {
    WebElement e = browser.findElement(By.id(id));
    e.clear();
    e.sendKeys(value);
  }

  static String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  static void page(String section) {
    browser.findElement(By.cssSelector("#nav button[data-section=" + section + "]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(section)));
  }

  static WebElement waitText(String id, String expected) {
    wait.until(ExpectedConditions.textToBe(By.id(id), expected));
    return browser.findElement(By.id(id));
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

  // ---- flows ---------------------------------------------------------------------------------

  @Test
  @Timeout(90)
  void registeringAKeyShowsEveryCheckWithItsFixAndThePolicyToPaste() throws Exception {
    String account = n.createAccount("Initech");
    String admin = n.adminToken(account);
    n.node.localProvider().orElseThrow().createKey("initech-1");
    signIn(admin, account);
    page("keys");

    // a key that does not exist: the API's 409 with its code, every check and its exact fix
    new Select(browser.findElement(By.id("reg-provider"))).selectByValue("local");
    type("reg-key", "initech-missing");
    browser.findElement(By.cssSelector("#register-form button")).click();
    waitText("error-code", "key_validation_failed");
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
      assertThat(row.findElement(By.className("check-outcome")).getText())
          .isEqualTo(c.get("outcome").asText());
      assertThat(row.findElement(By.className("check-fix")).getText())
          .isEqualTo(c.get("fix").asText());
      failed += c.get("outcome").asText().equals("FAIL") ? 1 : 0;
    }
    assertThat(failed).isPositive();

    // the real key: every check passes, the key is active
    type("reg-key", "initech-1");
    browser.findElement(By.cssSelector("#register-form button")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("report-title"), "active"));
    assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
    assertThat(browser.findElements(By.cssSelector("#report-rows .check-outcome")))
        .isNotEmpty()
        .allMatch(e -> !e.getText().equals("FAIL"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("key-rows"), "ACTIVE"));
    assertThat(get("/v1/accounts/" + account + "/keys").get(0).get("keyId").asText())
        .isEqualTo("initech-1");

    // the AWS key policy as JSON, exactly the API's document; OCI as statements
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
  }

  @Test
  @Timeout(60)
  void theFallbackSwitchIsStoredThroughTheApiAndTheTokenStaysInTheTab() throws Exception {
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
    new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("opt-fallback-mode")))
        .selectByValue("OUTAGES_ONLY");
    waitText("options-status", "Fallback mode is now OUTAGES_ONLY.");
    assertThat(get("/v1/accounts/" + account).get("fallbackMode").asText())
        .isEqualTo("OUTAGES_ONLY");

    // a reload keeps the session (this tab's storage), never the URL or localStorage
    browser.navigate().refresh();
    wait.until(d -> text("acct-id").equals(account));
    assertThat(browser.findElement(By.id("opt-fallback")).isSelected()).isTrue();
    assertThat(browser.getCurrentUrl()).doesNotContain(admin);
    JavascriptExecutor js = browser;
    assertThat(js.executeScript("return localStorage.length")).isEqualTo(0L);
    assertThat(js.executeScript("return document.cookie")).isEqualTo("");

    browser.findElement(By.id("opt-fallback")).click();
    waitText("options-status", "Fallback is now off.");
    assertThat(get("/v1/accounts/" + account).get("fallbackEnabled").asBoolean()).isFalse();

    browser.findElement(By.id("sign-out")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
    assertThat(js.executeScript("return sessionStorage.length")).isEqualTo(0L);
  }

  @Test
  @Timeout(90)
  void aRotationJobShowsItsProgressUntilDone() throws Exception {
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
    new Select(browser.findElement(By.id("rot-provider"))).selectByValue("local");
    type("rot-key", "hooli-2");
    browser.findElement(By.cssSelector("#rotate-form button")).click();

    By status = By.cssSelector("#job-rows tr.job .job-status");
    wait.until(ExpectedConditions.textToBe(status, "SUCCEEDED"));
    WebElement row = browser.findElement(By.cssSelector("#job-rows tr.job"));
    assertThat(row.findElement(By.className("job-done")).getText()).isEqualTo("1 / 1");
    assertThat(row.findElement(By.tagName("progress")).getDomProperty("value")).isEqualTo("1");
    JsonNode job = get(p + "/jobs").get(0);
    assertThat(row.getDomAttribute("data-job")).isEqualTo(job.get("id").asText());
    assertThat(job.get("kind").asText()).isEqualTo("ROTATION");
    assertThat(job.get("status").asText()).isEqualTo("SUCCEEDED");
  }

  @Test
  @Timeout(90)
  void aBackfillStartsFromTheJobsPageAndSaysWhenNothingIsLeft() throws Exception {
    String account = accountWithKey("Initech", "initech-1");
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
    assertThat(row.findElement(By.className("job-done")).getText()).isEqualTo("1 / 1");
    assertThat(get(p + "/objects/early").get("protection").asText()).isEqualTo("CMK");

    browser.findElement(By.cssSelector("#backfill-form button")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("backfill-status"), "nothing to backfill"));
    assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
  }

  @Test
  @Timeout(60)
  void revokeNowNeedsTheAccountIdTypedOut() throws Exception {
    String account = accountWithKey("Umbrella", "umbrella-1");
    signIn(n.adminToken(account), account);
    page("state");
    // the node probes every second: the page shows the state the probe found
    wait.until(
        d -> {
          browser.findElement(By.id("state-refresh")).click();
          return text("key-state").equals("AVAILABLE");
        });
    // the key disabled at the provider: UNAVAILABLE with the API's reason, then back
    n.node.localProvider().orElseThrow().setEnabled("umbrella-1", false);
    wait.until(
        d -> {
          browser.findElement(By.id("state-refresh")).click();
          return text("key-state").equals("UNAVAILABLE");
        });
    JsonNode down = get("/v1/accounts/" + account + "/key-status");
    assertThat(down.get("state").asText()).isEqualTo("UNAVAILABLE");
    assertThat(text("key-reason")).isNotEmpty().isEqualTo(down.get("reason").asText());
    assertThat(text("state-cause")).isEqualTo(down.get("cause").asText());
    n.node.localProvider().orElseThrow().setEnabled("umbrella-1", true);
    wait.until(
        d -> {
          browser.findElement(By.id("state-refresh")).click();
          return text("key-state").equals("AVAILABLE");
        });

    WebElement revoke = browser.findElement(By.id("revoke-button"));
    assertThat(revoke.isEnabled()).isFalse();
    type("revoke-confirm", account.substring(0, account.length() - 1));
    assertThat(revoke.isEnabled()).isFalse();
    type("revoke-confirm", account);
    wait.until(ExpectedConditions.elementToBeClickable(revoke)).click();

    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("state-revoked"), "yes"));
    assertThat(text("revoke-status")).startsWith("Revoked at");
    assertThat(browser.findElement(By.id("key-revoked")).isDisplayed()).isTrue();
    assertThat(get("/v1/accounts/" + account + "/key-status").get("revoked").asBoolean()).isTrue();
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#event-rows tr[data-kind=revoked]")));
    assertThat(text("state-revoked")).contains("every node refuses content under your key");

    // only its own call lifts it
    WebElement lift = browser.findElement(By.id("lift-button"));
    wait.until(ExpectedConditions.elementToBeClickable(lift)).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("state-revoked"), "no"));
    assertThat(text("revoke-status")).startsWith("Revocation lifted at");
    assertThat(get("/v1/accounts/" + account + "/key-status").get("revoked").asBoolean()).isFalse();
  }

  @Test
  @Timeout(60)
  void apiErrorsShowTheirStableCodeAndMessage() throws Exception {
    openConsole();
    type("token", "cmk_not-a-token");
    type("account-id", "acct_whatever");
    browser.findElement(By.cssSelector("#sign-in-form button")).click();
    waitText("error-code", "unauthenticated");
    assertThat(text("error-message")).isEqualTo("the bearer token is unknown or revoked");
    assertThat(browser.findElement(By.id("sign-in")).isDisplayed()).isTrue();

    // an admin token of one account cannot read another one
    String mine = n.createAccount("Mine");
    String other = n.createAccount("Other");
    openConsole();
    type("token", n.adminToken(mine));
    type("account-id", other);
    browser.findElement(By.cssSelector("#sign-in-form button")).click();
    waitText("error-code", "forbidden");
    assertThat(text("error-message")).contains("cannot administer this account");
    assertThat(text("error-request")).startsWith("request ");

    // signed in: a refused action shows the API's code and message, the page stays usable
    String admin = n.adminToken(mine);
    signIn(admin, mine);
    page("jobs");
    new Select(browser.findElement(By.id("rot-provider"))).selectByValue("local");
    type("rot-key", "no-such-key");
    browser.findElement(By.cssSelector("#rotate-form button")).click();
    var refused =
        n.send(
            admin,
            "POST",
            "/v1/accounts/" + mine + "/rotate",
            "{\"provider\":\"local\",\"keyId\":\"no-such-key\"}");
    assertThat(refused.status()).isGreaterThanOrEqualTo(400);
    waitText("error-code", refused.code());
    assertThat(text("error-message")).isEqualTo(refused.json().at("/error/message").asText());

    // licenses: granted and revoked, as the API then says
    page("licenses");
    type("license-user", "bob");
    browser.findElement(By.cssSelector("#license-form button")).click();
    wait.until(
        ExpectedConditions.presenceOfElementLocated(By.cssSelector("#license-rows tr[data-user]")));
    assertThat(browser.findElement(By.cssSelector("#license-rows .licensed")).getText())
        .isEqualTo("yes");
    browser.findElement(By.cssSelector("#license-rows button")).click();
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#license-rows .licensed"), "no"));
    assertThat(
            n.send(n.operator, "GET", "/v1/accounts/" + mine + "/licenses", null)
                .json()
                .get(0)
                .get("cmkLicensed")
                .asBoolean())
        .isFalse();
  }

  @Test
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

    // the operator's view: the account picker and the overview
    signIn(n.operator, account);
    waitText("acct-name", hostile);
    assertThat(
            browser
                .findElement(By.cssSelector("#account-select option[value='" + account + "']"))
                .getText())
        .isEqualTo(hostile + " (" + account + ")");
    // user ids cannot hold markup, but the API's error message quotes the bad one: also text
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

    assertThat(browser.findElements(By.tagName("img"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("main b, #error b"))).isEmpty();
    assertThatThrownBy(() -> browser.switchTo().alert())
        .isInstanceOf(NoAlertPresentException.class);
  }

  @Test
  @Timeout(60)
  void anOperatorCreatesAnAdminTokenWhoseSecretIsShownOnce() throws Exception {
    String account = n.createAccount("Vandelay");
    signIn(n.operator, account);
    page("tokens");
    type("token-label", "console test");
    browser.findElement(By.cssSelector("#token-form button")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-secret")));
    String secret = text("token-secret");
    assertThat(n.send(secret, "GET", "/v1/accounts/" + account, null).status()).isEqualTo(200);
    assertThat(browser.findElement(By.id("tokens")).getText()).contains("console test");

    page("overview");
    page("tokens");
    assertThat(browser.findElement(By.id("token-secret-box")).isDisplayed()).isFalse();
    assertThat(browser.findElement(By.id("tokens")).getText()).doesNotContain(secret);
  }

  @Test
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

  /** The console's sources, from the cmk-http module next to this one. */
  static Path consoleDir() {
    return Path.of("..", "cmk-http", "src", "main", "resources", "dev", "cmk", "http", "console");
  }
}

//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/ledgvero/ledgvero/billing/dbtest"
)

// AdminEmail and AdminPassword sign in to every test server's back office.
const (
	AdminEmail    = "admin@ledgvero.localhost"
	AdminPassword = "correct-horse-battery-staple"
)

// suite is the state shared by every journey: the binary and the browser.
type suite struct {
	binary  string
	pw      *playwright.Playwright
	browser playwright.Browser
}

var shared suite // set once in TestMain, read-only afterwards

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	dir, err := os.MkdirTemp("", "ledgvero-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	shared.binary = filepath.Join(dir, "ledgvero")
	build := exec.Command("go", "build", "-o", shared.binary, "../cmd/ledgvero")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building ledgvero:", err)
		return 1
	}

	// Never let playwright-go download browsers or drivers: this network blocks it.
	shared.pw, err = playwright.Run(&playwright.RunOptions{
		DriverDirectory:     os.Getenv("PLAYWRIGHT_DRIVER_PATH"),
		SkipInstallBrowsers: true,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: starting Playwright (run `make test-e2e`, which installs the driver):", err)
		return 1
	}
	defer shared.pw.Stop() //nolint:errcheck

	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	shared.browser, err = shared.pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(chromium),
		Headless:       playwright.Bool(true),
		Args: []string{"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: launching Chromium:", err)
		return 1
	}
	defer shared.browser.Close() //nolint:errcheck

	return m.Run()
}

// Server is one running `ledgvero serve` on its own database.
type Server struct {
	URL         string // base URL, such as http://127.0.0.1:40123
	DatabaseURL string
	env         []string
	log         *lockedBuffer
}

// Option changes a test server's environment before it starts.
type Option func(env map[string]string)

// WithEnv sets one environment variable of the server and its CLI commands.
func WithEnv(name, value string) Option {
	return func(env map[string]string) { env[name] = value }
}

// StartServer migrates and seeds a fresh database, starts a server on a free
// loopback port and stops it when the test ends. The server log is printed when
// the test fails.
func StartServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	dbURL := dbtest.URL(t)
	port := freePort(t)
	vars := map[string]string{
		"DATABASE_URL":      dbURL,
		"LEDGVERO_ADDR":     fmt.Sprintf("127.0.0.1:%d", port),
		"LEDGVERO_BASE_URL": fmt.Sprintf("http://127.0.0.1:%d", port),
		"SMTP_URL":          "smtp://127.0.0.1:1025",
		"LOG_LEVEL":         "warn",
		"SHUTDOWN_TIMEOUT":  "5s",
	}
	for _, opt := range opts {
		opt(vars)
	}
	s := &Server{URL: vars["LEDGVERO_BASE_URL"], DatabaseURL: dbURL, log: &lockedBuffer{}}
	for _, k := range []string{"PATH", "HOME", "TZ", "GOCACHE"} {
		if v, ok := os.LookupEnv(k); ok {
			s.env = append(s.env, k+"="+v)
		}
	}
	for k, v := range vars {
		s.env = append(s.env, k+"="+v)
	}

	s.Run(t, "migrate")
	s.Run(t, "seed", "--admin-password", AdminPassword)

	cmd := exec.Command(shared.binary, "serve")
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("server did not stop within 10 s of SIGINT")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	s.waitReady(t)
	return s
}

// Run runs a ledgvero subcommand against the server's database and returns its
// standard output. The test fails when the command fails.
func (s *Server) Run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := s.RunErr(args...)
	if err != nil {
		t.Fatalf("ledgvero %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// RunErr is Run for commands that are expected to fail: it returns the combined
// output and the error.
func (s *Server) RunErr(args ...string) (string, error) {
	cmd := exec.Command(shared.binary, args...)
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// MagicLink returns a fresh portal sign-in link for a contact's e-mail address.
func (s *Server) MagicLink(t *testing.T, email string) string {
	t.Helper()
	return strings.TrimSpace(s.Run(t, "magic-link", "--email", email))
}

func (s *Server) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond) // polling a readiness probe, not waiting on a fixed delay
	}
	t.Fatalf("server at %s not ready within 15 s; log:\n%s", s.URL, s.log.String())
}

// NewPage opens a page in a fresh browser context (its own cookies). When the
// test fails, a full-page screenshot goes to e2e/artifacts/<test name>.png.
func NewPage(t *testing.T) playwright.Page {
	t.Helper()
	bctx, err := shared.browser.NewContext(playwright.BrowserNewContextOptions{
		Locale: playwright.String("en-US"),
	})
	if err != nil {
		t.Fatalf("creating browser context: %v", err)
	}
	bctx.SetDefaultTimeout(10_000)
	page, err := bctx.NewPage()
	if err != nil {
		t.Fatalf("creating page: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_")
			path := filepath.Join("artifacts", name+".png")
			if err := os.MkdirAll("artifacts", 0o755); err == nil {
				if _, err := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(path), FullPage: playwright.Bool(true)}); err == nil {
					t.Logf("screenshot: e2e/%s", path)
				}
			}
		}
		_ = bctx.Close()
	})
	return page
}

// ByTestID returns the locator of the element with data-testid id.
func ByTestID(page playwright.Page, id string) playwright.Locator {
	return page.GetByTestId(id)
}

// Expect returns Playwright's assertions, which retry until their condition holds
// or the timeout passes.
func Expect() playwright.PlaywrightAssertions {
	return playwright.NewPlaywrightAssertions(10_000)
}

// Must fails the test on err; it keeps journeys readable.
func Must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Goto opens url and fails the test unless the response status is want.
func Goto(t *testing.T, page playwright.Page, url string, want int) {
	t.Helper()
	resp, err := page.Goto(url)
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	if resp.Status() != want {
		t.Fatalf("opening %s: status %d, want %d", url, resp.Status(), want)
	}
}

// StaffSignIn signs in to the back office of s as email.
func StaffSignIn(t *testing.T, page playwright.Page, s *Server, email, password string) {
	t.Helper()
	Goto(t, page, s.URL+"/backoffice/login", http.StatusOK)
	Must(t, ByTestID(page, "login-email").Fill(email))
	Must(t, ByTestID(page, "login-password").Fill(password))
	Must(t, ByTestID(page, "login-submit").Click())
}

// DebtorSignIn opens a fresh magic link for email and presses its button.
func DebtorSignIn(t *testing.T, page playwright.Page, s *Server, email string) {
	t.Helper()
	Goto(t, page, s.MagicLink(t, email), http.StatusOK)
	Must(t, ByTestID(page, "link-continue").Click())
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer collects a server's log from its two output streams.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

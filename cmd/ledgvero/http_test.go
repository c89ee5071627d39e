package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing/dbtest"
)

// newTestServer returns the real server on a fresh database and the buffer its
// log goes to.
func newTestServer(t *testing.T) (*echo.Echo, *bytes.Buffer) {
	t.Helper()
	cfg, _, err := loadConfig(envOf(map[string]string{"DATABASE_URL": "postgres://unused@127.0.0.1/unused"}))
	if err != nil {
		t.Fatal(err)
	}
	pool := dbtest.New(t)
	var logs bytes.Buffer
	a := &app{cfg: cfg, logger: slog.New(slog.NewTextHandler(&logs, nil)), pool: pool, now: time.Now}
	e, err := newServer(a)
	if err != nil {
		t.Fatal(err)
	}
	return e, &logs
}

func get(e *echo.Echo, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "text/html")
	e.ServeHTTP(rec, req)
	return rec
}

func TestServerSecurityHeaders(t *testing.T) {
	t.Parallel()
	e, _ := newTestServer(t)
	for _, path := range []string{"/backoffice/login", "/portal/login", "/no/such/page"} {
		rec := get(e, path)
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy = %q", path, csp)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", path, got)
		}
		if got := h.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s: Referrer-Policy = %q", path, got)
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", path)
		}
	}
}

func TestServerNotFoundPage(t *testing.T) {
	t.Parallel()
	e, _ := newTestServer(t)
	rec := get(e, "/portal/no-such-page")
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "We could not find that page") || !strings.Contains(body, `href="/portal/"`) {
		t.Errorf("404 page lacks its message or home link:\n%s", body)
	}
}

func TestServerHealthAndReadiness(t *testing.T) {
	t.Parallel()
	e, _ := newTestServer(t)
	if rec := get(e, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("/healthz status %d", rec.Code)
	}
	if rec := get(e, "/readyz"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ready") {
		t.Errorf("/readyz status %d body %q", rec.Code, rec.Body.String())
	}
}

func TestServerRejectsPostWithoutCSRFToken(t *testing.T) {
	t.Parallel()
	e, _ := newTestServer(t)
	form := url.Values{"email": {"a@b.example"}, "password": {"x"}}
	req := httptest.NewRequest(http.MethodPost, "/backoffice/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", rec.Code)
	}
}

func TestAccessLogOmitsTokens(t *testing.T) {
	t.Parallel()
	e, logs := newTestServer(t)
	get(e, "/portal/link/SECRETTOKEN123?utm=QUERYSECRET")
	out := logs.String()
	if strings.Contains(out, "SECRETTOKEN123") || strings.Contains(out, "QUERYSECRET") {
		t.Errorf("access log prints the token or query string:\n%s", out)
	}
	if !strings.Contains(out, "route=/portal/link/:token") {
		t.Errorf("access log lacks the route pattern:\n%s", out)
	}
}

func TestServerServesHashedAssets(t *testing.T) {
	t.Parallel()
	e, _ := newTestServer(t)
	page := get(e, "/portal/login").Body.String()
	start := strings.Index(page, "/assets/app.")
	if start < 0 {
		t.Fatalf("page links no hashed stylesheet:\n%s", page)
	}
	href := page[start : start+strings.Index(page[start:], `"`)]
	rec := get(e, href)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("%s: status %d, Cache-Control %q", href, rec.Code, rec.Header().Get("Cache-Control"))
	}
	body, _ := io.ReadAll(rec.Body)
	if !bytes.Contains(body, []byte(":root")) {
		t.Errorf("%s: unexpected body", href)
	}
}

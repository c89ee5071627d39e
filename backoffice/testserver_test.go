package backoffice

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/assets"
	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/websession"
	"github.com/ledgvero/ledgvero/templates"
)

// testNow is the fixed clock of handler tests: March 2, 2026, 10:00 in New York.
var testNow = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

const staffPassword = "correct horse battery"

type testServer struct {
	*httptest.Server
	pool *pgxpool.Pool
}

type echoRenderer struct{ r *templates.Renderer }

func (er echoRenderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return er.r.Render(w, name, data)
}

// newTestServer serves the back office on httptest over a fresh database with the
// demo data loaded. CSRF is left out: the server's middleware checks it.
func newTestServer(t *testing.T, opts ...func(*Handler)) *testServer {
	t.Helper()
	pool := dbtest.New(t)
	set, err := assets.Load()
	if err != nil {
		t.Fatal(err)
	}
	renderer, err := templates.New(set.URL)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := outbox.NewInserter(pool)
	if err != nil {
		t.Fatal(err)
	}
	tz, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return testNow }
	ctx := context.Background()
	if _, err := billing.SeedDemo(ctx, pool, "Acme", "America/New_York", "USD", billing.Today(testNow, tz)); err != nil {
		t.Fatal(err)
	}

	e := echo.New()
	e.Validator = billing.NewFormValidator()
	e.Renderer = echoRenderer{renderer}
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		status := http.StatusInternalServerError
		var he *echo.HTTPError
		switch {
		case errors.As(err, &he):
			status = he.Code
		case errors.Is(err, billing.ErrNotFound):
			status = http.StatusNotFound
		default:
			t.Errorf("handler error on %s: %v", c.Path(), err)
		}
		_ = c.String(status, http.StatusText(status))
	}
	h := &Handler{
		Pool: pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now, Timezone: tz,
		OrgName: "Acme", Currency: "USD", BaseURL: "http://ledgvero.test", Jobs: jobs,
		Sessions: websession.New(pool, websession.Options{
			Surface: "backoffice", CookieName: "ledgvero_backoffice", Secret: []byte(strings.Repeat("k", 32)),
			IdleTimeout: 30 * time.Minute, MaxLifetime: 12 * time.Hour, Now: now,
		}),
	}
	h.Reminders = &collect.Engine{Pool: pool, Jobs: jobs, BaseURL: h.BaseURL, From: "billing@acme.test", OrgName: "Acme",
		Logger: h.Logger, Now: now}
	for _, opt := range opts {
		opt(h)
	}
	h.Routes(e)
	ts := &testServer{Server: httptest.NewServer(e), pool: pool}
	t.Cleanup(ts.Close)
	return ts
}

// signIn creates a staff account with role and returns a client signed in as it.
func (ts *testServer) signIn(t *testing.T, email, role string) *http.Client {
	t.Helper()
	if _, err := billing.CreateStaff(context.Background(), ts.pool, email, role, staffPassword); err != nil {
		t.Fatal(err)
	}
	c := ts.client()
	status, _ := post(t, c, ts.URL+"/backoffice/login", url.Values{"email": {email}, "password": {staffPassword}})
	if status != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: status %d", email, status)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func firstCustomerID(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `SELECT min(id) FROM customers`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return itoa(id)
}

// client returns an HTTP client with its own cookie jar that does not follow redirects.
func (ts *testServer) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

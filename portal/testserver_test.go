package portal

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/riverqueue/river"

	"github.com/ledgvero/ledgvero/assets"
	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/websession"
	"github.com/ledgvero/ledgvero/templates"
)

// testNow is the fixed clock of handler tests: March 2, 2026, 10:00 in New York.
var testNow = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

// testServer is the portal on httptest with a fresh database and a settable clock.
type testServer struct {
	*httptest.Server
	pool *pgxpool.Pool
	h    *Handler
	now  time.Time
}

type echoRenderer struct{ r *templates.Renderer }

func (er echoRenderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return er.r.Render(w, name, data)
}

// newTestEcho returns Echo with the real templates and validator, and an error
// handler that responds with the status alone and logs unexpected errors.
func newTestEcho(tb testing.TB) *echo.Echo {
	tb.Helper()
	set, err := assets.Load()
	if err != nil {
		tb.Fatal(err)
	}
	renderer, err := templates.New(set.URL)
	if err != nil {
		tb.Fatal(err)
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
			tb.Logf("handler error: %v", err)
		}
		_ = c.String(status, http.StatusText(status))
	}
	return e
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	pool := dbtest.New(t)
	jobs, err := outbox.NewInserter(pool)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{pool: pool, now: testNow}
	now := func() time.Time { return ts.now }
	tz, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}

	e := newTestEcho(t)
	ts.h = &Handler{
		Pool: pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now, Timezone: tz,
		BaseURL: "http://portal.test", Jobs: jobs,
		Sessions: websession.New(pool, websession.Options{
			Surface: "portal", CookieName: "ledgvero_portal", Secret: []byte(strings.Repeat("k", 32)),
			IdleTimeout: 30 * time.Minute, MaxLifetime: 12 * time.Hour, Now: now,
		}),
	}
	ts.h.Routes(e)
	ts.Server = httptest.NewServer(e)
	t.Cleanup(ts.Close)
	return ts
}

// client returns an HTTP client with its own cookie jar that does not follow redirects.
func (ts *testServer) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// get fetches path and returns the status and body.
func get(t testing.TB, c *http.Client, base, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// post submits a form and returns the response with its body read.
func post(t testing.TB, c *http.Client, base, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(base+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// customer creates a customer with one contact and returns its id.
func (ts *testServer) customer(t testing.TB, name, email string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := billing.CreateCustomer(ctx, ts.pool, billing.Customer{Name: name, Currency: "USD", Terms: billing.Terms{NetDays: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := billing.AddContact(ctx, ts.pool, billing.Contact{CustomerID: id, Email: email, ReceivesReminders: true}); err != nil {
		t.Fatal(err)
	}
	return id
}

// invoice issues an invoice of one line for amount (a decimal such as "1200.00").
func (ts *testServer) invoice(t *testing.T, customerID int64, number, amount string, issued billing.Date) billing.Invoice {
	t.Helper()
	price, err := billing.ParseMoney(amount, "USD")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := billing.IssueInvoice(context.Background(), ts.pool, billing.NewInvoice{
		CustomerID: customerID, Number: number, IssueDate: issued, Source: "manual",
		Lines: []billing.Line{{Description: "Widgets", QuantityMilli: 1000, UnitPrice: price}},
	}, billing.SystemActor("test"))
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// signIn redeems a fresh support link for email and returns a client with the session.
func (ts *testServer) signIn(t testing.TB, email string) *http.Client {
	t.Helper()
	token, err := billing.CreateMagicLink(context.Background(), ts.pool, email, billing.LinkSupport, ts.now)
	if err != nil {
		t.Fatal(err)
	}
	c := ts.client()
	resp, _ := post(t, c, ts.URL, "/portal/link", url.Values{"token": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("redeeming link: status %d", resp.StatusCode)
	}
	return c
}

// queuedMail returns the bodies of the outbox e-mails to addr, oldest first.
func (ts *testServer) queuedMail(t *testing.T, addr string) []string {
	t.Helper()
	rows, err := ts.pool.Query(context.Background(), `SELECT body_text FROM outbox_emails WHERE to_addr = $1 ORDER BY id`, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

var linkPattern = regexp.MustCompile(`/portal/link/([A-Za-z0-9_-]+)`)

// Compile-time check that the River client satisfies the outbox inserter.
var _ outbox.Inserter = (*river.Client[pgx.Tx])(nil)

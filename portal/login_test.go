package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
)

func TestLoginSendsLinkByMail(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Northwind", "ap@northwind.example")
	c := ts.client()

	resp, body := post(t, c, ts.URL, "/portal/login", url.Values{"email": {"ap@northwind.example"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(body, `data-testid="login-sent"`) || !strings.Contains(body, "15 minutes") {
		t.Errorf("confirmation missing from page")
	}
	mails := ts.queuedMail(t, "ap@northwind.example")
	if len(mails) != 1 {
		t.Fatalf("%d e-mails queued, want 1", len(mails))
	}
	m := linkPattern.FindStringSubmatch(mails[0])
	if m == nil {
		t.Fatalf("no sign-in link in the e-mail: %q", mails[0])
	}

	status, landing := get(t, c, ts.URL, "/portal/link/"+m[1])
	if status != http.StatusOK || !strings.Contains(landing, `data-testid="link-continue"`) {
		t.Fatalf("landing page status %d without the continue button", status)
	}
	resp, _ = post(t, c, ts.URL, "/portal/link", url.Values{"token": {m[1]}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal/" {
		t.Errorf("redeem: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLoginUnknownAddressSameAnswer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Northwind", "ap@northwind.example")

	_, known := post(t, ts.client(), ts.URL, "/portal/login", url.Values{"email": {"ap@northwind.example"}})
	resp, unknown := post(t, ts.client(), ts.URL, "/portal/login", url.Values{"email": {"nobody@elsewhere.example"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d for an unknown address", resp.StatusCode)
	}
	normalize := func(s string) string {
		return strings.ReplaceAll(s, "nobody@elsewhere.example", "ap@northwind.example")
	}
	if normalize(unknown) != known {
		t.Error("the page differs between a known and an unknown address")
	}
	if n := len(ts.queuedMail(t, "nobody@elsewhere.example")); n != 0 {
		t.Errorf("%d e-mails queued for an unknown address", n)
	}
}

func TestLoginInvalidAddress(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	resp, body := post(t, ts.client(), ts.URL, "/portal/login", url.Values{"email": {"not an address"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("status %d, want 422", resp.StatusCode)
	}
	if !strings.Contains(body, "Enter a valid e-mail address") {
		t.Error("field error missing")
	}
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Northwind", "ap@northwind.example")
	c := ts.client()
	for i := 1; i <= 5; i++ {
		resp, _ := post(t, c, ts.URL, "/portal/login", url.Values{"email": {"ap@northwind.example"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
	}
	resp, body := post(t, c, ts.URL, "/portal/login", url.Values{"email": {"AP@northwind.example"}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("sixth request: status %d, want 429", resp.StatusCode)
	}
	if !strings.Contains(body, "Too many sign-in links") {
		t.Error("rate-limit message missing")
	}
	if n := len(ts.queuedMail(t, "ap@northwind.example")); n != 5 {
		t.Errorf("%d e-mails queued, want 5", n)
	}

	// The limit applies to unknown addresses too, so it reveals nothing.
	for i := 0; i < 5; i++ {
		post(t, c, ts.URL, "/portal/login", url.Values{"email": {"ghost@elsewhere.example"}})
	}
	resp, _ = post(t, c, ts.URL, "/portal/login", url.Values{"email": {"ghost@elsewhere.example"}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("unknown address: status %d, want 429", resp.StatusCode)
	}

	ts.now = ts.now.Add(15 * time.Minute)
	resp, _ = post(t, c, ts.URL, "/portal/login", url.Values{"email": {"ap@northwind.example"}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the window: status %d, want 200", resp.StatusCode)
	}
}

func TestLoginRateLimitPerIP(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client()
	for i := 0; i < 20; i++ {
		addr := "user" + strings.Repeat("x", i) + "@elsewhere.example"
		resp, _ := post(t, c, ts.URL, "/portal/login", url.Values{"email": {addr}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i+1, resp.StatusCode)
		}
	}
	resp, _ := post(t, c, ts.URL, "/portal/login", url.Values{"email": {"fresh@elsewhere.example"}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("21st request from one IP: status %d, want 429", resp.StatusCode)
	}
}

func TestLinkReusedOffersFreshLink(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Northwind", "ap@northwind.example")
	c := ts.client()
	post(t, c, ts.URL, "/portal/login", url.Values{"email": {"ap@northwind.example"}})
	token := linkPattern.FindStringSubmatch(ts.queuedMail(t, "ap@northwind.example")[0])[1]

	post(t, c, ts.URL, "/portal/link", url.Values{"token": {token}})
	resp, body := post(t, ts.client(), ts.URL, "/portal/link", url.Values{"token": {token}})
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, "already used") {
		t.Fatalf("reuse: status %d", resp.StatusCode)
	}

	resp, body = post(t, ts.client(), ts.URL, "/portal/link/resend", url.Values{"token": {token}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "7 days") {
		t.Fatalf("resend: status %d", resp.StatusCode)
	}
	mails := ts.queuedMail(t, "ap@northwind.example")
	if len(mails) != 2 {
		t.Fatalf("%d e-mails queued, want 2", len(mails))
	}
	fresh := linkPattern.FindStringSubmatch(mails[1])[1]
	if fresh == token {
		t.Error("the resent link reuses the spent token")
	}
}

func TestLinkExpired(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Northwind", "ap@northwind.example")
	post(t, ts.client(), ts.URL, "/portal/login", url.Values{"email": {"ap@northwind.example"}})
	token := linkPattern.FindStringSubmatch(ts.queuedMail(t, "ap@northwind.example")[0])[1]

	ts.now = ts.now.Add(16 * time.Minute)
	status, body := get(t, ts.client(), ts.URL, "/portal/link/"+token)
	if status != http.StatusOK || !strings.Contains(body, "expired") || !strings.Contains(body, `data-testid="link-resend"`) {
		t.Errorf("expired landing: status %d, body lacks the expiry notice or resend button", status)
	}
	resp, _ := post(t, ts.client(), ts.URL, "/portal/link", url.Values{"token": {token}})
	if resp.StatusCode != http.StatusGone {
		t.Errorf("redeeming an expired link: status %d, want 410", resp.StatusCode)
	}
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Northwind", "ap@northwind.example")

	c := ts.signIn(t, "ap@northwind.example")
	if status, _ := get(t, c, ts.URL, "/portal/"); status != http.StatusOK {
		t.Fatalf("statement after sign-in: status %d", status)
	}
	ts.now = ts.now.Add(31 * time.Minute)
	status, _ := get(t, c, ts.URL, "/portal/")
	if status != http.StatusSeeOther {
		t.Errorf("after 31 idle minutes: status %d, want a redirect to sign in", status)
	}

	// Activity every 20 minutes keeps the session past the idle timeout but not
	// past the absolute lifetime of 12 hours.
	ts.now = testNow
	c = ts.signIn(t, "ap@northwind.example")
	for i := 0; i < 35; i++ {
		ts.now = ts.now.Add(20 * time.Minute)
		status, _ := get(t, c, ts.URL, "/portal/")
		if ts.now.Sub(testNow) < 12*time.Hour && status != http.StatusOK {
			t.Fatalf("active session ended after %s", ts.now.Sub(testNow))
		}
		if ts.now.Sub(testNow) > 12*time.Hour && status != http.StatusSeeOther {
			t.Fatalf("session alive after %s, past the 12-hour lifetime", ts.now.Sub(testNow))
		}
	}
}

func TestLogoutEndsSession(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Northwind", "ap@northwind.example")
	c := ts.signIn(t, "ap@northwind.example")
	cookies := c.Jar.Cookies(mustURL(t, ts.URL+"/portal/"))

	post(t, c, ts.URL, "/portal/logout", nil)
	var n int
	if err := ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM web_sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d sessions stored after logout", n)
	}
	// Replaying the old cookie must not open the account.
	replay := ts.client()
	replay.Jar.SetCookies(mustURL(t, ts.URL+"/portal/"), cookies)
	if status, _ := get(t, replay, ts.URL, "/portal/"); status != http.StatusSeeOther {
		t.Errorf("old cookie after logout: status %d, want a redirect", status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestContactOfSeveralCustomersPicksAccount(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Alpha Corp", "shared@ap.example")
	second := ts.customer(t, "Beta Corp", "other@ap.example")
	if _, err := billing.AddContact(context.Background(), ts.pool, billing.Contact{CustomerID: second, Email: "shared@ap.example"}); err != nil {
		t.Fatal(err)
	}
	stranger := ts.customer(t, "Gamma Corp", "gamma@ap.example")

	token, err := billing.CreateMagicLink(context.Background(), ts.pool, "shared@ap.example", billing.LinkSupport, ts.now)
	if err != nil {
		t.Fatal(err)
	}
	c := ts.client()
	resp, _ := post(t, c, ts.URL, "/portal/link", url.Values{"token": {token}})
	if resp.Header.Get("Location") != "/portal/accounts" {
		t.Fatalf("redeem: location %q, want the account chooser", resp.Header.Get("Location"))
	}
	_, body := get(t, c, ts.URL, "/portal/accounts")
	if !strings.Contains(body, "Alpha Corp") || !strings.Contains(body, "Beta Corp") || strings.Contains(body, "Gamma Corp") {
		t.Error("chooser must list exactly the contact's two accounts")
	}

	resp, _ = post(t, c, ts.URL, "/portal/accounts", url.Values{"customer_id": {itoa(stranger)}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("choosing another customer's account: status %d, want 404", resp.StatusCode)
	}
	resp, _ = post(t, c, ts.URL, "/portal/accounts", url.Values{"customer_id": {itoa(second)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("choosing an account: status %d", resp.StatusCode)
	}
	_, body = get(t, c, ts.URL, "/portal/")
	if !strings.Contains(body, "Statement for Beta Corp") || !strings.Contains(body, `data-testid="current-account"`) {
		t.Error("statement does not show the chosen account")
	}
}

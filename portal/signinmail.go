package portal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// errRateLimited reports too many sign-in link requests for an address or an IP.
var errRateLimited = errors.New("too many sign-in link requests")

// allowLinkRequest counts one request for the address and one for the IP and
// reports errRateLimited when either is over its limit. An unknown address counts
// the same as a known one, so the limit reveals nothing about who is a contact.
func (h *Handler) allowLinkRequest(ctx context.Context, email, ip string) error {
	now := h.Now()
	ok, err := billing.AllowHit(ctx, h.Pool, "portal_link_ip:"+ip, billing.LinkRequestsPerIP, now)
	if err != nil {
		return err
	}
	if !ok {
		return errRateLimited
	}
	ok, err = billing.AllowHit(ctx, h.Pool, "portal_link_email:"+strings.ToLower(email), billing.LinkRequestsPerAddress, now)
	if err != nil {
		return err
	}
	if !ok {
		return errRateLimited
	}
	return nil
}

// sendSignInLink creates a link for email and queues the e-mail carrying it, in one
// transaction. It returns billing.ErrNotFound, with nothing written, when the
// address is no contact's.
func (h *Handler) sendSignInLink(ctx context.Context, email, purpose, ip string) error {
	accounts, err := billing.AccountsForEmail(ctx, h.Pool, email)
	if err != nil {
		return err
	}
	if len(accounts) == 0 {
		return billing.ErrNotFound
	}

	return billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
		token, err := billing.CreateMagicLink(ctx, tx, email, purpose, h.Now())
		if err != nil {
			return err
		}
		link := h.BaseURL + "/portal/link/" + token
		text, html, err := signInMailBodies(link, billing.LinkTTL(purpose))
		if err != nil {
			return err
		}
		// The e-mail goes on the timeline of the contact's first account; the
		// others see the sign-in itself when it happens.
		_, err = outbox.Queue(ctx, tx, h.Jobs, outbox.Message{
			To: email, Subject: "Your sign-in link", Text: text, HTML: html,
			CustomerID: accounts[0].CustomerID, Kind: "portal.sign_in_link",
			Secrets: []string{token}, Actor: "contact:" + email, Source: "portal",
		})
		if err != nil {
			return fmt.Errorf("queueing sign-in link e-mail: %w", err)
		}
		h.Logger.Info("sign-in link queued", "customer_id", accounts[0].CustomerID, "purpose", purpose, "ip", ip)
		return nil
	})
}

var signInHTML = template.Must(template.New("signin").Parse(`<p>Hello,</p>
<p>Use the button below to open your account. The link works once and expires in {{.Lifetime}}.</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:4px">Open my account</a></p>
<p>If you did not ask for this e-mail, you can ignore it.</p>`))

func signInMailBodies(link string, ttl time.Duration) (string, string, error) {
	lifetime := humanDuration(ttl)
	text := fmt.Sprintf("Hello,\n\nOpen your account with this link. It works once and expires in %s:\n\n%s\n\n"+
		"If you did not ask for this e-mail, you can ignore it.\n", lifetime, link)
	var html bytes.Buffer
	if err := signInHTML.Execute(&html, struct{ Link, Lifetime string }{link, lifetime}); err != nil {
		return "", "", fmt.Errorf("rendering sign-in e-mail: %w", err)
	}
	return text, html.String(), nil
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes()))
}

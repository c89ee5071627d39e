package collect_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func TestPreviewRendersRealCustomer(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cust := f.customer(t, "Globex Corporation", "ap@globex.example")
	f.invoice(t, cust, "GX-1", 125000, billing.NewDate(2026, 1, 10))
	f.invoice(t, cust, "GX-2", 40000, billing.NewDate(2026, 2, 1))
	emails := f.count(t, `SELECT count(*) FROM outbox_emails`)

	p, err := f.engine.Preview(ctx, cust, "firm", billing.NewDate(2026, 1, 20))
	if err != nil {
		t.Fatal(err)
	}
	// On Jan 20 only GX-1 (10 days past due) is at the firm step; GX-2 is not due yet.
	if p.To != "ap@globex.example" || p.Invoices != 1 || p.Note != "" {
		t.Errorf("to %q about %d invoices, note %q; want ap@globex.example about 1, no note", p.To, p.Invoices, p.Note)
	}
	for _, want := range []string{"Globex Corporation", "GX-1", "$1,250.00", "10 days past due", "/portal/login"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text body lacks %q:\n%s", want, p.Text)
		}
		if !strings.Contains(p.HTML, want) {
			t.Errorf("HTML body lacks %q", want)
		}
	}
	if strings.Contains(p.Text, "GX-2") {
		t.Error("the firm preview lists GX-2, which is not at the firm step")
	}
	// No reminder went out before, so the firm wording must not claim one did.
	if p.Subject != "$1,250.00 overdue for Globex Corporation" || strings.Contains(p.Text, "We wrote earlier") {
		t.Errorf("first firm e-mail claims an earlier reminder: subject %q", p.Subject)
	}

	courtesy, err := f.engine.Preview(ctx, cust, "courtesy", billing.NewDate(2026, 1, 20))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Text, "The invoice below\nis past due and remains unpaid.") {
		t.Errorf("firm text about one invoice is not in the singular:\n%s", p.Text)
	}
	if !strings.Contains(courtesy.Text, "the following invoices for Globex Corporation\nfall due soon") {
		t.Errorf("courtesy text about two invoices is not in the plural:\n%s", courtesy.Text)
	}
	if courtesy.Invoices != 2 || courtesy.Note == "" {
		t.Errorf("courtesy preview with no invoice at that step: %d invoices, note %q; want both open invoices and a note", courtesy.Invoices, courtesy.Note)
	}
	if got := f.count(t, `SELECT count(*) FROM outbox_emails`); got != emails {
		t.Errorf("a preview queued %d e-mails", got-emails)
	}
	if got := f.count(t, `SELECT count(*) FROM magic_links`); got != 0 {
		t.Errorf("a preview created %d sign-in links", got)
	}

	if _, err := f.engine.Preview(ctx, cust, "no_such_template", billing.NewDate(2026, 1, 20)); err == nil {
		t.Error("preview of an unknown template succeeded")
	}
	empty := f.customer(t, "Initech", "ap@initech.example")
	if _, err := f.engine.Preview(ctx, empty, "firm", billing.NewDate(2026, 1, 20)); err == nil {
		t.Error("preview for a customer without open invoices succeeded")
	}
}

// TestTemplateSourcesRoundTrip saves every shipped template's source as an
// edit and expects the edit to render exactly as the shipped template does.
func TestTemplateSourcesRoundTrip(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cust := f.customer(t, "Hooli", "ap@hooli.example")
	f.invoice(t, cust, "HO-1", 99000, billing.NewDate(2026, 1, 5))

	sources, err := collect.TemplateSources(ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(sources) < 4 {
		t.Fatalf("%d editable templates, want at least the four tones", len(sources))
	}
	for _, s := range sources {
		if s.Edited || s.Name == "invoice" || strings.HasPrefix(s.Name, "installment_") {
			t.Errorf("template %s listed as editable (edited %v)", s.Name, s.Edited)
		}
		before, err := f.engine.Preview(ctx, cust, s.Name, billing.NewDate(2026, 1, 20))
		if err != nil {
			t.Fatal(err)
		}
		if err := collect.SaveTemplate(ctx, f.pool, s.Name, s.Subject, s.Text, s.HTML); err != nil {
			t.Fatalf("saving the shipped source of %s: %v", s.Name, err)
		}
		after, err := f.engine.Preview(ctx, cust, s.Name, billing.NewDate(2026, 1, 20))
		if err != nil {
			t.Fatal(err)
		}
		if before != after {
			t.Errorf("%s renders differently after saving its own source", s.Name)
		}
	}
	sources, err = collect.TemplateSources(ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sources {
		if !s.Edited {
			t.Errorf("template %s not marked edited after saving", s.Name)
		}
	}
}

// goTemplatePrefix matches the location prefix of a raw Go template error.
var goTemplatePrefix = regexp.MustCompile(`template: \w*:\d`)

// TestSaveTemplateNamesThePart checks that a template error names the part it
// is in and reads as advice, not as a Go error.
func TestSaveTemplateNamesThePart(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cases := []struct {
		subject, text, html string
		field, want         string
	}{
		{"Overdue: {{.TotalDue}", "Dear {{.Customer}}", "<p>x</p>", "subject", "It is not a valid template: line 1:"},
		{"Overdue", "Dear {{.AmountDue}}", "<p>x</p>", "body_text", "there is no field .AmountDue; use .Customer"},
		{"Overdue", "Dear {{.Customer}}", "<p>{{if .Customer}}x</p>", "body_html", "It is not a valid template: line 1:"},
		{"Overdue for {{.Customer}}", "Dear {{.Customer}}", "<p>{{.Amount}}</p>", "body_html", "there is no field .Amount"},
	}
	for _, c := range cases {
		err := collect.SaveTemplate(ctx, f.pool, "firm", c.subject, c.text, c.html)
		var fe billing.FieldErrors
		if !errors.As(err, &fe) {
			t.Errorf("SaveTemplate(%q, %q, %q) = %v, want field errors", c.subject, c.text, c.html, err)
			continue
		}
		if msg := fe[c.field]; !strings.Contains(msg, c.want) || goTemplatePrefix.MatchString(msg) {
			t.Errorf("error for %s = %q (all: %v), want it to contain %q and no Go template prefix", c.field, msg, fe, c.want)
		}
	}
}

package billing_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

var (
	pdfBytes  = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	pngBytes  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 32)...)
	jpegBytes = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 32)...)
)

func TestDetectAttachmentType(t *testing.T) {
	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{"pdf", pdfBytes, "application/pdf"},
		{"png", pngBytes, "image/png"},
		{"jpeg", jpegBytes, "image/jpeg"},
		{"text", []byte("just some text that claims to be a PDF"), ""},
		{"html", []byte("<html><script>alert(1)</script></html>"), ""},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), ""},
		{"zip", []byte("PK\x03\x04rest"), ""},
		{"empty", nil, ""},
	}
	for _, c := range cases {
		if got := billing.DetectAttachmentType(c.content); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestValidateAttachment(t *testing.T) {
	big := append(bytes.Clone(pdfBytes), make([]byte, billing.MaxDisputeAttachmentLen)...)
	cases := []struct {
		name string
		file billing.AttachmentFile
		want string
	}{
		{"ok", billing.AttachmentFile{Filename: "po.pdf", Content: pdfBytes}, ""},
		{"mislabelled", billing.AttachmentFile{Filename: "po.pdf", Content: []byte("MZ\x90\x00 windows executable")}, "not a PDF, PNG or JPEG"},
		{"too large", billing.AttachmentFile{Filename: "scan.pdf", Content: big}, "at most 10 MB"},
		{"empty", billing.AttachmentFile{Filename: "x.png"}, "empty"},
	}
	for _, c := range cases {
		got := billing.ValidateAttachment(c.file)
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s: message %q, want one containing %q", c.name, got, c.want)
		}
	}
}

func TestOpenDisputePausesReminders(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	actor := billing.Actor{Kind: "contact", Name: "ap@northwind.example"}

	hold, err := billing.ReminderHold(ctx, f.pool, f.inv1.ID, f.today)
	if err != nil {
		t.Fatal(err)
	}
	if hold != "" {
		t.Fatalf("hold %q before any dispute", hold)
	}

	id, err := withTx(t, f.pool, func(tx pgx.Tx) (int64, error) {
		return billing.OpenDispute(ctx, tx, billing.NewDispute{
			CustomerID: f.customer, InvoiceID: f.inv1.ID, Reason: "damaged", Message: "Two crates arrived broken.",
			Attachments: []billing.AttachmentFile{{Filename: `C:\photos\crate.png`, Content: pngBytes}}, Actor: actor,
		}, f.today)
	})
	if err != nil {
		t.Fatal(err)
	}
	hold, err = billing.ReminderHold(ctx, f.pool, f.inv1.ID, f.today)
	if err != nil {
		t.Fatal(err)
	}
	if hold != "disputed" {
		t.Errorf("hold %q, want disputed", hold)
	}

	disputes, err := billing.InvoiceDisputes(ctx, f.pool, f.customer, f.inv1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(disputes) != 1 || len(disputes[0].Attachments) != 1 || disputes[0].Attachments[0].Filename != "crate.png" {
		t.Fatalf("stored disputes = %+v", disputes)
	}
	_, _, err = billing.DisputeAttachmentContent(ctx, f.pool, f.other.CustomerID, disputes[0].Attachments[0].ID)
	if !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("another customer's attachment: error %v, want ErrNotFound", err)
	}

	staff := billing.Actor{Kind: "staff", Name: "ana@seller.example"}
	if _, err := withTx(t, f.pool, func(tx pgx.Tx) (int64, error) {
		return billing.ReplyToDispute(ctx, tx, f.customer, id, staff, true, "We will send a credit note.")
	}); err != nil {
		t.Fatal(err)
	}
	disputes, err = billing.InvoiceDisputes(ctx, f.pool, f.customer, f.inv1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(disputes[0].Replies) != 1 || !disputes[0].Replies[0].FromStaff {
		t.Errorf("replies = %+v", disputes[0].Replies)
	}
}

func TestOpenDisputeRejectsBadInput(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	ok := billing.NewDispute{CustomerID: f.customer, InvoiceID: f.inv1.ID, Reason: "wrong_amount", Message: "Price was 10.00",
		Actor: billing.Actor{Kind: "contact", Name: "ap@northwind.example"}}
	six := make([]billing.AttachmentFile, 6)
	for i := range six {
		six[i] = billing.AttachmentFile{Filename: "p.pdf", Content: pdfBytes}
	}
	cases := []struct {
		name   string
		field  string
		mutate func(*billing.NewDispute)
	}{
		{"unknown reason", "reason", func(d *billing.NewDispute) { d.Reason = "because" }},
		{"empty message", "message", func(d *billing.NewDispute) { d.Message = "  " }},
		{"long message", "message", func(d *billing.NewDispute) { d.Message = strings.Repeat("x", 5001) }},
		{"foreign line", "line", func(d *billing.NewDispute) { d.LineID = 999999 }},
		{"six files", "attachments", func(d *billing.NewDispute) { d.Attachments = six }},
		{"mislabelled file", "attachments", func(d *billing.NewDispute) {
			d.Attachments = []billing.AttachmentFile{{Filename: "invoice.pdf", Content: []byte("hello")}}
		}},
	}
	for _, c := range cases {
		in := ok
		c.mutate(&in)
		_, err := withTx(t, f.pool, func(tx pgx.Tx) (int64, error) { return billing.OpenDispute(ctx, tx, in, f.today) })
		t.Run(c.name, func(t *testing.T) { fieldError(t, err, c.field) })
	}
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM disputes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d disputes stored from invalid input", n)
	}

	foreign := ok
	foreign.InvoiceID = f.other.ID
	_, err := withTx(t, f.pool, func(tx pgx.Tx) (int64, error) { return billing.OpenDispute(ctx, tx, foreign, f.today) })
	if !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("another customer's invoice: error %v, want ErrNotFound", err)
	}
}

func TestReminderHoldPromiseAndPlan(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	actor := billing.Actor{Kind: "contact", Name: "ap@northwind.example"}
	if _, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Promise, error) {
		return billing.CreatePromise(ctx, tx, billing.NewPromise{CustomerID: f.customer, InvoiceID: f.inv1.ID,
			Date: f.today.AddDays(5), Amount: dollars(100), Actor: actor, Source: "portal"}, f.today)
	}); err != nil {
		t.Fatal(err)
	}
	for offset, want := range map[int]string{0: "promised", 8: "promised", 9: ""} {
		hold, err := billing.ReminderHold(ctx, f.pool, f.inv1.ID, f.today.AddDays(offset))
		if err != nil {
			t.Fatal(err)
		}
		if hold != want {
			t.Errorf("day +%d: hold %q, want %q (promise date plus 3 grace days)", offset, hold, want)
		}
	}

	if _, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Plan, error) {
		return billing.ProposePlan(ctx, tx, billing.PlanProposal{CustomerID: f.customer, InvoiceIDs: []int64{f.inv2.ID},
			Count: 2, Frequency: billing.FrequencyMonthly, First: f.today, Actor: actor}, f.today)
	}); err != nil {
		t.Fatal(err)
	}
	hold, err := billing.ReminderHold(ctx, f.pool, f.inv2.ID, f.today)
	if err != nil {
		t.Fatal(err)
	}
	if hold != "" {
		t.Errorf("pending plan: hold %q, want none until approval", hold)
	}
}

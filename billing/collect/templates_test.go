package collect_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func TestDefaultTemplatesRender(t *testing.T) {
	tmpl, err := collect.DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	data := collect.ReminderData{
		OrgName: "Acme", Customer: "Northwind <Traders>", TotalDue: "$10.00", Link: "https://pay.example/portal/link/x",
		PayBy: "Mar 1, 2026", Invoices: []collect.ReminderInvoice{{Number: "INV-1", Open: "$10.00", Status: "3 days past due"}},
		Signature: collect.Signature{Closing: "Thank you,", Name: "Accounts Receivable"},
	}
	for _, name := range []string{"courtesy", "friendly", "friendly_b", "firm", "final"} {
		subject, text, html, err := tmpl.Render(name, data)
		if err != nil {
			t.Errorf("Render(%s): %v", name, err)
			continue
		}
		if subject == "" || !strings.Contains(text, "INV-1") || !strings.Contains(html, "INV-1") {
			t.Errorf("%s: subject %q, or a body without the invoice", name, subject)
		}
		if !strings.Contains(html, "Northwind &lt;Traders&gt;") {
			t.Errorf("%s: the HTML body does not escape the customer name", name)
		}
		if !strings.Contains(text, "Hello,") {
			t.Errorf("%s: the text body lacks the greeting for a contact without a name", name)
		}
	}
}

func TestSaveTemplateOverridesDefault(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	if err := collect.SaveTemplate(ctx, f.pool, "friendly", "Pay {{.TotalDue}", "x", "<p>x</p>"); err == nil {
		t.Error("SaveTemplate with a broken subject succeeded")
	}
	if err := collect.SaveTemplate(ctx, f.pool, "friendly", "Hi", "{{.NoSuchField}}", "<p>x</p>"); err == nil {
		t.Error("SaveTemplate with an unknown field succeeded")
	}
	if err := collect.SaveTemplate(ctx, f.pool, "Friendly!", "Hi", "x", "<p>x</p>"); err == nil {
		t.Error("SaveTemplate with an invalid name succeeded")
	}
	err := collect.SaveTemplate(ctx, f.pool, "friendly", "Open balance {{.TotalDue}} for {{.Customer}}",
		"{{template \"greeting\" .}}\n{{template \"invoices\" .}}{{.Link}}\n", "<p>{{.Customer}}</p>{{template \"invoices\" .}}")
	if err != nil {
		t.Fatal(err)
	}
	cust := f.customer(t, "Edited Co", "ap@edited.example")
	day := billing.NewDate(2026, 9, 10)
	f.invoice(t, cust, "E-1", 4200, day.AddDays(-3))
	f.run(t, day)
	f.deliver(t, 1)
	msgs := f.sink.To("ap@edited.example")
	if len(msgs) != 1 {
		t.Fatalf("received %d e-mails, want 1", len(msgs))
	}
	if got := msgs[0].Header("Subject"); got != "Open balance $42.00 for Edited Co" {
		t.Errorf("subject = %q, want the edited one", got)
	}
	if err := collect.ResetTemplate(ctx, f.pool, "friendly"); err != nil {
		t.Fatal(err)
	}
	tmpl, err := collect.LoadTemplates(ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	subject, _, _, err := tmpl.Render("friendly", collect.ReminderData{TotalDue: "$1.00", Customer: "X"})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Reminder: $1.00 past due for X" {
		t.Errorf("subject after reset = %q, want the shipped one", subject)
	}
}

func TestTemplatesNameEndingInPeriod(t *testing.T) {
	t.Parallel()
	tmpl, err := collect.DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	reminder := collect.ReminderData{
		OrgName: "Acme", Customer: "Contoso Supply Co.", TotalDue: "$10.00", Link: "https://pay.example/portal/link/x",
		PayBy: "Mar 1, 2026", Invoices: []collect.ReminderInvoice{{Number: "INV-1", Open: "$10.00", Status: "3 days past due"}},
		Signature: collect.Signature{Closing: "Thank you,", Name: "Accounts Receivable"},
	}
	invoice := collect.InvoiceEmail{
		OrgName: "Acme", Customer: "Contoso Supply Co.", Number: "INV-1", IssueDate: "Mar 1, 2026", DueDate: "Mar 31, 2026",
		Total: "$10.00", Link: "https://pay.example/portal/link/x",
	}
	for _, name := range []string{"courtesy", "friendly", "friendly_b", "firm", "final", "invoice"} {
		var data any = reminder
		if name == "invoice" {
			data = invoice
		}
		_, text, html, err := tmpl.Render(name, data)
		if err != nil {
			t.Errorf("Render(%s): %v", name, err)
			continue
		}
		if !strings.Contains(text, "Contoso Supply Co.") {
			t.Errorf("%s: the text body lacks the customer name", name)
		}
		if strings.Contains(text, "Co..") {
			t.Errorf("%s: the text body has a double full stop after the customer name", name)
		}
		if strings.Contains(html, "Co..") {
			t.Errorf("%s: the HTML body has a double full stop after the customer name", name)
		}
	}
}

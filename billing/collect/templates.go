package collect

import (
	"context"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	texttemplate "text/template"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/templates"
)

// Templates are the parsed reminder and invoice e-mails: the defaults shipped in
// the binary, with the edited ones from reminder_templates in their place.
type Templates struct {
	text     map[string]*texttemplate.Template // "subject" and "text"
	html     map[string]*htmltemplate.Template // "html"
	textBase *texttemplate.Template            // the partials, cloned for each edited template
	htmlBase *htmltemplate.Template
}

// Names returns the template names, sorted.
func (t *Templates) Names() []string {
	out := make([]string, 0, len(t.text))
	for name := range t.text {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Has reports whether a template with this name exists.
func (t *Templates) Has(name string) bool {
	_, ok := t.text[name]
	return ok
}

// DefaultTemplates parses the templates shipped in the binary.
func DefaultTemplates() (*Templates, error) {
	files := templates.EmailFS()
	textBase, err := texttemplate.New("").ParseFS(files, "partials.txt")
	if err != nil {
		return nil, fmt.Errorf("parsing e-mail partials.txt: %w", err)
	}
	htmlBase, err := htmltemplate.New("").ParseFS(files, "partials.html")
	if err != nil {
		return nil, fmt.Errorf("parsing e-mail partials.html: %w", err)
	}

	names, err := fs.Glob(files, "*.txt")
	if err != nil {
		return nil, err
	}
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, file := range names {
		name := strings.TrimSuffix(file, ".txt")
		if name == "partials" {
			continue
		}
		tt, err := texttemplate.Must(textBase.Clone()).ParseFS(files, file)
		if err != nil {
			return nil, fmt.Errorf("parsing e-mail template %s: %w", file, err)
		}
		ht, err := htmltemplate.Must(htmlBase.Clone()).ParseFS(files, name+".html")
		if err != nil {
			return nil, fmt.Errorf("parsing e-mail template %s.html: %w", name, err)
		}
		if err := checkDefined(name, tt.Lookup("subject") != nil, tt.Lookup("text") != nil, ht.Lookup("html") != nil); err != nil {
			return nil, err
		}
		t.text[name], t.html[name] = tt, ht
	}
	t.textBase, t.htmlBase = textBase, htmlBase
	return t, nil
}

func checkDefined(name string, subject, text, html bool) error {
	if !subject || !text || !html {
		return fmt.Errorf("e-mail template %s: it must define subject, text and html", name)
	}
	return nil
}

// Override parses an edited template and puts it in place of the one with the
// same name. subject and text are text/template source, html is html/template
// source; all three may use the shared partials such as {{template "invoices" .}}.
func (t *Templates) Override(name, subject, text, html string) error {
	if strings.ContainsAny(subject, "\r\n") {
		return fmt.Errorf("template %s: invalid subject: it contains a line break", name)
	}
	tt, err := texttemplate.Must(t.textBase.Clone()).Parse(
		`{{define "subject"}}` + subject + `{{end}}{{define "text"}}` + text + `{{end}}`)
	if err != nil {
		return fmt.Errorf("template %s: invalid subject or text: %w", name, err)
	}
	ht, err := htmltemplate.Must(t.htmlBase.Clone()).Parse(`{{define "html"}}` + html + `{{end}}`)
	if err != nil {
		return fmt.Errorf("template %s: invalid HTML body: %w", name, err)
	}
	t.text[name], t.html[name] = tt, ht
	return nil
}

// LoadTemplates returns the default templates with the edited ones from the
// reminder_templates table in their place.
func LoadTemplates(ctx context.Context, db billing.DB) (*Templates, error) {
	t, err := DefaultTemplates()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT name, subject, body_text, body_html FROM reminder_templates ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("querying reminder templates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, subject, text, html string
		if err := rows.Scan(&name, &subject, &text, &html); err != nil {
			return nil, fmt.Errorf("scanning reminder template: %w", err)
		}
		if err := t.Override(name, subject, text, html); err != nil {
			return nil, err
		}
	}
	return t, rows.Err()
}

// Render executes template name with data and returns the subject and both bodies.
func (t *Templates) Render(name string, data any) (subject, text, html string, err error) {
	tt, ok := t.text[name]
	if !ok {
		return "", "", "", fmt.Errorf("e-mail template %q not found: use one of %s", name, strings.Join(t.Names(), ", "))
	}
	var b strings.Builder
	if err := tt.ExecuteTemplate(&b, "subject", data); err != nil {
		return "", "", "", fmt.Errorf("rendering subject of %s: %w", name, err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ")

	// A reminder about many invoices runs to tens of kilobytes, so the bodies
	// start at a size that saves the first rounds of growing and copying.
	var tb strings.Builder
	tb.Grow(renderBufferSize)
	if err := tt.ExecuteTemplate(&tb, "text", data); err != nil {
		return "", "", "", fmt.Errorf("rendering text of %s: %w", name, err)
	}
	var hb strings.Builder
	hb.Grow(2 * renderBufferSize)
	if err := t.html[name].ExecuteTemplate(&hb, "html", data); err != nil {
		return "", "", "", fmt.Errorf("rendering HTML of %s: %w", name, err)
	}
	return subject, tb.String(), hb.String(), nil
}

// renderBufferSize is the initial size of the text body buffer in bytes. The
// HTML body, about three times as long, starts at twice this size.
const renderBufferSize = 4 << 10

// sampleReminder is the data an edited reminder template is tried with before it
// is saved, so a template that fails to render is rejected at once.
var sampleReminder = ReminderData{
	OrgName: "Acme Industrial Supply", Customer: "Northwind Traders", Contact: "Dana Reyes", Tone: ToneFriendly,
	AsOf: "Mar 13, 2026", TotalDue: "$1,300.00", Link: "https://pay.example.com/portal/link/TOKEN",
	PlanLink: "https://pay.example.com/portal/plan", PayBy: "Mar 20, 2026",
	Invoices: []ReminderInvoice{
		{Number: "INV-1002", IssueDate: "Dec 22, 2025", DueDate: "Jan 21, 2026", Open: "$50.00", Status: "51 days past due"},
		{Number: "INV-1001", IssueDate: "Jan 3, 2026", DueDate: "Feb 2, 2026", Open: "$1,250.00", Status: "39 days past due"},
	},
	Signature: Signature{Closing: "Thank you,", Name: "Accounts Receivable"},
}

// SaveTemplate stores an edited reminder template in place of the shipped one
// with the same name, or adds a new one. It parses the template and renders it
// with sample data first, and rejects it with a field error when either fails.
func SaveTemplate(ctx context.Context, db billing.DB, name, subject, text, html string) error {
	errs := billing.FieldErrors{}
	switch {
	case !validTemplateName(name):
		errs["name"] = "Use lowercase letters, digits and underscores, starting with a letter, such as friendly_short."
	case !editable(name):
		errs["name"] = fmt.Sprintf("%s is not a reminder template; only reminder wording can be edited here.", name)
	}
	if strings.TrimSpace(subject) == "" {
		errs["subject"] = "Enter a subject."
	}
	if strings.TrimSpace(text) == "" {
		errs["body_text"] = "Enter the plain-text body."
	}
	if strings.TrimSpace(html) == "" {
		errs["body_html"] = "Enter the HTML body."
	}
	if len(errs) > 0 {
		return errs
	}
	if errs := checkParts(subject, text, html); errs != nil {
		return errs
	}
	trial, err := DefaultTemplates()
	if err != nil {
		return err
	}
	if err := trial.Override(name, subject, text, html); err != nil {
		return billing.FieldErrors{"body_text": templateProblem(err)}
	}
	if _, _, _, err := trial.Render(name, sampleReminder); err != nil {
		field := "body_text"
		switch {
		case strings.HasPrefix(err.Error(), "rendering subject"):
			field = "subject"
		case strings.HasPrefix(err.Error(), "rendering HTML"):
			field = "body_html"
		}
		return billing.FieldErrors{field: "It does not render with sample data: " + templateProblem(err)}
	}

	_, err = db.Exec(ctx, `
		INSERT INTO reminder_templates (name, subject, body_text, body_html) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET subject = excluded.subject, body_text = excluded.body_text,
			body_html = excluded.body_html, updated_at = now()`, name, subject, text, html)
	if err != nil {
		return fmt.Errorf("saving reminder template %s: %w", name, err)
	}
	return nil
}

// ResetTemplate deletes the edited version of a template, so the shipped wording
// applies again.
func ResetTemplate(ctx context.Context, db billing.DB, name string) error {
	if _, err := db.Exec(ctx, `DELETE FROM reminder_templates WHERE name = $1`, name); err != nil {
		return fmt.Errorf("resetting reminder template %s: %w", name, err)
	}
	return nil
}

func validTemplateName(name string) bool {
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// TemplateSource is the editable source of one reminder template.
type TemplateSource struct {
	Name    string
	Subject string // text/template source
	Text    string // text/template source
	HTML    string // html/template source
	Edited  bool   // an edited version replaces the shipped wording
}

// editable reports whether staff may edit the template: reminder wording only,
// not the invoice e-mail, the installment notices or the shared partials.
func editable(name string) bool {
	return name != "invoice" && name != "partials" && !strings.HasPrefix(name, "installment_")
}

// TemplateSources returns the source of every reminder template staff may edit,
// by name, with the edited versions in place of the shipped ones.
func TemplateSources(ctx context.Context, db billing.DB) ([]TemplateSource, error) {
	shipped, err := DefaultTemplates()
	if err != nil {
		return nil, err
	}
	byName := map[string]TemplateSource{}
	for _, name := range shipped.Names() {
		if !editable(name) {
			continue
		}
		byName[name] = TemplateSource{
			Name:    name,
			Subject: shipped.text[name].Lookup("subject").Tree.Root.String(),
			Text:    shipped.text[name].Lookup("text").Tree.Root.String(),
			HTML:    shipped.html[name].Lookup("html").Tree.Root.String(),
		}
	}

	// Edited versions replace the shipped ones; new names are added.
	rows, err := db.Query(ctx, `SELECT name, subject, body_text, body_html FROM reminder_templates`)
	if err != nil {
		return nil, fmt.Errorf("querying reminder templates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s := TemplateSource{Edited: true}
		if err := rows.Scan(&s.Name, &s.Subject, &s.Text, &s.HTML); err != nil {
			return nil, fmt.Errorf("scanning reminder template: %w", err)
		}
		byName[s.Name] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	out := make([]TemplateSource, 0, len(byName))
	for _, s := range byName {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// checkParts parses each part of an edited template on its own, so that an
// error names the part it is in.
func checkParts(subject, text, html string) billing.FieldErrors {
	errs := billing.FieldErrors{}
	if strings.ContainsAny(subject, "\r\n") {
		errs["subject"] = "Keep the subject on one line."
	} else if _, err := texttemplate.New("subject").Parse(subject); err != nil {
		errs["subject"] = "It is not a valid template: " + templateProblem(err)
	}
	if _, err := texttemplate.New("text").Parse(text); err != nil {
		errs["body_text"] = "It is not a valid template: " + templateProblem(err)
	}
	if _, err := htmltemplate.New("html").Parse(html); err != nil {
		errs["body_html"] = "It is not a valid template: " + templateProblem(err)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// templateLocation matches the "template: NAME:LINE:COL: " prefix of Go
// template errors.
var templateLocation = regexp.MustCompile(`template: [^:]*:(\d+)(:\d+)?: `)

// missingField matches the error of a template that names an unknown field.
var missingField = regexp.MustCompile(`can't evaluate field (\w+) in type`)

// templateProblem rewrites a Go template error for the person editing it: the
// line number without the internal template name, and for an unknown field the
// fields that exist.
func templateProblem(err error) string {
	msg := err.Error()
	if m := missingField.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("there is no field .%s; use .Customer, .Contact, .TotalDue, .PayBy, .Link, .PlanLink, "+
			".Discount, .OrgName, .AsOf, .Invoices or .Earlier.", m[1])
	}
	if loc := templateLocation.FindStringSubmatchIndex(msg); loc != nil {
		line := msg[loc[2]:loc[3]]
		msg = "line " + line + ": " + msg[loc[1]:]
	}
	return msg + "."
}

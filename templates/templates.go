// Package templates embeds Ledgvero's html/template pages and renders them. Every
// page is parsed at start-up together with the layout and partials, so a broken
// template stops the server at boot instead of failing a visitor, and every render
// goes into a buffer so a failed render never sends half a page.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"sync"
)

//go:embed layout partials portal backoffice errors email
var files embed.FS

// Base is embedded in every page's data struct.
type Base struct {
	Title      string
	Surface    string // "portal" or "backoffice"; picks the navigation
	CSRF       string // token for every form's hidden csrf field
	User       string // signed-in staff e-mail, or the portal contact's e-mail
	Account    string // the customer account open in the portal
	Seller     string // the seller's organization name in the portal header and title; "" shows "Ledgvero"
	Flash      string
	FlashError bool
	Sandbox    bool // payments go to the built-in sandbox, where no money moves
}

// PossessiveSuffix returns the ending of Account's possessive in US style: "’s",
// or "’" alone after a final s, as in "Northwind Traders’ account".
func (b Base) PossessiveSuffix() string {
	if strings.HasSuffix(strings.ToLower(b.Account), "s") {
		return "’"
	}
	return "’s"
}

// Renderer holds one parsed template set per page.
type Renderer struct {
	pages map[string]*template.Template
	bufs  sync.Pool
}

// New parses every page with the layout and partials. assetURL maps a logical asset
// name such as "app.css" to its content-hashed URL.
func New(assetURL func(string) string) (*Renderer, error) {
	funcs := template.FuncMap{"asset": assetURL}
	shared, err := template.New("").Funcs(funcs).ParseFS(files, "layout/*.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parsing layout: %w", err)
	}

	r := &Renderer{pages: map[string]*template.Template{}}
	r.bufs.New = func() any { return new(bytes.Buffer) }
	for _, dir := range []string{"portal", "backoffice", "errors"} {
		names, err := fs.Glob(files, dir+"/*.html")
		if err != nil {
			return nil, err
		}
		for _, file := range names {
			t, err := shared.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.ParseFS(files, file); err != nil {
				return nil, fmt.Errorf("parsing %s: %w", file, err)
			}
			r.pages[strings.TrimSuffix(file, ".html")] = t
		}
	}
	return r, nil
}

// Names returns the names of every page, such as "portal/statement".
func (r *Renderer) Names() []string {
	out := make([]string, 0, len(r.pages))
	for name := range r.pages {
		out = append(out, name)
	}
	return out
}

// Render executes page name with data into w. Nothing is written when the
// template fails.
func (r *Renderer) Render(w io.Writer, name string, data any) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("rendering %s: no such template", name)
	}
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)

	if err := t.ExecuteTemplate(buf, "layout", data); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Package assets embeds Ledgvero's stylesheets, scripts and images and serves them
// under content-hashed names ("app.3f9a1c2b.css"), so browsers may cache them for a
// year and still see every change at once.
package assets

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var files embed.FS

// Set maps logical asset names to their hashed names and back.
type Set struct {
	hashed  map[string]string // "app.css" -> "app.3f9a1c2b.css"
	logical map[string]string // the reverse
	content map[string][]byte // by logical name
}

// Load reads and hashes every embedded asset.
func Load() (*Set, error) {
	s := &Set{hashed: map[string]string{}, logical: map[string]string{}, content: map[string][]byte{}}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(data)
		ext := path.Ext(name)
		h := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		s.hashed[name], s.logical[h], s.content[name] = h, name, data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading assets: %w", err)
	}
	return s, nil
}

// URL returns the public path of a logical asset name. It panics on an unknown name,
// which template parsing at start-up turns into a boot failure instead of a broken page.
func (s *Set) URL(name string) string {
	h, ok := s.hashed[name]
	if !ok {
		panic(fmt.Sprintf("assets: unknown asset %q", name))
	}
	return "/assets/" + h
}

// ServeHTTP serves a hashed asset with a one-year immutable cache lifetime. The
// handler expects the "/assets/" prefix already stripped.
func (s *Set) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := s.logical[strings.TrimPrefix(r.URL.Path, "/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(s.content[name])
}

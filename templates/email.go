package templates

import "io/fs"

// EmailFS returns the e-mail templates: for each name a NAME.txt with the
// "subject" and "text" templates (text/template) and a NAME.html with the "html"
// template (html/template), plus partials.txt and partials.html shared by all.
func EmailFS() fs.FS {
	sub, err := fs.Sub(files, "email")
	if err != nil {
		panic("templates: email folder missing from the embedded files: " + err.Error())
	}
	return sub
}

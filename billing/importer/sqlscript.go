package importer

import (
	"strings"
)

// splitStatements splits a script of the write steps at semicolons that end a
// line. The scripts are constants of this package, so no semicolon ends a line
// inside a string literal.
func splitStatements(script string) []string {
	var out []string
	for _, part := range strings.Split(script, ";\n") {
		if s := strings.TrimSpace(stripComments(part)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

package billing

import (
	"sort"
	"strings"
	"time"
)

// FieldErrors maps a form field name to a message that states what is wrong and how
// to fix it. It is an error so that validation failures travel like any other.
type FieldErrors map[string]string

// Fields returns the names of the invalid fields, sorted.
func (f FieldErrors) Fields() []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Error joins the messages in field order.
func (f FieldErrors) Error() string {
	keys := f.Fields()
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+f[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

func validTimezone(name string) bool {
	if name == "" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

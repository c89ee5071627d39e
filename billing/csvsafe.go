package billing

import "strings"

// SafeCSVCell returns s ready for a CSV cell that a spreadsheet may open: text
// starting with '=', '+', '-' or '@' (also after leading spaces, tabs or line breaks,
// which spreadsheets skip) gets a leading single quote so it is shown as text
// instead of run as a formula. Write amounts with Money.Decimal and do not pass
// them through here, so a negative amount such as "-12.50" stays a number.
func SafeCSVCell(s string) string {
	trimmed := strings.TrimLeft(s, " \t\r\n")
	if trimmed == "" {
		return s
	}
	switch trimmed[0] {
	case '=', '+', '-', '@':
		return "'" + s
	}
	return s
}

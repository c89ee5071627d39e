package backoffice

import (
	"fmt"
	"strings"
)

// Charts are drawn on the server as inline SVG: the page needs no script (the CSP
// forbids inline script) and prints as it shows. Templates get coordinates, never
// markup, so every label stays escaped by html/template.

// sparkline is a small trend line of up to 12 monthly points.
type sparkline struct {
	Width, Height int
	Points        string // the polyline's points attribute
	LastX, LastY  int
	Empty         bool
	Label         string // accessible description, such as "DSO from Jan 2026 to Dec 2026"
}

// newSparkline scales values into a width×height box; nil values are gaps
// (months without a snapshot) and are skipped. Fewer than two values make no
// line, so the sparkline is Empty. One point would draw only the end marker, a
// lone dot that reads as a stray mark.
func newSparkline(values []*float64, label string) sparkline {
	s := sparkline{Width: 160, Height: 40, Label: label}
	lo, hi, n := 0.0, 0.0, 0
	for _, v := range values {
		if v == nil {
			continue
		}
		if n == 0 || *v < lo {
			lo = *v
		}
		if n == 0 || *v > hi {
			hi = *v
		}
		n++
	}
	if n < 2 {
		s.Empty = true
		return s
	}
	if hi == lo {
		hi = lo + 1
	}
	var pts []string
	step := float64(s.Width-4) / float64(max(1, len(values)-1))
	for i, v := range values {
		if v == nil {
			continue
		}
		x := 2 + int(float64(i)*step)
		y := s.Height - 2 - int((*v-lo)/(hi-lo)*float64(s.Height-4))
		pts = append(pts, fmt.Sprintf("%d,%d", x, y))
		s.LastX, s.LastY = x, y
	}
	s.Points = strings.Join(pts, " ")
	return s
}

// barChart is a vertical bar chart, used for the aging buckets.
type barChart struct {
	Width, Height int
	Bars          []bar
	Label         string
}

type bar struct {
	X, Y, W, H int
	LabelX     int
	Label      string // bucket name under the bar
	Value      string // formatted amount over the bar
	ValueY     int
	Class      string
}

// newBarChart draws one bar per value with its label and formatted amount.
func newBarChart(labels, values []string, amounts []int64, label string) barChart {
	c := barChart{Width: 560, Height: 220, Label: label}
	var top int64
	for _, a := range amounts {
		top = max(top, a)
	}
	plotTop, plotBottom := 24, c.Height-28
	slot := c.Width / max(1, len(amounts))
	for i, a := range amounts {
		h := 0
		if top > 0 && a > 0 {
			h = max(1, int(a*int64(plotBottom-plotTop)/top))
		}
		b := bar{
			X: i*slot + slot/6, W: slot * 2 / 3, H: h, Y: plotBottom - h,
			LabelX: i*slot + slot/2, Label: labels[i], Value: values[i], Class: fmt.Sprintf("bucket-%d", i),
		}
		b.ValueY = b.Y - 6
		c.Bars = append(c.Bars, b)
	}
	return c
}

package backoffice

import (
	"strings"
	"testing"
)

func TestSparklineNeedsTwoPoints(t *testing.T) {
	first, second := 4.5, 6.0
	cases := []struct {
		name   string
		values []*float64
	}{
		{"no snapshot", []*float64{nil, nil}},
		{"one snapshot", []*float64{nil, nil, &first}},
	}
	for _, c := range cases {
		if s := newSparkline(c.values, "DSO"); !s.Empty {
			t.Errorf("%s: sparkline is not empty, points %q", c.name, s.Points)
		}
	}

	s := newSparkline([]*float64{&first, nil, &second}, "DSO")
	if s.Empty {
		t.Fatal("two snapshots: sparkline is empty")
	}
	if n := len(strings.Fields(s.Points)); n != 2 {
		t.Errorf("two snapshots: %d points, want 2", n)
	}
}

package scoring

import (
	"testing"
	"time"
)

func TestDailyNext(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	d := Daily{Hour: 2, Loc: ny}
	cases := []struct{ now, want time.Time }{
		{time.Date(2026, 3, 2, 1, 0, 0, 0, ny), time.Date(2026, 3, 2, 2, 0, 0, 0, ny)},
		{time.Date(2026, 3, 2, 2, 0, 0, 0, ny), time.Date(2026, 3, 3, 2, 0, 0, 0, ny)},
		{time.Date(2026, 3, 2, 23, 30, 0, 0, ny), time.Date(2026, 3, 3, 2, 0, 0, 0, ny)},
		{time.Date(2026, 3, 2, 6, 30, 0, 0, time.UTC), time.Date(2026, 3, 2, 2, 0, 0, 0, ny)}, // 01:30 in New York
	}
	for _, c := range cases {
		if got := d.Next(c.now); !got.Equal(c.want) {
			t.Errorf("Next(%s) = %s, want %s", c.now, got, c.want)
		}
	}
}

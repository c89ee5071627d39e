package outbox

import (
	"testing"
	"time"
)

func TestNewSMTPSender(t *testing.T) {
	cases := []struct {
		url string
		ok  bool
	}{
		{"smtp://127.0.0.1:1025", true},
		{"smtp://user:pass@mail.example.com:587", true},
		{"smtps://user:pass@mail.example.com", true},
		{"http://mail.example.com", false},
		{"smtp://", false},
		{"smtp://host:notaport", false},
	}
	for _, c := range cases {
		_, err := NewSMTPSender(c.url)
		if (err == nil) != c.ok {
			t.Errorf("NewSMTPSender(%q) error = %v, want ok=%v", c.url, err, c.ok)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	cases := map[int]time.Duration{1: 10 * time.Second, 2: 40 * time.Second, 5: 250 * time.Second, 20: 30 * time.Minute}
	for attempt, want := range cases {
		if got := retryDelay(attempt); got != want {
			t.Errorf("retryDelay(%d) = %s, want %s", attempt, got, want)
		}
	}
	var total time.Duration
	for a := 1; a < MaxAttempts; a++ {
		total += retryDelay(a)
	}
	if total < 6*time.Hour || total > 10*time.Hour {
		t.Errorf("retries span %s, want about eight hours", total)
	}
}

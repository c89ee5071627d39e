package billing

import (
	"context"
	"fmt"
	"time"
)

// RateLimit is a fixed-window limit: at most Max hits per Window for one bucket.
// A fixed window lets a client reach up to twice Max across a window boundary,
// which is acceptable for slowing down sign-in link requests.
type RateLimit struct {
	Max    int
	Window time.Duration
}

// Limits of the portal sign-in form, per e-mail address and per client IP.
var (
	LinkRequestsPerAddress = RateLimit{Max: 5, Window: 15 * time.Minute}
	LinkRequestsPerIP      = RateLimit{Max: 20, Window: 15 * time.Minute}
)

// AllowHit counts one hit for bucket and reports whether it is within limit. The
// counters live in PostgreSQL, so every server process shares them, and the upsert
// makes concurrent hits count exactly. Windows older than a day are deleted.
func AllowHit(ctx context.Context, db DB, bucket string, limit RateLimit, now time.Time) (bool, error) {
	start := now.Truncate(limit.Window)
	var hits int
	err := db.QueryRow(ctx, `
		INSERT INTO rate_limit_counters (bucket, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1
		RETURNING hits`, bucket, start).Scan(&hits)
	if err != nil {
		return false, fmt.Errorf("counting rate limit hit for %s: %w", bucket, err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM rate_limit_counters WHERE window_start < $1`, now.Add(-24*time.Hour)); err != nil {
		return false, fmt.Errorf("deleting old rate limit counters: %w", err)
	}
	return hits <= limit.Max, nil
}

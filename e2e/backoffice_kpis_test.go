//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The dashboard's figures come from the daily snapshot; they must equal what
// `ledgvero report kpis` computes for the same 90-day period.
func TestBackofficeDashboardMatchesReport(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	StaffSignIn(t, page, s, AdminEmail, AdminPassword)
	Must(t, Expect().Locator(ByTestID(page, "dashboard-title")).ToHaveText("Dashboard"))

	// The server takes a snapshot at start-up; on a slow start the page offers the button instead.
	if n, err := ByTestID(page, "take-snapshot").Count(); err == nil && n > 0 {
		Must(t, ByTestID(page, "take-snapshot").Click())
	}
	Goto(t, page, s.URL+"/backoffice/", http.StatusOK)
	Must(t, Expect().Locator(ByTestID(page, "kpi-dso")).ToBeVisible())

	day := latestSnapshotDate(t, s)
	from := day.AddDate(0, 0, -89).Format("2006-01-02")
	out := s.Run(t, "report", "kpis", "--from", from, "--to", day.Format("2006-01-02"), "--format", "json")
	var report struct {
		DSO             float64 `json:"dso"`
		BestPossibleDSO float64 `json:"best_possible_dso"`
		ADD             float64 `json:"add"`
		CEI             float64 `json:"cei"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("decoding report kpis output: %v\n%s", err, out)
	}

	want := map[string]string{
		"kpi-dso":      fmt.Sprintf("%.2f days", report.DSO),
		"kpi-best-dso": fmt.Sprintf("%.2f days", report.BestPossibleDSO),
		"kpi-add":      fmt.Sprintf("%.2f days", report.ADD),
		"kpi-cei":      fmt.Sprintf("%.2f%%", report.CEI),
	}
	for testID, value := range want {
		Must(t, Expect().Locator(ByTestID(page, testID).Locator("strong")).ToHaveText(value))
	}
}

// latestSnapshotDate reads the date of the newest KPI snapshot, the end of the
// period the dashboard shows.
func latestSnapshotDate(t *testing.T, s *Server) time.Time {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var day time.Time
	if err := conn.QueryRow(ctx, `SELECT max(snapshot_date) FROM kpi_snapshots`).Scan(&day); err != nil {
		t.Fatalf("reading the newest snapshot date: %v", err)
	}
	return day
}

package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/importer"
)

// BenchmarkImportIBM1M imports a generated ibm-ar file of 1,000,000 invoices of
// 20,000 customers into an empty database and reports the time per import and
// the process's peak resident memory (VmHWM), once with each load mode.
// BENCH_IMPORT_ROWS overrides the row count.
func BenchmarkImportIBM1M(b *testing.B) {
	rows := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_IMPORT_ROWS")); err == nil && v > 0 {
		rows = v
	}
	path := filepath.Join(b.TempDir(), "ar.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := importer.GenerateIBM(f, rows, 20_000, 1); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}

	// The online load, which keeps every index and foreign key up to date row
	// by row, is the baseline that the default (bulk mode for this file)
	// is compared with in the same run.
	for _, load := range []importer.Load{importer.LoadOnline, importer.LoadAuto} {
		b.Run("load="+string(load), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				pool, err := pgxpool.New(context.Background(), dbtest.URL(b))
				if err != nil {
					b.Fatal(err)
				}
				in, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()

				started := time.Now()
				rep, err := importer.Import(context.Background(), pool, in, "ibm-ar", importer.Options{FileName: "ar.csv", Load: load})
				if err != nil {
					b.Fatalf("import: %v (%d problems, first %v)", err, rep.ProblemCount, rep.Problems[:min(3, len(rep.Problems))])
				}
				b.ReportMetric(float64(rows)/time.Since(started).Seconds(), "rows/s")

				b.StopTimer()
				in.Close()
				pool.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(peakRSSKiB())/1024, "peak-RSS-MiB")
		})
	}
}

// peakRSSKiB reads the process's peak resident set size from /proc (Linux only).
func peakRSSKiB() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

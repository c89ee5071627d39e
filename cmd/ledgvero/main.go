// Command ledgvero runs Ledgvero: the debtor portal, the back office and the
// background jobs in one process, plus the administrative subcommands.
//
// Usage:
//
//	ledgvero serve                      serve the portal, back office and jobs
//	ledgvero migrate [status|down]      apply, list or roll back migrations
//	ledgvero seed                       load demo data and the first admin (safe to repeat)
//	ledgvero user add|passwd            manage staff accounts
//	ledgvero magic-link --email ADDR    print a portal sign-in link
//	ledgvero version                    print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// app carries what every subcommand needs.
type app struct {
	cfg    Config
	logger *slog.Logger
	pool   *pgxpool.Pool
	stdin  io.Reader
	stdout io.Writer
	now    func() time.Time
}

// today returns the current calendar date in the seller's time zone.
func (a *app) today() billing.Date { return billing.Today(a.now(), a.cfg.OrgTimezone) }

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "serve the portal, back office and background jobs", cmdServe},
		{"migrate", "apply migrations; `migrate status` lists them, `migrate down` rolls back one", cmdMigrate},
		{"seed", "load the demo data and the first admin account (safe to run twice)", cmdSeed},
		{"user", "manage staff accounts: `user add --email E --role R`, `user passwd --email E`", cmdUser},
		{"magic-link", "print a fresh portal sign-in link: `magic-link --email ADDRESS`", cmdMagicLink},
		{"reminders", "run the reminder cadence: `reminders run [--as-of YYYY-MM-DD] [--format table|json]`", cmdReminders},
		{"import", "load a CSV export: `import --preset ledgvero|xero|quickbooks|ibm-ar FILE [--dry-run]`", cmdImport},
		{"report", "print `report aging|kpis|statement` as a table, CSV or JSON; see `report aging -h`", cmdReport},
		{"snapshot", "store the dashboard's KPI snapshot: `snapshot [--date D] [--months N] [--segments]`", cmdSnapshot},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	if args[0] == "version" {
		fmt.Fprintln(stdout, "ledgvero", version)
		return 0
	}

	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "ledgvero: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}

	cfg, defaulted, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "ledgvero: invalid configuration:\n%v\n", err)
		return 2
	}
	logger := newLogger(cfg.LogFormat, stderr, cfg.LogLevel)
	logDefaults(ctx, logger, cmd.name == "serve", defaulted)

	pool, err := billing.OpenPool(ctx, cfg.DatabaseURL)
	if err != nil {
		logger.Error("cannot open database", "error", err)
		return 1
	}
	defer pool.Close()

	a := &app{cfg: cfg, logger: logger, pool: pool, stdin: stdin, stdout: stdout, now: time.Now}
	if err := cmd.run(ctx, a, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "ledgvero %s: %v\n", cmd.name, err)
			return 2
		}
		logger.Error(cmd.name+" failed", "error", err)
		return 1
	}
	return 0
}

// usageError reports a mistake in the command line; run exits with status 2 for it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: ledgvero COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-11s %s\n", "version", "print the version")
	fmt.Fprintln(w, "\nConfiguration comes from environment variables; see README.md.")
}

func newLogger(format string, w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ledgvero "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

// logDefaults reports the variables that fell back to development defaults. The
// server warns, with a line of its own for each secret; one-shot commands log at
// debug level so their output stays readable.
func logDefaults(ctx context.Context, logger *slog.Logger, serving bool, defaulted []string) {
	if len(defaulted) == 0 {
		return
	}
	level := slog.LevelDebug
	if serving {
		level = slog.LevelWarn
	}
	var others []string
	for _, name := range defaulted {
		if name == "SESSION_SECRET" || name == "STRIPE_WEBHOOK_SECRET" {
			logger.Log(ctx, level, "using a development secret: set it before going live", "variable", name)
			continue
		}
		others = append(others, name)
	}
	if len(others) > 0 {
		logger.Log(ctx, level, "using development defaults", "variables", strings.Join(others, ","))
	}
}

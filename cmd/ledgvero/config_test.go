package main

import (
	"strings"
	"testing"
)

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoadConfigMinimal(t *testing.T) {
	cfg, defaulted, err := loadConfig(envOf(map[string]string{
		"DATABASE_URL":  "postgres://u@127.0.0.1/db",
		"LEDGVERO_ADDR": "127.0.0.1:9000",
	}))
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if cfg.Addr != "127.0.0.1:9000" {
		t.Errorf("Addr = %q, want 127.0.0.1:9000", cfg.Addr)
	}
	if cfg.BaseURL != "http://localhost:9000" {
		t.Errorf("BaseURL = %q, want http://localhost:9000", cfg.BaseURL)
	}
	if !cfg.Sandbox() {
		t.Error("Sandbox() = false without STRIPE_SECRET_KEY")
	}
	for _, name := range []string{"SESSION_SECRET", "SMTP_URL", "STRIPE_WEBHOOK_SECRET", "LEDGVERO_BASE_URL"} {
		if !contains(defaulted, name) {
			t.Errorf("defaulted %v lacks %s", defaulted, name)
		}
	}
}

func TestLoadConfigProductionNeedsSecrets(t *testing.T) {
	_, _, err := loadConfig(envOf(map[string]string{
		"DATABASE_URL": "postgres://u@127.0.0.1/db",
		"LEDGVERO_ENV": "production",
	}))
	if err == nil {
		t.Fatal("loadConfig accepted production without secrets")
	}
	for _, name := range []string{"SESSION_SECRET", "STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY", "SMTP_URL", "LEDGVERO_BASE_URL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestLoadConfigInvalidValues(t *testing.T) {
	tests := []struct {
		name, value, wantInError string
	}{
		{"ORG_TIMEZONE", "Mars/Olympus", "ORG_TIMEZONE"},
		{"LOG_FORMAT", "xml", "LOG_FORMAT"},
		{"LOG_LEVEL", "loud", "LOG_LEVEL"},
		{"SESSION_IDLE_TIMEOUT", "soon", "SESSION_IDLE_TIMEOUT"},
		{"SESSION_SECRET", "short", "SESSION_SECRET"},
		{"SMTP_URL", "http://mail", "SMTP_URL"},
		{"LEDGVERO_BASE_URL", "ftp://x", "LEDGVERO_BASE_URL"},
		{"TRUSTED_PROXIES", "10.0.0.0/33", "TRUSTED_PROXIES"},
		{"LEDGVERO_ENV", "staging", "LEDGVERO_ENV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := loadConfig(envOf(map[string]string{
				"DATABASE_URL": "postgres://u@127.0.0.1/db",
				tt.name:        tt.value,
			}))
			if err == nil || !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("loadConfig with %s=%q: error %v, want one naming %s", tt.name, tt.value, err, tt.wantInError)
			}
		})
	}
}

func TestLoadConfigMissingDatabaseURL(t *testing.T) {
	_, _, err := loadConfig(envOf(map[string]string{}))
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("error %v, want one naming DATABASE_URL", err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

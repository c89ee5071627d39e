package main

import (
	"strings"
	"testing"
)

func TestRequireAdminTOTPSetting(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://localhost/x"}
	cases := map[string]bool{"": false, "false": false, "true": true, "1": true, "YES": true}
	for value, want := range cases {
		vars := map[string]string{"REQUIRE_ADMIN_TOTP": value}
		for k, v := range base {
			vars[k] = v
		}
		c, _, err := loadConfig(envOf(vars))
		if err != nil {
			t.Fatalf("REQUIRE_ADMIN_TOTP=%q: %v", value, err)
		}
		if c.RequireAdminTOTP != want {
			t.Errorf("REQUIRE_ADMIN_TOTP=%q: got %v, want %v", value, c.RequireAdminTOTP, want)
		}
	}
	_, _, err := loadConfig(envOf(map[string]string{"DATABASE_URL": "postgres://localhost/x", "REQUIRE_ADMIN_TOTP": "sometimes"}))
	if err == nil || !strings.Contains(err.Error(), "REQUIRE_ADMIN_TOTP") {
		t.Errorf("invalid value: got %v, want an error naming REQUIRE_ADMIN_TOTP", err)
	}
}

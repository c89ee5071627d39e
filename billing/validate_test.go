package billing_test

import (
	"errors"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

type signupForm struct {
	Email string `form:"email" validate:"required,email,max=254" label:"e-mail address"`
	Role  string `form:"role" validate:"required,oneof=admin collector viewer" label:"role"`
	Code  string `form:"code" validate:"omitempty,numeric,len=6" label:"authenticator code"`
}

func TestFormValidatorMessages(t *testing.T) {
	fv := billing.NewFormValidator()
	tests := []struct {
		name  string
		form  signupForm
		field string
		want  string
	}{
		{"missing email", signupForm{Role: "admin"}, "email", "Enter the e-mail address."},
		{"invalid email", signupForm{Email: "ap-at-example", Role: "admin"}, "email", "Enter a valid e-mail address, such as ap@yourcompany.com."},
		{"unknown role", signupForm{Email: "a@b.example", Role: "owner"}, "role", "Pick the role from the list: admin, collector, viewer."},
		{"short code", signupForm{Email: "a@b.example", Role: "admin", Code: "123"}, "code", "Enter the authenticator code with exactly 6 characters."},
		{"letters in code", signupForm{Email: "a@b.example", Role: "admin", Code: "12a456"}, "code", "Enter the authenticator code as digits only."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fv.Validate(tt.form)
			var fe billing.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v, want FieldErrors", err)
			}
			if got := fe[tt.field]; got != tt.want {
				t.Errorf("message for %s = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
}

func TestFormValidatorAcceptsValid(t *testing.T) {
	fv := billing.NewFormValidator()
	if err := fv.Validate(signupForm{Email: "ap@northwind.example", Role: "viewer", Code: "123456"}); err != nil {
		t.Errorf("Validate = %v, want nil", err)
	}
}

package billing

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// FormValidator checks input structs against their `validate` tags (validator
// v10) and turns failures into FieldErrors keyed by the `form` tag, with a
// message that names the fix. The optional `label` tag names the field in
// messages; without it the form name is used.
type FormValidator struct {
	v *validator.Validate
}

// NewFormValidator returns a validator whose field names are the `form` tags.
func NewFormValidator() *FormValidator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("form"), ",")
		if name == "" || name == "-" {
			return f.Name
		}
		return name
	})
	return &FormValidator{v: v}
}

// Validate returns nil when s passes its tags, FieldErrors when it does not, and
// another error only for a struct the validator cannot read (a programming error).
func (fv *FormValidator) Validate(s any) error {
	err := fv.v.Struct(s)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fmt.Errorf("validating %T: %w", s, err)
	}

	t := reflect.TypeOf(s)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := FieldErrors{}
	for _, fe := range verrs {
		label := fe.Field()
		if sf, ok := t.FieldByName(fe.StructField()); ok && sf.Tag.Get("label") != "" {
			label = sf.Tag.Get("label")
		}
		if _, seen := out[fe.Field()]; !seen {
			out[fe.Field()] = fieldMessage(fe, label)
		}
	}
	return out
}

// fieldMessage words one failed rule for the person who filled in the form.
func fieldMessage(fe validator.FieldError, label string) string {
	switch fe.Tag() {
	case "required":
		return fmt.Sprintf("Enter the %s.", label)
	case "email":
		return "Enter a valid e-mail address, such as ap@yourcompany.com."
	case "max":
		return fmt.Sprintf("Shorten the %s to at most %s characters.", label, fe.Param())
	case "min":
		return fmt.Sprintf("Make the %s at least %s characters long.", label, fe.Param())
	case "oneof":
		return fmt.Sprintf("Pick the %s from the list: %s.", label, strings.ReplaceAll(fe.Param(), " ", ", "))
	case "numeric", "number":
		return fmt.Sprintf("Enter the %s as digits only.", label)
	case "len":
		return fmt.Sprintf("Enter the %s with exactly %s characters.", label, fe.Param())
	}
	return fmt.Sprintf("Check the %s: it is not valid.", label)
}

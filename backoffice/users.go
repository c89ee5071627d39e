package backoffice

import (
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/websession"
)

// usersPage lists staff accounts for admins to invite, deactivate and reset.
type usersPage struct {
	page
	Users []billing.StaffListItem
	Roles []string
	// NewPassword is shown once after an invite or reset; it is not stored.
	NewPassword string
	NewFor      string
}

func (h *Handler) users(c echo.Context) error {
	list, err := h.listStaff(c)
	if err != nil {
		return err
	}
	p := usersPage{page: h.page(c, "Users"), Users: list,
		Roles: []string{billing.RoleAdmin, billing.RoleCollector, billing.RoleViewer}}
	return c.Render(http.StatusOK, "backoffice/users", p)
}

// renderUsersWithPassword shows the users page with a one-time password. It renders
// instead of redirecting so the password never passes through the session store.
func (h *Handler) renderUsersWithPassword(c echo.Context, email, password, msg string) error {
	list, err := h.listStaff(c)
	if err != nil {
		return err
	}
	p := usersPage{page: h.page(c, "Users"), Users: list, NewPassword: password, NewFor: email,
		Roles: []string{billing.RoleAdmin, billing.RoleCollector, billing.RoleViewer}}
	p.Flash = msg
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Render(http.StatusOK, "backoffice/users", p)
}

func (h *Handler) inviteUser(c echo.Context) error {
	ctx := c.Request().Context()
	var u billing.StaffUser
	var password string
	err := h.inTx(c, func(tx pgx.Tx) error {
		var err error
		u, password, err = billing.InviteStaff(ctx, tx, c.FormValue("email"), c.FormValue("role"))
		if err != nil {
			return err
		}
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: staff(c), Action: "user.invited",
			Summary: fmt.Sprintf("Invited %s as %s", u.Email, u.Role), Details: map[string]any{"staff_id": u.ID, "role": u.Role}})
	})
	if err != nil {
		if fe, ok := err.(billing.FieldErrors); ok {
			return h.flashErrors(c, "/backoffice/settings/users", fe)
		}
		return h.redirectWith(c, "/backoffice/settings/users", "!Not invited: "+userMessage(err))
	}
	return h.renderUsersWithPassword(c, u.Email, password, "Account created for "+u.Email+". Hand over the temporary password below; it is shown once.")
}

// userMessage turns the validation errors of staff accounts into a safe message.
func userMessage(err error) string {
	switch {
	case err == nil:
		return ""
	case isConflict(err):
		return "an account with that e-mail address exists already."
	}
	// CreateStaff's validation messages name the field and the fix and contain no secrets.
	return err.Error()
}

func (h *Handler) resetUserPassword(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var u billing.StaffUser
	var password string
	err = h.inTx(c, func(tx pgx.Tx) error {
		var err error
		if u, password, err = billing.ResetStaffPassword(ctx, tx, id); err != nil {
			return err
		}
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: staff(c), Action: "user.password_reset",
			Summary: "Reset the password of " + u.Email, Details: map[string]any{"staff_id": u.ID}})
	})
	if err != nil {
		return err
	}
	if err := websession.EndStaffSessions(ctx, h.Pool, id); err != nil {
		return err
	}
	return h.renderUsersWithPassword(c, u.Email, password, "Password reset for "+u.Email+"; their sessions have ended.")
}

func (h *Handler) setUserActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		me := staff(c)
		if !active && id == me.ID {
			return h.redirectWith(c, "/backoffice/settings/users", "!You cannot deactivate your own account.")
		}
		var u billing.StaffUser
		err = h.inTx(c, func(tx pgx.Tx) error {
			var err error
			if u, err = billing.SetStaffActive(ctx, tx, id, active); err != nil {
				return err
			}
			action, verb := "user.reactivated", "Reactivated "
			if !active {
				action, verb = "user.deactivated", "Deactivated "
			}
			return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: me, Action: action,
				Summary: verb + u.Email, Details: map[string]any{"staff_id": u.ID}})
		})
		if err != nil {
			return err
		}
		if !active {
			// Deactivation takes effect at once: every open session of the account ends.
			if err := websession.EndStaffSessions(ctx, h.Pool, id); err != nil {
				return err
			}
			h.Logger.Info("staff deactivated", "staff_id", id)
			return h.redirectWith(c, "/backoffice/settings/users", u.Email+" is deactivated and signed out everywhere.")
		}
		return h.redirectWith(c, "/backoffice/settings/users", u.Email+" is active again.")
	}
}

func (h *Handler) setUserRole(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	if !billing.ValidRole(role) {
		return badRequest("role: use admin, collector or viewer")
	}
	if id == staff(c).ID && role != billing.RoleAdmin {
		return h.redirectWith(c, "/backoffice/settings/users", "!You cannot remove your own admin role; ask another admin.")
	}
	err = h.inTx(c, func(tx pgx.Tx) error {
		u, err := billing.SetStaffRole(ctx, tx, id, role)
		if err != nil {
			return err
		}
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: staff(c), Action: "user.role_changed",
			Summary: fmt.Sprintf("Changed the role of %s to %s", u.Email, role), Details: map[string]any{"staff_id": u.ID, "role": role}})
	})
	if err != nil {
		return err
	}
	return h.redirectWith(c, "/backoffice/settings/users", "Role changed.")
}

// listStaff returns the staff accounts with lockout times in the seller's zone.
func (h *Handler) listStaff(c echo.Context) ([]billing.StaffListItem, error) {
	list, err := billing.ListStaff(c.Request().Context(), h.Pool)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].LockedUntil != nil {
			local := list[i].LockedUntil.In(h.Timezone)
			list[i].LockedUntil = &local
		}
	}
	return list, nil
}

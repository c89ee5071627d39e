package billing

// Action is something a staff member may do in the back office. Reading is not an
// action: every active staff member reads everything.
type Action string

// Staff actions, checked by Allowed.
const (
	ActLogActivity     Action = "log_activity"     // log calls, notes and promises; create and close tasks
	ActSendLoginLink   Action = "send_login_link"  // e-mail a portal sign-in link to a contact
	ActApprovePlan     Action = "approve_plan"     // approve, change or reject installment plans
	ActResolveDispute  Action = "resolve_dispute"  // reply to, credit or reject disputes
	ActEditCustomer    Action = "edit_customer"    // terms, credit limit, late-fee policy and waivers, hold, owner, segment override, contacts
	ActWriteOff        Action = "write_off"        // write off an open balance
	ActRefund          Action = "refund"           // refund a payment or customer credit
	ActManageSettings  Action = "manage_settings"  // organization, policies and terms templates
	ActManageUsers     Action = "manage_users"     // invite, deactivate and reset staff accounts
	ActImport          Action = "import"           // upload invoice and customer files
	ActViewAudit       Action = "view_audit"       // read the staff audit log
	ActRecomputeScores Action = "recompute_scores" // recompute risk scores and segments now
)

// permissions is the whole access policy in one table: role → allowed actions.
// Collectors resolve disputes and approve plans only up to the amount in
// collection settings; AllowedAmount applies that limit.
var permissions = map[string]map[Action]bool{
	RoleAdmin: {
		ActLogActivity: true, ActSendLoginLink: true, ActApprovePlan: true, ActResolveDispute: true,
		ActEditCustomer: true, ActWriteOff: true, ActRefund: true, ActManageSettings: true,
		ActManageUsers: true, ActImport: true, ActViewAudit: true, ActRecomputeScores: true,
	},
	RoleCollector: {
		ActLogActivity: true, ActSendLoginLink: true, ActApprovePlan: true, ActResolveDispute: true,
		ActEditCustomer: true, ActRecomputeScores: true,
	},
	RoleViewer: {},
}

// Allowed reports whether a staff member with role may perform action. Unknown
// roles and unknown actions are rejected.
func Allowed(role string, action Action) bool {
	return permissions[role][action]
}

// amountLimited lists the actions whose amount a collector's limit caps.
var amountLimited = map[Action]bool{ActApprovePlan: true, ActResolveDispute: true}

// AllowedAmount reports whether role may perform action on an amount of amountMinor
// minor units, given the collector limit from collection settings. Admins have no
// limit; collectors are capped at collectorLimitMinor for plans and disputes.
func AllowedAmount(role string, action Action, amountMinor, collectorLimitMinor int64) bool {
	if !Allowed(role, action) {
		return false
	}
	if role == RoleCollector && amountLimited[action] {
		return amountMinor <= collectorLimitMinor
	}
	return true
}

package breachdesk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Role is what a staff member may do in the console: each route needs a
// permission, and Can tells which roles hold it.
type Role string

// Roles of staff members.
const (
	// RoleAdmin may do everything, managing the staff accounts included.
	RoleAdmin Role = "admin"
	// RoleDPO owns the response: facts, assessment and its overrides,
	// obligations, reports, campaigns, the agents' talking points.
	RoleDPO Role = "dpo"
	// RoleResponder works the incident: facts, timeline, campaigns,
	// inquiries.
	RoleResponder Role = "responder"
	// RoleAgent is customer service: the look-up of a person and the
	// inquiry queue, with personal data masked.
	RoleAgent Role = "agent"
	// RoleAuditor reads everything, the audit log included, and changes
	// nothing.
	RoleAuditor Role = "auditor"
)

// Roles returns every role, the most powerful first.
func Roles() []Role {
	return []Role{RoleAdmin, RoleDPO, RoleResponder, RoleAgent, RoleAuditor}
}

// Validate checks that r is one of Roles.
func (r Role) Validate() error {
	for _, known := range Roles() {
		if r == known {
			return nil
		}
	}
	return FieldErrorf("role", "the role %q is not one of admin, dpo, responder, agent, auditor", string(r))
}

// Permission names one thing done in the console. Every console route
// carries one, and the role of the signed-in user must hold it.
type Permission string

// Permissions of the console. A ":view" permission reads, the others
// change something.
const (
	PermDashboardView     Permission = "dashboard:view"
	PermIncidentsView     Permission = "incidents:view"
	PermIncidentsManage   Permission = "incidents:manage"
	PermAssessmentsManage Permission = "assessments:manage"
	PermObligationsManage Permission = "obligations:manage"
	PermReportsView       Permission = "reports:view"
	PermCampaignsView     Permission = "campaigns:view"
	PermCampaignsManage   Permission = "campaigns:manage"
	PermPeopleLookup      Permission = "people:lookup"
	PermPeopleImport      Permission = "people:import"
	PermInquiriesView     Permission = "inquiries:view"
	PermInquiriesManage   Permission = "inquiries:manage"
	PermTalkingPointsEdit Permission = "talking_points:edit"
	PermAuditView         Permission = "audit:view"
	PermStaffManage       Permission = "staff:manage"
	PermOwnAccountManage  Permission = "account:manage"
)

// Permissions returns every permission of the console.
func Permissions() []Permission {
	return []Permission{
		PermDashboardView, PermIncidentsView, PermIncidentsManage, PermAssessmentsManage, PermObligationsManage,
		PermReportsView, PermCampaignsView, PermCampaignsManage, PermPeopleLookup, PermPeopleImport, PermInquiriesView,
		PermInquiriesManage, PermTalkingPointsEdit, PermAuditView, PermStaffManage, PermOwnAccountManage,
	}
}

// Can reports whether role r holds permission p. This is the permission
// catalogue: one place, checked on every console route.
func (r Role) Can(p Permission) bool {
	if !slices.Contains(Permissions(), p) {
		return false
	}
	switch r {
	case RoleAdmin:
		return true
	case RoleDPO:
		return p != PermStaffManage
	case RoleResponder:
		switch p {
		case PermDashboardView, PermIncidentsView, PermIncidentsManage, PermReportsView, PermCampaignsView,
			PermCampaignsManage, PermPeopleLookup, PermPeopleImport, PermInquiriesView, PermInquiriesManage, PermOwnAccountManage:
			return true
		}
	case RoleAgent:
		switch p {
		case PermDashboardView, PermPeopleLookup, PermInquiriesView, PermInquiriesManage, PermOwnAccountManage:
			return true
		}
	case RoleAuditor:
		return strings.HasSuffix(string(p), ":view") || p == PermOwnAccountManage
	}
	return false
}

// Sign-in protections.
const (
	// MaxFailedSignIns is how many wrong passwords in a row lock an
	// account, for SignInLockout.
	MaxFailedSignIns = 5
	// SignInLockout is how long a locked account refuses every password.
	SignInLockout = 15 * time.Minute
	// SessionIdleTimeout ends a session nobody used for this long, and
	// SessionMaxAge any session, used or not.
	SessionIdleTimeout = 12 * time.Hour
	SessionMaxAge      = 7 * 24 * time.Hour
	// MinPasswordLength is the shortest password accepted (NIST SP
	// 800-63B asks for at least 8; a breach team's console deserves more).
	MinPasswordLength = 12
)

// Audit actions on staff accounts.
const (
	AuditStaffUserCreate  = "staff_user.create"
	AuditStaffPasswordSet = "staff_user.password_set"
	AuditStaffSignInFail  = "staff_user.sign_in_fail"
	// AuditStaffLock is the failed sign-in that locked the account.
	AuditStaffLock    = "staff_user.lock"
	AuditStaffSignIn  = "staff_user.sign_in"
	AuditStaffSignOut = "staff_user.sign_out"
)

// SessionTouchInterval is how stale a session's LastSeenAt may be before
// a request writes it again: a page view is not a write each time.
const SessionTouchInterval = time.Minute

// NormalizeLogin returns login as stored: trimmed, in lower case.
func NormalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// StaffUser is a member of staff who signs in to the console.
type StaffUser struct {
	ID int64 `json:"id"`
	// Login is the e-mail address the user signs in with, in lower case.
	Login string `json:"login"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
	// Language is the console's language for the user: en or fr.
	Language string `json:"language"`

	CreatedAt time.Time `json:"created_at"`
	// DisabledAt is set when the account may no longer sign in.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	// FailedSignIns counts the wrong passwords since the last sign-in;
	// LockedUntil is set when they reached MaxFailedSignIns.
	FailedSignIns int        `json:"failed_sign_ins"`
	LockedUntil   *time.Time `json:"locked_until,omitempty"`
	LastSignInAt  *time.Time `json:"last_sign_in_at,omitempty"`
}

// ConsoleLanguages returns the languages of the console, English first.
func ConsoleLanguages() []string { return []string{"en", "fr"} }

// Normalize lower-cases the login and trims the name, and gives the
// default language.
func (u *StaffUser) Normalize() {
	u.Login = NormalizeLogin(u.Login)
	u.Name = strings.TrimSpace(u.Name)
	if u.Language == "" {
		u.Language = "en"
	}
}

// Validate checks a staff user before it is stored.
func (u *StaffUser) Validate() error {
	if a, err := mail.ParseAddress(u.Login); err != nil || a.Address != u.Login || len(u.Login) > 254 {
		return FieldErrorf("login", "the login is the user's e-mail address, such as dana@example.com")
	}
	if u.Name == "" || len(u.Name) > 200 {
		return FieldErrorf("name", "the name is 1 to 200 characters")
	}
	if err := u.Role.Validate(); err != nil {
		return err
	}
	for _, l := range ConsoleLanguages() {
		if u.Language == l {
			return nil
		}
	}
	return FieldErrorf("language", "the console's language is en or fr")
}

// Locked reports whether the account refuses sign-ins at now.
func (u *StaffUser) Locked(now time.Time) bool {
	return u.LockedUntil != nil && now.Before(*u.LockedUntil)
}

// ValidatePassword checks a new password: long enough, not the login.
func ValidatePassword(password, login string) error {
	if len([]rune(password)) < MinPasswordLength {
		return FieldErrorf("password", "a password has at least %d characters", MinPasswordLength)
	}
	if len(password) > 1024 {
		return FieldErrorf("password", "a password has at most 1024 bytes")
	}
	if strings.EqualFold(password, login) {
		return FieldErrorf("password", "the password may not be the login")
	}
	return nil
}

// StaffSession is a signed-in user's session. The browser holds its
// secret in a cookie; only the secret's hash is stored.
type StaffSession struct {
	// ID is the hash of the secret, from HashSessionSecret.
	ID         string     `json:"-"`
	User       *StaffUser `json:"user"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
}

// Expired reports whether the session has ended at now, idle or too old.
func (s *StaffSession) Expired(now time.Time) bool {
	return !now.Before(s.LastSeenAt.Add(SessionIdleTimeout)) || !now.Before(s.CreatedAt.Add(SessionMaxAge))
}

// NewSessionSecret returns a new random session secret and its hash.
func NewSessionSecret() (secret, hash string) {
	secret = rand.Text() + rand.Text()
	return secret, HashSessionSecret(secret)
}

// HashSessionSecret returns the ID stored for a session secret. Secrets
// carry 256 bits of randomness, so a fast hash is enough.
func HashSessionSecret(secret string) string {
	sum := sha256.Sum256([]byte("breachdesk session\x00" + secret))
	return hex.EncodeToString(sum[:])
}

// StaffService stores staff accounts and their sessions. Password hashes
// are made and checked by the caller, outside any transaction: they are
// slow on purpose.
type StaffService interface {
	// CreateStaffUser creates u with a password hash. Returns conflict if
	// the login is taken, invalid for a bad user.
	CreateStaffUser(ctx context.Context, u *StaffUser, passwordHash string) error

	// FindStaffUsers returns every account, disabled ones included, by
	// login.
	FindStaffUsers(ctx context.Context) ([]*StaffUser, error)

	// FindStaffCredentials returns the account with login and its password
	// hash. Returns not_found if there is none.
	FindStaffCredentials(ctx context.Context, login string) (*StaffUser, string, error)

	// SetStaffPassword replaces the password hash of the account with login,
	// unlocks it and ends its sessions. Returns not_found if there is none.
	SetStaffPassword(ctx context.Context, login, passwordHash string) error

	// RecordFailedSignIn counts a wrong password for the account, locking
	// it for SignInLockout when the count reaches MaxFailedSignIns (a
	// wrong password while locked is counted without pushing the lock
	// back), and returns the account as it now is. Returns not_found for
	// an unknown user ID.
	RecordFailedSignIn(ctx context.Context, userID int64) (*StaffUser, error)

	// CreateStaffSession opens a session whose secret hashes to id for the
	// account, after a right password: it resets the count of failures and
	// records the sign-in. Returns forbidden if the account is disabled or
	// locked, not_found for an unknown user ID, conflict if id is taken.
	CreateStaffSession(ctx context.Context, userID int64, id string) (*StaffSession, error)

	// FindStaffSession returns the session with id and its user, and marks
	// it used when its LastSeenAt is older than SessionTouchInterval: the
	// only write, which needs no actor in ctx (it is not audited). Returns
	// unauthorized if there is none, it has expired, or its user is
	// disabled.
	FindStaffSession(ctx context.Context, id string) (*StaffSession, error)

	// DeleteStaffSession ends the session with id; ending one that is
	// already gone is not an error.
	DeleteStaffSession(ctx context.Context, id string) error
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.StaffService = (*StaffService)(nil)

// StaffService keeps staff accounts and their sessions in PostgreSQL.
type StaffService struct {
	db *DB
}

// NewStaffService returns a service backed by db.
func NewStaffService(db *DB) *StaffService {
	return &StaffService{db: db}
}

// CreateStaffUser creates u with a password hash. The account starts
// enabled, with no failed or past sign-in.
func (s *StaffService) CreateStaffUser(ctx context.Context, u *breachdesk.StaffUser, passwordHash string) error {
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	if passwordHash == "" {
		return breachdesk.FieldErrorf("password", "an account needs a password")
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	u.CreatedAt, u.DisabledAt, u.FailedSignIns, u.LockedUntil, u.LastSignInAt = tx.now, nil, 0, nil, nil
	err = tx.QueryRow(ctx, `
		INSERT INTO staff_users (login, name, role, language, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		u.Login, u.Name, string(u.Role), u.Language, passwordHash, u.CreatedAt).Scan(&u.ID)
	if breachdesk.ErrorCode(FormatError(err)) == breachdesk.EConflict {
		return breachdesk.Errorf(breachdesk.EConflict, "The login %q is taken by another account.", u.Login)
	} else if err != nil {
		return fmt.Errorf("create staff user: %w", err)
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditStaffUserCreate, "staff_user", u.ID, nil, u); err != nil {
		return fmt.Errorf("create staff user: %w", err)
	}
	return tx.Commit(ctx)
}

// FindStaffUsers returns every account by login.
func (s *StaffService) FindStaffUsers(ctx context.Context) ([]*breachdesk.StaffUser, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	users, err := findStaffUsers(ctx, tx, "ORDER BY u.login")
	if err != nil {
		return nil, fmt.Errorf("find staff users: %w", err)
	}
	return users, nil
}

// FindStaffCredentials returns the account with login and its password
// hash.
func (s *StaffService) FindStaffCredentials(ctx context.Context, login string) (*breachdesk.StaffUser, string, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback(ctx)
	login = breachdesk.NormalizeLogin(login)
	var hash string
	u, err := scanStaffUser(tx.QueryRow(ctx, `SELECT `+staffUserColumns+`, u.password_hash FROM staff_users u WHERE u.login = $1`, login), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", breachdesk.Errorf(breachdesk.ENotFound, "No account has the login %q.", login)
	} else if err != nil {
		return nil, "", fmt.Errorf("find staff credentials: %w", FormatError(err))
	}
	return u, hash, nil
}

// SetStaffPassword replaces the password hash of the account with login,
// unlocks it and ends its sessions.
func (s *StaffService) SetStaffPassword(ctx context.Context, login, passwordHash string) error {
	if passwordHash == "" {
		return breachdesk.FieldErrorf("password", "an account needs a password")
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	login = breachdesk.NormalizeLogin(login)
	users, err := findStaffUsers(ctx, tx, "WHERE u.login = $1 FOR NO KEY UPDATE", login)
	if err != nil {
		return fmt.Errorf("set staff password: %w", err)
	} else if len(users) == 0 {
		return breachdesk.Errorf(breachdesk.ENotFound, "No account has the login %q.", login)
	}
	u := users[0]
	before := *u
	u.FailedSignIns, u.LockedUntil = 0, nil
	if _, err := tx.Exec(ctx, `UPDATE staff_users SET password_hash = $1, failed_sign_ins = 0, locked_until = NULL WHERE id = $2`,
		passwordHash, u.ID); err != nil {
		return fmt.Errorf("set staff password: %w", FormatError(err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE user_id = $1`, u.ID); err != nil {
		return fmt.Errorf("set staff password: %w", FormatError(err))
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditStaffPasswordSet, "staff_user", u.ID, &before, u); err != nil {
		return fmt.Errorf("set staff password: %w", err)
	}
	return tx.Commit(ctx)
}

// RecordFailedSignIn counts a wrong password for the account, locking it
// once the count reaches MaxFailedSignIns, and returns the account.
func (s *StaffService) RecordFailedSignIn(ctx context.Context, userID int64) (*breachdesk.StaffUser, error) {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	// The row lock makes concurrent failures take turns, so that each
	// audit entry's before is the account as it was.
	before, err := findStaffUserByID(ctx, tx, userID, "FOR NO KEY UPDATE")
	if err != nil {
		return nil, fmt.Errorf("record failed sign-in: %w", err)
	}
	// The count goes up in SQL, not from the value read, so that no
	// failure is lost whoever else counts one. A lock in force is kept as
	// it is, so that it lasts SignInLockout; the count is only reset by a
	// sign-in, so a wrong password after a lockout locks the account again
	// at once.
	if _, err := tx.Exec(ctx, `
		UPDATE staff_users SET failed_sign_ins = failed_sign_ins + 1,
			locked_until = CASE WHEN locked_until > $1 THEN locked_until WHEN failed_sign_ins + 1 >= $2 THEN $3 ELSE locked_until END
		WHERE id = $4`,
		tx.now, breachdesk.MaxFailedSignIns, tx.now.Add(breachdesk.SignInLockout), userID); err != nil {
		return nil, fmt.Errorf("record failed sign-in: %w", FormatError(err))
	}
	u, err := findStaffUserByID(ctx, tx, userID)
	if err != nil {
		return nil, fmt.Errorf("record failed sign-in: %w", err)
	}
	action := breachdesk.AuditStaffSignInFail
	if u.Locked(tx.now) && !before.Locked(tx.now) {
		action = breachdesk.AuditStaffLock
	}
	if err := appendAudit(ctx, tx, action, "staff_user", u.ID, before, u); err != nil {
		return nil, fmt.Errorf("record failed sign-in: %w", err)
	}
	return u, tx.Commit(ctx)
}

// CreateStaffSession opens a session whose secret hashes to id, resets the
// account's count of failures and records the sign-in.
func (s *StaffService) CreateStaffSession(ctx context.Context, userID int64, id string) (*breachdesk.StaffSession, error) {
	if id == "" {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "A session needs an ID.")
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	// The row lock orders the sign-in after any failure being counted, so
	// that a lock set meanwhile is seen.
	u, err := findStaffUserByID(ctx, tx, userID, "FOR NO KEY UPDATE")
	if err != nil {
		return nil, fmt.Errorf("create staff session: %w", err)
	}
	if err := checkCanSignIn(u, tx.now); err != nil {
		return nil, err
	}
	before := *u
	signedIn := tx.now
	u.FailedSignIns, u.LockedUntil, u.LastSignInAt = 0, nil, &signedIn
	if _, err := tx.Exec(ctx, `UPDATE staff_users SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = $1 WHERE id = $2`,
		signedIn, u.ID); err != nil {
		return nil, fmt.Errorf("create staff session: %w", FormatError(err))
	}
	sess := &breachdesk.StaffSession{ID: id, User: u, CreatedAt: tx.now, LastSeenAt: tx.now}
	if _, err := tx.Exec(ctx, `INSERT INTO staff_sessions (id, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)`,
		sess.ID, u.ID, sess.CreatedAt, sess.LastSeenAt); err != nil {
		return nil, fmt.Errorf("create staff session: %w", FormatError(err))
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditStaffSignIn, "staff_user", u.ID, &before, u); err != nil {
		return nil, fmt.Errorf("create staff session: %w", err)
	}
	return sess, tx.Commit(ctx)
}

// FindStaffSession returns the session with id and its user, and marks it
// used when it was last marked over a minute ago. The look-up is a read,
// which needs no actor: it is what tells who the actor is. Marking it used
// is a second, small write transaction on behalf of the session's user,
// only when due, so that most page views write nothing.
func (s *StaffService) FindStaffSession(ctx context.Context, id string) (*breachdesk.StaffSession, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	sess, err := findStaffSession(ctx, tx, id)
	if breachdesk.ErrorCode(err) == breachdesk.ENotFound {
		return nil, errSessionEnded()
	} else if err != nil {
		return nil, fmt.Errorf("find staff session: %w", err)
	}
	if sess.Expired(tx.now) || sess.User.DisabledAt != nil {
		return nil, errSessionEnded()
	}
	if tx.now.Sub(sess.LastSeenAt) <= breachdesk.SessionTouchInterval {
		return sess, nil
	}
	tx.Rollback(ctx)
	if sess.LastSeenAt, err = s.touchStaffSession(ctx, sess); err != nil {
		return nil, err
	}
	return sess, nil
}

// touchStaffSession marks sess used now and returns the time stored. The
// write is made by the actor in ctx, or else by the session's user.
func (s *StaffService) touchStaffSession(ctx context.Context, sess *breachdesk.StaffSession) (time.Time, error) {
	if _, err := breachdesk.ActorFromContext(ctx); err != nil {
		ctx = breachdesk.NewContextWithActor(ctx, breachdesk.Actor{Kind: breachdesk.ActorUser, Name: sess.User.Login})
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return time.Time{}, err
	}
	defer tx.Rollback(ctx)
	var seen time.Time
	err = tx.QueryRow(ctx, `UPDATE staff_sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE id = $2 RETURNING last_seen_at`,
		tx.now, sess.ID).Scan(&seen)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, errSessionEnded() // signed out meanwhile
	} else if err != nil {
		return time.Time{}, fmt.Errorf("touch staff session: %w", FormatError(err))
	}
	return seen.UTC(), tx.Commit(ctx)
}

// DeleteStaffSession ends the session with id, if it is still there.
func (s *StaffService) DeleteStaffSession(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// The row lock makes a second, concurrent sign-out wait and then find
	// nothing, so that one sign-out is recorded once.
	sess, err := findStaffSession(ctx, tx, id, "FOR UPDATE OF s")
	if breachdesk.ErrorCode(err) == breachdesk.ENotFound {
		return nil
	} else if err != nil {
		return fmt.Errorf("delete staff session: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete staff session: %w", FormatError(err))
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditStaffSignOut, "staff_user", sess.User.ID, sess, nil); err != nil {
		return fmt.Errorf("delete staff session: %w", err)
	}
	return tx.Commit(ctx)
}

// checkCanSignIn returns forbidden when u may not sign in at now.
func checkCanSignIn(u *breachdesk.StaffUser, now time.Time) error {
	if u.DisabledAt != nil {
		return breachdesk.Errorf(breachdesk.EForbidden, "The account %s is disabled.", u.Login)
	}
	if u.Locked(now) {
		return breachdesk.Errorf(breachdesk.EForbidden, "The account %s is locked after too many wrong passwords, until %s.",
			u.Login, u.LockedUntil.Format("2006-01-02 15:04 UTC"))
	}
	return nil
}

// errSessionEnded is the one answer for every session that cannot be
// used, so that the answer does not tell why.
func errSessionEnded() error {
	return breachdesk.Errorf(breachdesk.EUnauthorized, "The session has ended: sign in again.")
}

// staffUserColumns are the columns of a StaffUser, from staff_users as u.
const staffUserColumns = `u.id, u.login, u.name, u.role, u.language, u.created_at, u.disabled_at,
	u.failed_sign_ins, u.locked_until, u.last_sign_in_at`

// scanStaffUser scans staffUserColumns, then the columns after them into
// more.
func scanStaffUser(row pgx.Row, more ...any) (*breachdesk.StaffUser, error) {
	var u breachdesk.StaffUser
	dest := []any{&u.ID, &u.Login, &u.Name, &u.Role, &u.Language, &u.CreatedAt, &u.DisabledAt,
		&u.FailedSignIns, &u.LockedUntil, &u.LastSignInAt}
	if err := row.Scan(append(dest, more...)...); err != nil {
		return nil, err
	}
	u.CreatedAt, u.DisabledAt, u.LockedUntil, u.LastSignInAt = u.CreatedAt.UTC(), utc(u.DisabledAt), utc(u.LockedUntil), utc(u.LastSignInAt)
	return &u, nil
}

// findStaffUserByID takes an optional locking clause such as "FOR UPDATE".
func findStaffUserByID(ctx context.Context, tx *Tx, id int64, lock ...string) (*breachdesk.StaffUser, error) {
	users, err := findStaffUsers(ctx, tx, "WHERE u.id = $1 "+strings.Join(lock, " "), id)
	if err != nil {
		return nil, err
	} else if len(users) == 0 {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "Staff account %d does not exist.", id)
	}
	return users[0], nil
}

func findStaffUsers(ctx context.Context, tx *Tx, tail string, args ...any) ([]*breachdesk.StaffUser, error) {
	rows, err := tx.Query(ctx, `SELECT `+staffUserColumns+` FROM staff_users u `+tail, args...)
	if err != nil {
		return nil, FormatError(err)
	}
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.StaffUser, error) {
		return scanStaffUser(row)
	})
	return users, FormatError(err)
}

// findStaffSession returns the session with id and its user, or not_found.
// It takes an optional locking clause such as "FOR UPDATE OF s".
func findStaffSession(ctx context.Context, tx *Tx, id string, lock ...string) (*breachdesk.StaffSession, error) {
	sess := &breachdesk.StaffSession{ID: id}
	u, err := scanStaffUser(tx.QueryRow(ctx, `
		SELECT `+staffUserColumns+`, s.created_at, s.last_seen_at
		FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id WHERE s.id = $1 `+strings.Join(lock, " "), id),
		&sess.CreatedAt, &sess.LastSeenAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "The session does not exist.")
	} else if err != nil {
		return nil, FormatError(err)
	}
	sess.User, sess.CreatedAt, sess.LastSeenAt = u, sess.CreatedAt.UTC(), sess.LastSeenAt.UTC()
	return sess, nil
}

package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

// testStaff covers the staff accounts of the console and their sessions.
func testStaff(t *testing.T, open OpenFunc) {
	t.Run("CreateStaffUser", func(t *testing.T) { t.Parallel(); testCreateStaffUser(t, open) })
	t.Run("FindStaffUsers", func(t *testing.T) { t.Parallel(); testFindStaffUsers(t, open) })
	t.Run("FindStaffCredentials", func(t *testing.T) { t.Parallel(); testFindStaffCredentials(t, open) })
	t.Run("SignInLockout", func(t *testing.T) { t.Parallel(); testSignInLockout(t, open) })
	t.Run("StaffSessions", func(t *testing.T) { t.Parallel(); testStaffSessions(t, open) })
	t.Run("SetStaffPassword", func(t *testing.T) { t.Parallel(); testSetStaffPassword(t, open) })
	t.Run("StaffAudit", func(t *testing.T) { t.Parallel(); testStaffAudit(t, open) })
}

// passwordHash returns a password hash, in the form the console stores,
// unique to label.
func passwordHash(label string) string {
	return "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$" + label
}

// mustCreateStaffUser creates an account with the login and role, whose
// password hash is passwordHash(login).
func mustCreateStaffUser(t *testing.T, s Store, login string, role breachdesk.Role) *breachdesk.StaffUser {
	t.Helper()
	u := &breachdesk.StaffUser{Login: login, Name: "Staff " + login, Role: role}
	if err := s.Staff.CreateStaffUser(Context(), u, passwordHash(login)); err != nil {
		t.Fatalf("CreateStaffUser(%s) = %v", login, err)
	}
	return u
}

// mustCreateStaffSession signs u in and returns the session's secret and
// the session.
func mustCreateStaffSession(t *testing.T, s Store, u *breachdesk.StaffUser) (string, *breachdesk.StaffSession) {
	t.Helper()
	secret, id := breachdesk.NewSessionSecret()
	sess, err := s.Staff.CreateStaffSession(Context(), u.ID, id)
	if err != nil {
		t.Fatalf("CreateStaffSession(%s) = %v", u.Login, err)
	}
	return secret, sess
}

// disableStaffUser disables the account with login directly in the
// database: the service has no method for it yet.
func disableStaffUser(t *testing.T, s Store, login string, at time.Time) {
	t.Helper()
	if err := s.Exec(t, fmt.Sprintf(`UPDATE staff_users SET disabled_at = '%s' WHERE login = '%s'`,
		at.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), login)); err != nil {
		t.Fatal(err)
	}
}

// staffClock returns a clock for the staff tests.
func staffClock() *Clock {
	return &Clock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func testCreateStaffUser(t *testing.T, open OpenFunc) {
	ctx := Context()
	t.Run("OK", func(t *testing.T) {
		clock := staffClock()
		s := open(t, clock.Now)
		u := &breachdesk.StaffUser{Login: " Dana@Example.COM ", Name: " Dana Prot ", Role: breachdesk.RoleDPO}
		if err := s.Staff.CreateStaffUser(ctx, u, passwordHash("dana")); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 {
			t.Fatal("CreateStaffUser() left ID 0")
		}
		want := &breachdesk.StaffUser{ID: u.ID, Login: "dana@example.com", Name: "Dana Prot", Role: breachdesk.RoleDPO,
			Language: "en", CreatedAt: clock.T}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Fatalf("CreateStaffUser() user mismatch (-want +got):\n%s", diff)
		}
		got, err := s.Staff.FindStaffUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*breachdesk.StaffUser{want}, got); diff != "" {
			t.Fatalf("FindStaffUsers() mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("ErrLoginTaken", func(t *testing.T) {
		s := open(t, time.Now)
		mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleAdmin)
		for _, login := range []string{"dana@example.com", "DANA@example.com"} {
			err := s.Staff.CreateStaffUser(ctx, &breachdesk.StaffUser{Login: login, Name: "Another Dana", Role: breachdesk.RoleAgent}, passwordHash("x"))
			if code := breachdesk.ErrorCode(err); code != breachdesk.EConflict {
				t.Errorf("CreateStaffUser(%s) code = %q (%v), want conflict", login, code, err)
			}
		}
		if users, err := s.Staff.FindStaffUsers(ctx); err != nil || len(users) != 1 {
			t.Fatalf("FindStaffUsers() = %d users, %v; want 1", len(users), err)
		}
	})
	for _, tt := range []struct {
		name, field string
		user        breachdesk.StaffUser
	}{
		{"ErrInvalidLogin", "login", breachdesk.StaffUser{Login: "dana", Name: "Dana", Role: breachdesk.RoleDPO}},
		{"ErrInvalidRole", "role", breachdesk.StaffUser{Login: "dana@example.com", Name: "Dana", Role: "owner"}},
		{"ErrInvalidName", "name", breachdesk.StaffUser{Login: "dana@example.com", Name: " ", Role: breachdesk.RoleDPO}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, time.Now)
			err := s.Staff.CreateStaffUser(ctx, &tt.user, passwordHash("dana"))
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != tt.field {
				t.Fatalf("CreateStaffUser() = %q on %q (%v), want invalid on %q", code, field, err, tt.field)
			}
			if users, err := s.Staff.FindStaffUsers(ctx); err != nil || len(users) != 0 {
				t.Fatalf("FindStaffUsers() after rejected create = %d users, %v; want none", len(users), err)
			}
		})
	}
}

func testFindStaffUsers(t *testing.T, open OpenFunc) {
	ctx := Context()
	clock := staffClock()
	s := open(t, clock.Now)
	t.Run("OKEmpty", func(t *testing.T) {
		if users, err := s.Staff.FindStaffUsers(ctx); err != nil || len(users) != 0 {
			t.Fatalf("FindStaffUsers() = %d users, %v; want none", len(users), err)
		}
	})
	t.Run("OKByLoginWithDisabled", func(t *testing.T) {
		for _, login := range []string{"zoe@example.com", "adam@example.com", "mia@example.com"} {
			mustCreateStaffUser(t, s, login, breachdesk.RoleResponder)
		}
		disableStaffUser(t, s, "mia@example.com", clock.T)
		users, err := s.Staff.FindStaffUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var logins []string
		for _, u := range users {
			logins = append(logins, u.Login)
		}
		if diff := cmp.Diff([]string{"adam@example.com", "mia@example.com", "zoe@example.com"}, logins); diff != "" {
			t.Fatalf("FindStaffUsers() logins (-want +got):\n%s", diff)
		}
		if users[1].DisabledAt == nil || !users[1].DisabledAt.Equal(clock.T) || users[0].DisabledAt != nil {
			t.Fatalf("FindStaffUsers() disabled_at = %v, %v; want only mia disabled at %v", users[0].DisabledAt, users[1].DisabledAt, clock.T)
		}
	})
}

func testFindStaffCredentials(t *testing.T, open OpenFunc) {
	ctx := Context()
	s := open(t, time.Now)
	created := mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleAdmin)
	mustCreateStaffUser(t, s, "sam@example.com", breachdesk.RoleAgent)
	for _, tt := range []struct{ name, login string }{
		{"OK", "dana@example.com"},
		{"OKAnyCase", " Dana@EXAMPLE.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, hash, err := s.Staff.FindStaffCredentials(ctx, tt.login)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(created, u); diff != "" {
				t.Fatalf("FindStaffCredentials(%q) user mismatch (-want +got):\n%s", tt.login, diff)
			}
			if want := passwordHash("dana@example.com"); hash != want {
				t.Fatalf("FindStaffCredentials(%q) hash = %q, want %q", tt.login, hash, want)
			}
		})
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		_, _, err := s.Staff.FindStaffCredentials(ctx, "nobody@example.com")
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("FindStaffCredentials(nobody) code = %q (%v), want not_found", code, err)
		}
	})
}

func testSignInLockout(t *testing.T, open OpenFunc) {
	ctx := Context()
	t.Run("OKLocksAndUnlocks", func(t *testing.T) {
		clock := staffClock()
		s := open(t, clock.Now)
		u := mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleDPO)
		var got *breachdesk.StaffUser
		for i := 1; i <= breachdesk.MaxFailedSignIns; i++ {
			clock.T = clock.T.Add(time.Second)
			var err error
			if got, err = s.Staff.RecordFailedSignIn(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			if got.FailedSignIns != i || (got.LockedUntil != nil) != (i == breachdesk.MaxFailedSignIns) {
				t.Fatalf("RecordFailedSignIn() #%d = %d failures, locked until %v", i, got.FailedSignIns, got.LockedUntil)
			}
		}
		lockedUntil := clock.T.Add(breachdesk.SignInLockout)
		if !got.LockedUntil.Equal(lockedUntil) || !got.Locked(clock.T) {
			t.Fatalf("RecordFailedSignIn() locked until %v, want %v", got.LockedUntil, lockedUntil)
		}
		if stored, _, err := s.Staff.FindStaffCredentials(ctx, u.Login); err != nil || !cmp.Equal(got, stored) {
			t.Fatalf("FindStaffCredentials() = %+v, %v; want %+v as RecordFailedSignIn returned", stored, err, got)
		}

		for _, at := range []time.Time{clock.T, lockedUntil.Add(-time.Microsecond)} {
			clock.T = at
			_, id := breachdesk.NewSessionSecret()
			if _, err := s.Staff.CreateStaffSession(ctx, u.ID, id); breachdesk.ErrorCode(err) != breachdesk.EForbidden {
				t.Fatalf("CreateStaffSession() at %v while locked = %v, want forbidden", at, err)
			}
		}

		clock.T = lockedUntil
		if _, sess := mustCreateStaffSession(t, s, u); sess.User.FailedSignIns != 0 || sess.User.LockedUntil != nil ||
			sess.User.LastSignInAt == nil || !sess.User.LastSignInAt.Equal(clock.T) {
			t.Fatalf("CreateStaffSession() after the lock user = %+v, want reset and signed in at %v", sess.User, clock.T)
		}
		stored, _, err := s.Staff.FindStaffCredentials(ctx, u.Login)
		if err != nil {
			t.Fatal(err)
		}
		if stored.FailedSignIns != 0 || stored.LockedUntil != nil || stored.LastSignInAt == nil || !stored.LastSignInAt.Equal(clock.T) {
			t.Fatalf("account after sign-in = %+v, want no failures, no lock, signed in at %v", stored, clock.T)
		}
	})
	t.Run("OKLockNotExtendedThenRenewed", func(t *testing.T) {
		clock := staffClock()
		s := open(t, clock.Now)
		u := mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleDPO)
		for range breachdesk.MaxFailedSignIns {
			if _, err := s.Staff.RecordFailedSignIn(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		lockedUntil := clock.T.Add(breachdesk.SignInLockout)
		// A wrong password while locked is counted but keeps the lock's end;
		// once it has passed, the next one locks again at once, as the count
		// is only reset by a sign-in.
		for _, tt := range []struct {
			at, lockedUntil time.Time
		}{
			{clock.T.Add(time.Minute), lockedUntil},
			{lockedUntil, lockedUntil.Add(breachdesk.SignInLockout)},
		} {
			clock.T = tt.at
			got, err := s.Staff.RecordFailedSignIn(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.LockedUntil == nil || !got.LockedUntil.Equal(tt.lockedUntil) {
				t.Fatalf("RecordFailedSignIn() at %v locked until %v, want %v", tt.at, got.LockedUntil, tt.lockedUntil)
			}
		}
	})
	t.Run("OKSignInResetsCount", func(t *testing.T) {
		s := open(t, time.Now)
		u := mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleDPO)
		for range breachdesk.MaxFailedSignIns - 1 {
			if _, err := s.Staff.RecordFailedSignIn(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		mustCreateStaffSession(t, s, u)
		got, err := s.Staff.RecordFailedSignIn(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FailedSignIns != 1 || got.LockedUntil != nil {
			t.Fatalf("RecordFailedSignIn() after a sign-in = %d failures, locked until %v; want 1, unlocked", got.FailedSignIns, got.LockedUntil)
		}
	})
	t.Run("OKConcurrent", func(t *testing.T) {
		s := open(t, time.Now)
		u := mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleDPO)
		const n = 2 * breachdesk.MaxFailedSignIns
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := s.Staff.RecordFailedSignIn(ctx, u.ID)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, _, err := s.Staff.FindStaffCredentials(ctx, u.Login)
		if err != nil {
			t.Fatal(err)
		}
		if got.FailedSignIns != n || got.LockedUntil == nil {
			t.Fatalf("after %d concurrent failures: %d counted, locked until %v", n, got.FailedSignIns, got.LockedUntil)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := open(t, time.Now)
		if _, err := s.Staff.RecordFailedSignIn(ctx, 999_999); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Errorf("RecordFailedSignIn(999999) = %v, want not_found", err)
		}
		_, id := breachdesk.NewSessionSecret()
		if _, err := s.Staff.CreateStaffSession(ctx, 999_999, id); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Errorf("CreateStaffSession(999999) = %v, want not_found", err)
		}
	})
	t.Run("ErrDisabled", func(t *testing.T) {
		clock := staffClock()
		s := open(t, clock.Now)
		u := mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleDPO)
		disableStaffUser(t, s, u.Login, clock.T)
		_, id := breachdesk.NewSessionSecret()
		if _, err := s.Staff.CreateStaffSession(ctx, u.ID, id); breachdesk.ErrorCode(err) != breachdesk.EForbidden {
			t.Fatalf("CreateStaffSession(disabled) = %v, want forbidden", err)
		}
	})
}

func testStaffSessions(t *testing.T, open OpenFunc) {
	ctx := Context()
	// setup opens a store with an account, signed in at the clock's time.
	setup := func(t *testing.T) (*Clock, Store, *breachdesk.StaffSession) {
		clock := staffClock()
		s := open(t, clock.Now)
		u := mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleResponder)
		_, sess := mustCreateStaffSession(t, s, u)
		return clock, s, sess
	}
	find := func(t *testing.T, s Store, id string) (*breachdesk.StaffSession, error) {
		t.Helper()
		return s.Staff.FindStaffSession(ctx, id)
	}
	wantUnauthorized := func(t *testing.T, s Store, id string) {
		t.Helper()
		if got, err := find(t, s, id); breachdesk.ErrorCode(err) != breachdesk.EUnauthorized {
			t.Fatalf("FindStaffSession() = %+v, %v; want unauthorized", got, err)
		}
	}

	t.Run("OK", func(t *testing.T) {
		clock, s, created := setup(t)
		if !created.CreatedAt.Equal(clock.T) || !created.LastSeenAt.Equal(clock.T) || created.User.LastSignInAt == nil {
			t.Fatalf("CreateStaffSession() = %+v, want created and seen at %v", created, clock.T)
		}
		got, err := find(t, s, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(created, got); diff != "" {
			t.Fatalf("FindStaffSession() mismatch (-created +found):\n%s", diff)
		}
	})
	t.Run("OKMarkedUsedAfterAMinute", func(t *testing.T) {
		clock, s, created := setup(t)
		signedIn := clock.T
		for _, tt := range []struct{ at, seen time.Duration }{
			{30 * time.Second, 0},
			{time.Minute, 0},
			{time.Minute + time.Second, time.Minute + time.Second},
			{time.Minute + 10*time.Second, time.Minute + time.Second},
		} {
			clock.T = signedIn.Add(tt.at)
			for range 2 {
				got, err := find(t, s, created.ID)
				if err != nil {
					t.Fatal(err)
				}
				if want := signedIn.Add(tt.seen); !got.LastSeenAt.Equal(want) {
					t.Fatalf("FindStaffSession() %v after sign-in: LastSeenAt = %v, want %v", tt.at, got.LastSeenAt, want)
				}
			}
		}
	})
	t.Run("OKWithoutActor", func(t *testing.T) {
		// The console finds the session before it knows who the actor is.
		clock, s, created := setup(t)
		clock.T = clock.T.Add(time.Hour)
		got, err := s.Staff.FindStaffSession(context.Background(), created.ID)
		if err != nil {
			t.Fatalf("FindStaffSession(no actor) = %v", err)
		}
		if !got.LastSeenAt.Equal(clock.T) {
			t.Fatalf("FindStaffSession(no actor) LastSeenAt = %v, want %v", got.LastSeenAt, clock.T)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		_, s, _ := setup(t)
		wantUnauthorized(t, s, breachdesk.HashSessionSecret("no such secret"))
		wantUnauthorized(t, s, "")
	})
	t.Run("ErrIdleExpired", func(t *testing.T) {
		clock, s, created := setup(t)
		clock.T = clock.T.Add(breachdesk.SessionIdleTimeout - time.Second)
		if _, err := find(t, s, created.ID); err != nil {
			t.Fatalf("FindStaffSession() just before the idle timeout = %v", err)
		}
		clock.T = clock.T.Add(breachdesk.SessionIdleTimeout)
		wantUnauthorized(t, s, created.ID)
	})
	t.Run("ErrTooOld", func(t *testing.T) {
		clock, s, created := setup(t)
		for clock.T.Sub(created.CreatedAt) < breachdesk.SessionMaxAge {
			if _, err := find(t, s, created.ID); err != nil {
				t.Fatalf("FindStaffSession() %v after sign-in, used all along = %v", clock.T.Sub(created.CreatedAt), err)
			}
			clock.T = clock.T.Add(breachdesk.SessionIdleTimeout / 2)
		}
		wantUnauthorized(t, s, created.ID)
	})
	t.Run("ErrUserDisabled", func(t *testing.T) {
		clock, s, created := setup(t)
		disableStaffUser(t, s, created.User.Login, clock.T)
		wantUnauthorized(t, s, created.ID)
	})
	t.Run("DeleteStaffSession", func(t *testing.T) {
		_, s, created := setup(t)
		_, other := mustCreateStaffSession(t, s, created.User)
		for range 2 {
			if err := s.Staff.DeleteStaffSession(ctx, created.ID); err != nil {
				t.Fatalf("DeleteStaffSession() = %v", err)
			}
			wantUnauthorized(t, s, created.ID)
		}
		if _, err := find(t, s, other.ID); err != nil {
			t.Fatalf("FindStaffSession(other session) = %v; want it left open", err)
		}
	})
	t.Run("ErrSessionTaken", func(t *testing.T) {
		_, s, created := setup(t)
		_, err := s.Staff.CreateStaffSession(ctx, created.User.ID, created.ID)
		if code := breachdesk.ErrorCode(err); code != breachdesk.EConflict {
			t.Fatalf("CreateStaffSession(ID in use) code = %q (%v), want conflict", code, err)
		}
	})
}

func testSetStaffPassword(t *testing.T, open OpenFunc) {
	ctx := Context()
	t.Run("OKEndsSessionsAndUnlocks", func(t *testing.T) {
		clock := staffClock()
		s := open(t, clock.Now)
		u := mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleAdmin)
		other := mustCreateStaffUser(t, s, "sam@example.com", breachdesk.RoleAgent)
		_, first := mustCreateStaffSession(t, s, u)
		_, second := mustCreateStaffSession(t, s, u)
		_, kept := mustCreateStaffSession(t, s, other)
		for range breachdesk.MaxFailedSignIns {
			if _, err := s.Staff.RecordFailedSignIn(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}

		if err := s.Staff.SetStaffPassword(ctx, "DANA@example.com", passwordHash("new")); err != nil {
			t.Fatal(err)
		}
		got, hash, err := s.Staff.FindStaffCredentials(ctx, u.Login)
		if err != nil {
			t.Fatal(err)
		}
		if hash != passwordHash("new") || got.FailedSignIns != 0 || got.LockedUntil != nil {
			t.Fatalf("after SetStaffPassword(): hash %q, %d failures, locked until %v; want the new hash, unlocked", hash, got.FailedSignIns, got.LockedUntil)
		}
		for _, sess := range []*breachdesk.StaffSession{first, second} {
			if _, err := s.Staff.FindStaffSession(ctx, sess.ID); breachdesk.ErrorCode(err) != breachdesk.EUnauthorized {
				t.Fatalf("FindStaffSession() after SetStaffPassword() = %v, want unauthorized", err)
			}
		}
		if _, err := s.Staff.FindStaffSession(ctx, kept.ID); err != nil {
			t.Fatalf("FindStaffSession(another account's session) = %v; want it left open", err)
		}
		mustCreateStaffSession(t, s, u)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := open(t, time.Now)
		err := s.Staff.SetStaffPassword(ctx, "nobody@example.com", passwordHash("new"))
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("SetStaffPassword(nobody) code = %q (%v), want not_found", code, err)
		}
	})
}

func testStaffAudit(t *testing.T, open OpenFunc) {
	ctx := Context()
	clock := staffClock()
	s := open(t, clock.Now)
	u := mustCreateStaffUser(t, s, "dana@example.com", breachdesk.RoleDPO)
	created := *u
	if _, err := s.Staff.RecordFailedSignIn(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	secret, sess := mustCreateStaffSession(t, s, u)
	clock.T = clock.T.Add(time.Hour)
	if _, err := s.Staff.FindStaffSession(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Staff.DeleteStaffSession(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Staff.DeleteStaffSession(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Staff.SetStaffPassword(ctx, u.Login, passwordHash("new")); err != nil {
		t.Fatal(err)
	}
	for range breachdesk.MaxFailedSignIns {
		if _, err := s.Staff.RecordFailedSignIn(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("OKEveryWrite", func(t *testing.T) {
		entity, id := "staff_user", fmt.Sprint(u.ID)
		entries, _, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{Entity: &entity, EntityID: &id})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
			if e.Actor != Actor.String() {
				t.Errorf("audit entry %d actor = %q, want %q", e.ID, e.Actor, Actor.String())
			}
		}
		want := []string{breachdesk.AuditStaffUserCreate, breachdesk.AuditStaffSignInFail, breachdesk.AuditStaffSignIn, breachdesk.AuditStaffSignOut, breachdesk.AuditStaffPasswordSet,
			breachdesk.AuditStaffSignInFail, breachdesk.AuditStaffSignInFail, breachdesk.AuditStaffSignInFail, breachdesk.AuditStaffSignInFail, breachdesk.AuditStaffLock}
		if diff := cmp.Diff(want, actions); diff != "" {
			t.Fatalf("audit actions of the account (-want +got):\n%s", diff)
		}
		if entries[0].Before != "" || entries[0].After != breachdesk.Digest(&created) {
			t.Errorf("create entry digests = %q, %q; want none before and the account after", entries[0].Before, entries[0].After)
		}
	})
	t.Run("OKNoSecrets", func(t *testing.T) {
		entries, _, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		secrets := map[string]string{
			"password hash": passwordHash(u.Login), "new password hash": passwordHash("new"),
			"session secret": secret, "session ID": sess.ID,
		}
		for _, e := range entries {
			text := fmt.Sprintf("%+v", *e)
			for what, value := range secrets {
				if strings.Contains(text, value) || e.Before == breachdesk.Digest(value) || e.After == breachdesk.Digest(value) {
					t.Errorf("audit entry %d holds the %s: %s", e.ID, what, text)
				}
			}
		}
		if v, err := s.Audit.VerifyAuditLog(ctx); err != nil || !v.OK() {
			t.Fatalf("VerifyAuditLog() = %+v, %v; want the chain intact", v, err)
		}
	})
}

package http

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/password"
)

// The console's session cookie holds the session's secret; the database
// holds only its hash. Over TLS the name takes the __Host- prefix, which
// browsers accept only from this very host, on every path.
const (
	sessionCookie       = "bd_session"
	sessionCookieSecure = "__Host-bd_session"
	// maxSignInBytes bounds the sign-in form.
	maxSignInBytes = 16 << 10
	// maxConsoleFormBytes bounds the console's other forms.
	maxConsoleFormBytes = 1 << 20
)

// errWrongSignIn is every refused sign-in, whatever the reason, so that
// the page does not tell which logins exist or are locked.
var errWrongSignIn = errors.New("wrong login or password, or account locked")

// consoleHandler answers a console route for a signed-in user.
type consoleHandler func(w http.ResponseWriter, r *http.Request, p *consolePage)

// sessionCookieName returns the name of the session's cookie for r.
func (s *Server) sessionCookieName(r *http.Request) string {
	if s.secure(r) {
		return sessionCookieSecure
	}
	return sessionCookie
}

// session returns the session of r's cookie, if it is a live one.
func (s *Server) session(r *http.Request) (*breachdesk.StaffSession, bool) {
	c, err := r.Cookie(s.sessionCookieName(r))
	if err != nil || c.Value == "" || len(c.Value) > 128 || s.StaffService == nil {
		return nil, false
	}
	sess, err := s.StaffService.FindStaffSession(r.Context(), breachdesk.HashSessionSecret(c.Value))
	if err != nil {
		if breachdesk.ErrorCode(err) != breachdesk.EUnauthorized {
			s.Logger.ErrorContext(r.Context(), "find session", slog.Any("error", err))
		}
		return nil, false
	}
	return sess, true
}

// consoleCSRF returns the token the forms of a session carry: a keyed
// hash of its ID, which another site can neither read nor compute.
func (s *Server) consoleCSRF(sessionID string) string {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte("breachdesk console session\x00"))
	mac.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// requireSession lets a request through to h only with a live session
// whose role holds perm ("" asks only for a session), and, for anything
// but GET and HEAD, with the session's CSRF token in its form. Without a
// session, a page asked for is a redirection to the sign-in page, which
// comes back to it; an action is refused.
func (s *Server) requireSession(perm breachdesk.Permission, upload int64, h consoleHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.session(r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.renderConsoleError(w, r, s.anonymousPage(r), http.StatusUnauthorized, consoleUnauthorized)
			return
		}
		p := &consolePage{Lang: sess.User.Language, CSS: s.consoleSite.cssHref, JS: s.consoleSite.jsHref, User: sess.User, CSRF: s.consoleCSRF(sess.ID)}
		if perm != "" && !sess.User.Role.Can(perm) {
			s.renderConsoleError(w, r, p, http.StatusForbidden, consoleForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !s.checkConsoleForm(w, r, p, upload) {
			s.renderConsoleError(w, r, p, http.StatusForbidden, consoleCSRFExpired)
			return
		}
		ctx := breachdesk.NewContextWithActor(r.Context(), breachdesk.Actor{Kind: breachdesk.ActorUser, Name: sess.User.Login})
		h(w, r.WithContext(ctx), p)
	})
}

// checkConsoleForm reads the CSRF token of the form posted in r and
// reports whether it is the session's. A route that takes uploads (upload
// bytes at most) takes a multipart form whose first part is the token:
// its file is then left unread for the handler to stream, from
// p.upload, never written to disk. Other forms are parsed whole.
func (s *Server) checkConsoleForm(w http.ResponseWriter, r *http.Request, p *consolePage, upload int64) bool {
	if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); upload > 0 && mediaType == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, upload)
		mr, err := r.MultipartReader()
		if err != nil {
			return false
		}
		part, err := mr.NextPart()
		if err != nil || part.FormName() != csrfField {
			return false
		}
		token, err := io.ReadAll(io.LimitReader(part, 256))
		if err != nil || !hmac.Equal(token, []byte(p.CSRF)) {
			return false
		}
		p.upload = mr
		return true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxConsoleFormBytes)
	return r.ParseForm() == nil && hmac.Equal([]byte(r.PostForm.Get(csrfField)), []byte(p.CSRF))
}

// anonymousPage returns the page data for a visitor who is not signed in.
func (s *Server) anonymousPage(r *http.Request) *consolePage {
	return &consolePage{Lang: s.consoleSite.language(r), CSS: s.consoleSite.cssHref, JS: s.consoleSite.jsHref}
}

// signInView is the sign-in page.
type signInView struct {
	CSRF, Next, Login string
	// Problem and Notice are translation keys: why the last try failed,
	// or what just happened (signed out).
	Problem, Notice string
}

// safeNext returns next if it is an address on this console, else "/":
// the sign-in page must not send anyone elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		len(next) > 2048 || strings.HasPrefix(next, "/sign-") {
		return "/"
	}
	return next
}

// handleSignInForm answers GET /sign-in: the form, or, for a signed-in
// user, the page they were going to.
func (s *Server) handleSignInForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := s.session(r); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v := &signInView{CSRF: s.csrfToken(w, r), Next: next}
	if r.URL.Query().Has("signed_out") {
		v.Notice = "sign_in.signed_out"
	}
	s.renderConsole(w, r, s.anonymousPage(r), http.StatusOK, "sign_in", v)
}

// handleSignIn answers POST /sign-in. A right password opens a session
// and goes on to the page asked for; anything else shows the form again
// with one message for every reason, after the same work.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInBytes)
	p := s.anonymousPage(r)
	if err := r.ParseForm(); err != nil {
		s.renderConsole(w, r, p, http.StatusBadRequest, "sign_in", &signInView{CSRF: s.csrfToken(w, r), Next: "/", Problem: "sign_in.expired"})
		return
	}
	v := &signInView{Next: safeNext(r.PostForm.Get("next")), Login: strings.TrimSpace(r.PostForm.Get("login"))}
	if len(v.Login) > 254 {
		v.Login = v.Login[:254]
	}
	if !s.checkCSRF(r) {
		v.CSRF, v.Problem = s.csrfToken(w, r), "sign_in.expired"
		s.renderConsole(w, r, p, http.StatusForbidden, "sign_in", v)
		return
	}
	secret, id := breachdesk.NewSessionSecret()
	_, err := s.signIn(r.Context(), breachdesk.NormalizeLogin(v.Login), r.PostForm.Get("password"), id)
	switch {
	case errors.Is(err, errWrongSignIn):
		v.CSRF, v.Problem = s.csrfToken(w, r), "sign_in.wrong"
		s.renderConsole(w, r, p, http.StatusUnauthorized, "sign_in", v)
		return
	case err != nil:
		s.Logger.ErrorContext(r.Context(), "sign in", slog.Any("error", err))
		s.renderConsoleError(w, r, p, http.StatusInternalServerError, consoleInternal)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(r), Value: secret, Path: "/",
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// signIn checks login's password and opens the session id. It returns
// errWrongSignIn for an unknown login, a wrong password, or an account
// locked or disabled. Password hashes are slow and take memory on
// purpose: at most cap(s.passwordSlots) are checked at once.
func (s *Server) signIn(ctx context.Context, login, pw, id string) (*breachdesk.StaffSession, error) {
	if s.StaffService == nil {
		return nil, errWrongSignIn
	}
	select {
	case s.passwordSlots <- struct{}{}:
		defer func() { <-s.passwordSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	u, hash, err := s.StaffService.FindStaffCredentials(ctx, login)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.ENotFound:
		password.CheckAgainstNothing(pw)
		return nil, errWrongSignIn
	case err != nil:
		return nil, err
	}
	ctx = breachdesk.NewContextWithActor(ctx, breachdesk.Actor{Kind: breachdesk.ActorUser, Name: u.Login})
	ok, err := password.Check(hash, pw)
	if err != nil {
		// A hash that cannot be read refuses every password; the page
		// says no more than for a wrong one, the log says why.
		s.Logger.ErrorContext(ctx, "sign in: the stored password hash is unusable", slog.String("login", u.Login), slog.Any("error", err))
		return nil, errWrongSignIn
	}
	if !ok {
		if _, err := s.StaffService.RecordFailedSignIn(ctx, u.ID); err != nil {
			return nil, err
		}
		return nil, errWrongSignIn
	}
	sess, err := s.StaffService.CreateStaffSession(ctx, u.ID, id)
	if breachdesk.ErrorCode(err) == breachdesk.EForbidden {
		return nil, errWrongSignIn
	}
	return sess, err
}

// handleSignOut answers POST /sign-out: the session ends here and in the
// browser.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if c, err := r.Cookie(s.sessionCookieName(r)); err == nil {
		if err := s.StaffService.DeleteStaffSession(r.Context(), breachdesk.HashSessionSecret(c.Value)); err != nil {
			s.Logger.ErrorContext(r.Context(), "sign out", slog.Any("error", err))
			s.renderConsoleError(w, r, p, http.StatusInternalServerError, consoleInternal)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/sign-in?signed_out=1", http.StatusSeeOther)
}

package http

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"
)

// The public forms are protected from cross-site requests without any
// server-side state: a page with a form sets a random nonce in a cookie
// that only this site can send (SameSite=Strict) and no script can read
// (HttpOnly), and puts in the form a keyed hash of it (HMAC-SHA256 with
// Server.PublicKey). A posted form is taken only when its hash matches
// its cookie, which another site can neither read nor forge.
const (
	// csrfField is the hidden form field that carries the token.
	csrfField = "csrf"
	// csrfCookie names the nonce's cookie; over TLS it takes the
	// __Host- prefix, which browsers accept only from this very host.
	csrfCookie       = "bd_csrf"
	csrfCookieSecure = "__Host-bd_csrf"
	// csrfMaxAge is how long a form stays good to send.
	csrfMaxAge = 12 * time.Hour
	// csrfNonceBytes is the size of a nonce, 144 random bits.
	csrfNonceBytes = 18
	// PublicKeySize is the size of Server.PublicKey.
	PublicKeySize = 32
)

// csrfCookieName returns the name of the nonce's cookie for r.
func (s *Server) csrfCookieName(r *http.Request) string {
	if s.secure(r) {
		return csrfCookieSecure
	}
	return csrfCookie
}

// secure reports whether cookies set in answer to r must be Secure.
func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.SecureCookies }

// csrfToken returns the token for the forms of the page that answers r,
// and sets (again, so that it lasts) the cookie of the nonce it is bound
// to, keeping the nonce of the request's cookie when it has one, so that
// forms open in several tabs all stay good.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	name := s.csrfCookieName(r)
	var nonce string
	if c, err := r.Cookie(name); err == nil && validNonce(c.Value) {
		nonce = c.Value
	} else {
		b := make([]byte, csrfNonceBytes)
		rand.Read(b)
		nonce = base64.RawURLEncoding.EncodeToString(b)
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: nonce, Path: "/", MaxAge: int(csrfMaxAge / time.Second),
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode,
	})
	return s.csrfMAC(nonce)
}

// checkCSRF reports whether the posted form r carries the token of its
// nonce cookie. r's form must be parsed.
func (s *Server) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(s.csrfCookieName(r))
	if err != nil || !validNonce(c.Value) {
		return false
	}
	got := r.PostForm.Get(csrfField)
	return hmac.Equal([]byte(got), []byte(s.csrfMAC(c.Value)))
}

// csrfMAC returns the token of nonce.
func (s *Server) csrfMAC(nonce string) string {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte("breachdesk public form\x00"))
	mac.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// validNonce reports whether s has the shape of a nonce this site sets.
func validNonce(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(csrfNonceBytes) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

package http

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// homeView is the home page: what the site is, and where to go.
type homeView struct {
	Page *publicPage
}

// handleHome answers GET /: what this site is and its three doors.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request, p *publicPage) {
	w.Header().Set("Cache-Control", publicCacheControl)
	s.render(w, r, p, http.StatusOK, "home", &homeView{Page: p})
}

// handleNotFound answers any address that is not a page.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request, p *publicPage) {
	s.publicError(w, r, p, http.StatusNotFound, errorNotFound)
}

// errorKind is a kind of error page; its title and text are the keys
// error.KIND.title and error.KIND.text.
type errorKind string

// Error pages.
const (
	errorNotFound    errorKind = "not_found"
	errorBadRequest  errorKind = "bad_request"
	errorForbidden   errorKind = "forbidden"
	errorTooLarge    errorKind = "too_large"
	errorRateLimited errorKind = "rate_limited"
	errorOverloaded  errorKind = "overloaded"
	errorUnavailable errorKind = "unavailable"
	errorInternal    errorKind = "internal"
)

// errorKinds lists every error page, for the tests of the wording.
func errorKinds() []errorKind {
	return []errorKind{errorNotFound, errorBadRequest, errorForbidden, errorTooLarge, errorRateLimited, errorOverloaded, errorUnavailable, errorInternal}
}

// errorView is an error page.
type errorView struct {
	Page *publicPage
	Text string
	// Back is the address of the form to go back to, for a refused form.
	Back string
}

func newErrorView(p *publicPage, kind errorKind) *errorView {
	p.Title = p.T("error." + string(kind) + ".title")
	return &errorView{Page: p, Text: p.T("error." + string(kind) + ".text")}
}

// publicError writes the error page kind with status.
func (s *Server) publicError(w http.ResponseWriter, r *http.Request, p *publicPage, status int, kind errorKind) {
	s.render(w, r, p, status, "error", newErrorView(p, kind))
}

// formError answers a form whose body could not be read: 413 when it is
// too large, 400 when it is malformed.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, p *publicPage, err error) {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		s.publicError(w, r, p, http.StatusRequestEntityTooLarge, errorTooLarge)
		return
	}
	s.publicError(w, r, p, http.StatusBadRequest, errorBadRequest)
}

// refuseForm answers 403 a form posted without its token: from another
// site, or after its cookie expired.
func (s *Server) refuseForm(w http.ResponseWriter, r *http.Request, p *publicPage, back string) {
	v := newErrorView(p, errorForbidden)
	v.Back = p.Base + back
	s.render(w, r, p, http.StatusForbidden, "error", v)
}

// recoverPublic turns a panic in a public page into the internal-error
// page, and logs it.
func (s *Server) recoverPublic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.ErrorContext(r.Context(), "public page panic", slog.String("path", r.URL.Path), slog.Any("error", fmt.Errorf("panic: %v", v)))
				// The services may be what panicked: show only what is cached.
				var org cachedOrganization
				if o := s.site.org.Load(); o != nil {
					org = *o
				}
				p := s.site.newPage(s.site.language(r, org.language), "", org)
				p.NoSwitcher = true
				s.publicError(w, r, p, http.StatusInternalServerError, errorInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

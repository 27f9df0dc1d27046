package http

import (
	"net/http"
	"strings"

	"github.com/breachdesk/breachdesk"
)

// requireAPIToken lets a request through only with a valid, unrevoked
// token in "Authorization: Bearer ...", and makes the token the request's
// actor for the timeline and the audit log.
func (s *Server) requireAPIToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="breachdesk"`)
			s.Error(w, r, breachdesk.Errorf(breachdesk.EUnauthorized, "An API token is required: send \"Authorization: Bearer TOKEN\" with a token from `breachdesk token create`."))
			return
		}
		token, err := s.APITokenService.AuthenticateAPIToken(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if breachdesk.ErrorCode(err) == breachdesk.EUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="breachdesk", error="invalid_token"`)
			}
			s.Error(w, r, err)
			return
		}
		ctx := breachdesk.NewContextWithActor(r.Context(), breachdesk.Actor{Kind: breachdesk.ActorToken, Name: token.Name})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

package http

import "net/http"

// publicRoutes maps the whole public surface, the pages affected people
// reach. It shares no route or middleware state with the console.
func (s *Server) publicRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	return mux
}

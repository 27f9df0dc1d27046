package http

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPIDocument is the OpenAPI 3.1 description of the JSON API. Its
// tests keep it equal to the routes and to what the handlers answer.
//
//go:embed openapi.json
var openAPIDocument []byte

// handleOpenAPI answers GET /api/v1/openapi.json with the API's
// description. It needs no token: it describes the API and holds no data.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	w.WriteHeader(http.StatusOK)
	w.Write(openAPIDocument) // the status is sent; a failed write means the client left
}

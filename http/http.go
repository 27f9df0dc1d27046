// Package http serves breachdesk over HTTP: the staff console and JSON API
// on one listener, the public pages for affected people on another.
package http

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/breachdesk/breachdesk"
)

// codes maps application error codes to HTTP statuses. It is the only
// such table.
var codes = map[string]int{
	breachdesk.EConflict:     http.StatusConflict,
	breachdesk.EInvalid:      http.StatusBadRequest,
	breachdesk.ENotFound:     http.StatusNotFound,
	breachdesk.EUnauthorized: http.StatusUnauthorized,
	breachdesk.EForbidden:    http.StatusForbidden,
	breachdesk.EInternal:     http.StatusInternalServerError,
}

// ErrorStatusCode returns the HTTP status for an application error code.
func ErrorStatusCode(code string) int {
	if status, ok := codes[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// ErrorResponse is the JSON body of every error answer.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody describes one error: its code, a message for people and, for
// invalid input, the field at fault.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Error writes err as a JSON error answer. Internal errors are logged with
// their details and shown only as "Internal error.".
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := breachdesk.ErrorCode(err)
	if code == breachdesk.EInternal {
		s.Logger.ErrorContext(r.Context(), "internal error", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	writeJSON(w, ErrorStatusCode(code), ErrorResponse{Error: ErrorBody{
		Code: code, Message: breachdesk.ErrorMessage(err), Field: breachdesk.ErrorField(err),
	}})
}

// writeJSON writes v as the JSON answer with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v) // the status is sent; a failed write means the client left
}

package http

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/decode"
)

// IncidentResponse is an incident as the API returns it, with the facts
// that look out of order for a person to check and the 72-hour clock.
type IncidentResponse struct {
	*breachdesk.Incident
	Warnings          []string                      `json:"warnings,omitempty"`
	NotificationClock *breachdesk.NotificationClock `json:"notification_clock,omitempty"`
}

// NewIncidentResponse returns inc as the API shows it at now.
func NewIncidentResponse(inc *breachdesk.Incident, now time.Time) IncidentResponse {
	return IncidentResponse{Incident: inc, Warnings: inc.Warnings(), NotificationClock: inc.NotificationClock(now)}
}

// IncidentListResponse is one page of incidents and how many match in all.
type IncidentListResponse struct {
	Incidents []IncidentResponse `json:"incidents"`
	Total     int                `json:"total"`
}

// handleIncidentList answers GET /api/v1/incidents?status=&limit=&offset=.
func (s *Server) handleIncidentList(w http.ResponseWriter, r *http.Request) {
	var filter breachdesk.IncidentFilter
	q := r.URL.Query()
	if v := q.Get("status"); v != "" {
		status := breachdesk.IncidentStatus(v)
		filter.Status = &status
	}
	var err error
	if filter.Limit, err = intParam(q.Get("limit"), "limit", 100); err != nil {
		s.Error(w, r, err)
		return
	}
	if filter.Offset, err = intParam(q.Get("offset"), "offset", 0); err != nil {
		s.Error(w, r, err)
		return
	}
	incidents, total, err := s.IncidentService.FindIncidents(r.Context(), filter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	resp := IncidentListResponse{Incidents: make([]IncidentResponse, 0, len(incidents)), Total: total}
	for _, inc := range incidents {
		resp.Incidents = append(resp.Incidents, NewIncidentResponse(inc, s.Now()))
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleIncidentCreate answers POST /api/v1/incidents with 201 and the new
// incident.
func (s *Server) handleIncidentCreate(w http.ResponseWriter, r *http.Request) {
	var inc breachdesk.Incident
	doc, err := readBody(w, r, &inc, breachdesk.IncidentReadOnlyFields()...)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.IncidentService.CreateIncident(r.Context(), &inc); err != nil {
		s.Error(w, r, doc.Locate(err))
		return
	}
	w.Header().Set("Location", "/api/v1/incidents/"+strconv.FormatInt(inc.ID, 10))
	writeJSON(w, http.StatusCreated, NewIncidentResponse(&inc, s.Now()))
}

// handleIncidentView answers GET /api/v1/incidents/{id}.
func (s *Server) handleIncidentView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	inc, err := s.IncidentService.FindIncidentByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, NewIncidentResponse(inc, s.Now()))
}

// handleIncidentUpdate answers PATCH /api/v1/incidents/{id}: the fields in
// the body change, the others stay.
func (s *Server) handleIncidentUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var upd breachdesk.IncidentUpdate
	doc, err := readBody(w, r, &upd, breachdesk.IncidentReadOnlyFields()...)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	upd.Clear = doc.Nulls()
	inc, err := s.IncidentService.UpdateIncident(r.Context(), id, upd)
	if err != nil {
		s.Error(w, r, doc.Locate(err))
		return
	}
	writeJSON(w, http.StatusOK, NewIncidentResponse(inc, s.Now()))
}

// handleAPINotFound answers unknown API paths in JSON rather than text.
func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, breachdesk.Errorf(breachdesk.ENotFound, "No API endpoint %s %s.", r.Method, r.URL.Path))
}

// readBody decodes the JSON request body strictly into v, up to
// MaxBodyBytes, and returns the document so later errors can be located.
// Fields named in readOnly are rejected: breachdesk sets them.
func readBody(w http.ResponseWriter, r *http.Request, v any, readOnly ...string) (*decode.Document, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "The request body is larger than %d bytes.", MaxBodyBytes)
	} else if err != nil {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "The request body could not be read.")
	}
	doc, err := decode.ParseJSON("request body", data)
	if err != nil {
		return nil, err
	}
	if err := doc.Reject(readOnly...); err != nil {
		return nil, err
	}
	return doc, doc.Decode(v)
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, breachdesk.Errorf(breachdesk.ENotFound, "Incident %q does not exist.", r.PathValue("id"))
	}
	return id, nil
}

func intParam(v, name string, fallback int) (int, error) {
	if v == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, breachdesk.FieldErrorf(name, "must be a whole number of at least 0, not %q", v)
	}
	return n, nil
}

package http

import (
	"net/http"
	"time"

	"github.com/breachdesk/breachdesk"
)

// EventListResponse is an incident's timeline, in the order events
// happened.
type EventListResponse struct {
	Events []*breachdesk.IncidentEvent `json:"events"`
	Total  int                         `json:"total"`
}

// EventRequest is the body of POST /api/v1/incidents/{id}/events. An
// omitted at means now.
type EventRequest struct {
	Kind string     `json:"kind"`
	At   *time.Time `json:"at,omitempty"`
	Note string     `json:"note,omitempty"`
}

// handleEventList answers GET /api/v1/incidents/{id}/events?kind=.
func (s *Server) handleEventList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	filter := breachdesk.IncidentEventFilter{IncidentID: id}
	if kind := r.URL.Query().Get("kind"); kind != "" {
		filter.Kind = &kind
	}
	events, total, err := s.IncidentEventService.FindIncidentEvents(r.Context(), filter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if events == nil {
		events = []*breachdesk.IncidentEvent{}
	}
	writeJSON(w, http.StatusOK, EventListResponse{Events: events, Total: total})
}

// handleEventCreate answers POST /api/v1/incidents/{id}/events with 201
// and the recorded event.
func (s *Server) handleEventCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req EventRequest
	doc, err := readBody(w, r, &req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	e := &breachdesk.IncidentEvent{IncidentID: id, Kind: req.Kind, Note: req.Note}
	if req.At != nil {
		e.At = *req.At
	}
	if err := s.IncidentEventService.CreateIncidentEvent(r.Context(), e); err != nil {
		s.Error(w, r, doc.Locate(err))
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

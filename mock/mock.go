// Package mock provides hand-written stand-ins for the domain services, for
// tests of the layers above them. Each method calls the matching Func field.
package mock

import (
	"context"

	"github.com/breachdesk/breachdesk"
)

var _ breachdesk.OrganizationService = (*OrganizationService)(nil)

// OrganizationService is a breachdesk.OrganizationService made of funcs.
type OrganizationService struct {
	FindOrganizationFunc func(ctx context.Context) (*breachdesk.Organization, error)
	SetOrganizationFunc  func(ctx context.Context, org *breachdesk.Organization) error
}

// FindOrganization calls FindOrganizationFunc.
func (s *OrganizationService) FindOrganization(ctx context.Context) (*breachdesk.Organization, error) {
	return s.FindOrganizationFunc(ctx)
}

// SetOrganization calls SetOrganizationFunc.
func (s *OrganizationService) SetOrganization(ctx context.Context, org *breachdesk.Organization) error {
	return s.SetOrganizationFunc(ctx, org)
}

var _ breachdesk.IncidentService = (*IncidentService)(nil)

// IncidentService is a breachdesk.IncidentService made of funcs.
type IncidentService struct {
	FindIncidentByIDFunc func(ctx context.Context, id int64) (*breachdesk.Incident, error)
	FindIncidentsFunc    func(ctx context.Context, filter breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error)
	CreateIncidentFunc   func(ctx context.Context, inc *breachdesk.Incident) error
	UpdateIncidentFunc   func(ctx context.Context, id int64, upd breachdesk.IncidentUpdate) (*breachdesk.Incident, error)
}

// FindIncidentByID calls FindIncidentByIDFunc.
func (s *IncidentService) FindIncidentByID(ctx context.Context, id int64) (*breachdesk.Incident, error) {
	return s.FindIncidentByIDFunc(ctx, id)
}

// FindIncidents calls FindIncidentsFunc.
func (s *IncidentService) FindIncidents(ctx context.Context, filter breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error) {
	return s.FindIncidentsFunc(ctx, filter)
}

// CreateIncident calls CreateIncidentFunc.
func (s *IncidentService) CreateIncident(ctx context.Context, inc *breachdesk.Incident) error {
	return s.CreateIncidentFunc(ctx, inc)
}

// UpdateIncident calls UpdateIncidentFunc.
func (s *IncidentService) UpdateIncident(ctx context.Context, id int64, upd breachdesk.IncidentUpdate) (*breachdesk.Incident, error) {
	return s.UpdateIncidentFunc(ctx, id, upd)
}

// Package mock provides hand-written stand-ins for the domain services, for
// tests of the layers above them. Each method calls the matching Func field.
package mock

import (
	"context"
	"time"

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

var _ breachdesk.IncidentEventService = (*IncidentEventService)(nil)

// IncidentEventService is a breachdesk.IncidentEventService made of funcs.
type IncidentEventService struct {
	CreateIncidentEventFunc func(ctx context.Context, e *breachdesk.IncidentEvent) error
	FindIncidentEventsFunc  func(ctx context.Context, filter breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error)
}

// CreateIncidentEvent calls CreateIncidentEventFunc.
func (s *IncidentEventService) CreateIncidentEvent(ctx context.Context, e *breachdesk.IncidentEvent) error {
	return s.CreateIncidentEventFunc(ctx, e)
}

// FindIncidentEvents calls FindIncidentEventsFunc.
func (s *IncidentEventService) FindIncidentEvents(ctx context.Context, filter breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error) {
	return s.FindIncidentEventsFunc(ctx, filter)
}

var _ breachdesk.AuditService = (*AuditService)(nil)

// AuditService is a breachdesk.AuditService made of funcs.
type AuditService struct {
	FindAuditEntriesFunc func(ctx context.Context, filter breachdesk.AuditFilter) ([]*breachdesk.AuditEntry, int, error)
	VerifyAuditLogFunc   func(ctx context.Context) (breachdesk.AuditVerification, error)
	RecordAccessFunc     func(ctx context.Context, action, entity, entityID string) error
}

// RecordAccess calls RecordAccessFunc.
func (s *AuditService) RecordAccess(ctx context.Context, action, entity, entityID string) error {
	return s.RecordAccessFunc(ctx, action, entity, entityID)
}

// FindAuditEntries calls FindAuditEntriesFunc.
func (s *AuditService) FindAuditEntries(ctx context.Context, filter breachdesk.AuditFilter) ([]*breachdesk.AuditEntry, int, error) {
	return s.FindAuditEntriesFunc(ctx, filter)
}

// VerifyAuditLog calls VerifyAuditLogFunc.
func (s *AuditService) VerifyAuditLog(ctx context.Context) (breachdesk.AuditVerification, error) {
	return s.VerifyAuditLogFunc(ctx)
}

var _ breachdesk.APITokenService = (*APITokenService)(nil)

// APITokenService is a breachdesk.APITokenService made of funcs.
type APITokenService struct {
	CreateAPITokenFunc       func(ctx context.Context, name string) (*breachdesk.APIToken, string, error)
	FindAPITokensFunc        func(ctx context.Context) ([]*breachdesk.APIToken, error)
	RevokeAPITokenFunc       func(ctx context.Context, name string) error
	AuthenticateAPITokenFunc func(ctx context.Context, secret string) (*breachdesk.APIToken, error)
}

// CreateAPIToken calls CreateAPITokenFunc.
func (s *APITokenService) CreateAPIToken(ctx context.Context, name string) (*breachdesk.APIToken, string, error) {
	return s.CreateAPITokenFunc(ctx, name)
}

// FindAPITokens calls FindAPITokensFunc.
func (s *APITokenService) FindAPITokens(ctx context.Context) ([]*breachdesk.APIToken, error) {
	return s.FindAPITokensFunc(ctx)
}

// RevokeAPIToken calls RevokeAPITokenFunc.
func (s *APITokenService) RevokeAPIToken(ctx context.Context, name string) error {
	return s.RevokeAPITokenFunc(ctx, name)
}

// AuthenticateAPIToken calls AuthenticateAPITokenFunc.
func (s *APITokenService) AuthenticateAPIToken(ctx context.Context, secret string) (*breachdesk.APIToken, error) {
	return s.AuthenticateAPITokenFunc(ctx, secret)
}

var _ breachdesk.RegulatorReportService = (*RegulatorReportService)(nil)

// RegulatorReportService is a breachdesk.RegulatorReportService made of
// funcs.
type RegulatorReportService struct {
	CreateRegulatorReportFunc func(ctx context.Context, r *breachdesk.RegulatorReport) error
	FindRegulatorReportsFunc  func(ctx context.Context, filter breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error)
}

// CreateRegulatorReport calls CreateRegulatorReportFunc.
func (s *RegulatorReportService) CreateRegulatorReport(ctx context.Context, r *breachdesk.RegulatorReport) error {
	return s.CreateRegulatorReportFunc(ctx, r)
}

// FindRegulatorReports calls FindRegulatorReportsFunc.
func (s *RegulatorReportService) FindRegulatorReports(ctx context.Context, filter breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error) {
	return s.FindRegulatorReportsFunc(ctx, filter)
}

var _ breachdesk.CampaignService = (*CampaignService)(nil)

// CampaignService is a breachdesk.CampaignService made of funcs.
type CampaignService struct {
	CreateCampaignFunc       func(ctx context.Context, c *breachdesk.Campaign) error
	FindCampaignByIDFunc     func(ctx context.Context, id int64) (*breachdesk.Campaign, error)
	FindCampaignsFunc        func(ctx context.Context, filter breachdesk.CampaignFilter) ([]*breachdesk.Campaign, int, error)
	SetCampaignStatusFunc    func(ctx context.Context, id int64, status breachdesk.CampaignStatus) (*breachdesk.Campaign, error)
	CampaignProgressFunc     func(ctx context.Context, id int64) (*breachdesk.CampaignProgress, error)
	FindNoticesFunc          func(ctx context.Context, filter breachdesk.NoticeFilter) ([]*breachdesk.Notice, int, error)
	CampaignDeliveriesFunc   func(ctx context.Context, id int64, step time.Duration) ([]breachdesk.DeliveryPoint, error)
	RegisterWorkerFunc       func(ctx context.Context, w *breachdesk.Worker) error
	FindWorkersFunc          func(ctx context.Context) ([]*breachdesk.Worker, error)
	ReleaseWorkerFunc        func(ctx context.Context, workerID string) (int, error)
	ClaimNoticesFunc         func(ctx context.Context, req breachdesk.ClaimRequest) ([]*breachdesk.ClaimedNotice, error)
	RecordNoticeOutcomesFunc func(ctx context.Context, workerID string, outcomes []breachdesk.NoticeOutcome) (int, error)
}

// CreateCampaign calls CreateCampaignFunc.
func (s *CampaignService) CreateCampaign(ctx context.Context, c *breachdesk.Campaign) error {
	return s.CreateCampaignFunc(ctx, c)
}

// FindCampaignByID calls FindCampaignByIDFunc.
func (s *CampaignService) FindCampaignByID(ctx context.Context, id int64) (*breachdesk.Campaign, error) {
	return s.FindCampaignByIDFunc(ctx, id)
}

// FindCampaigns calls FindCampaignsFunc.
func (s *CampaignService) FindCampaigns(ctx context.Context, filter breachdesk.CampaignFilter) ([]*breachdesk.Campaign, int, error) {
	return s.FindCampaignsFunc(ctx, filter)
}

// SetCampaignStatus calls SetCampaignStatusFunc.
func (s *CampaignService) SetCampaignStatus(ctx context.Context, id int64, status breachdesk.CampaignStatus) (*breachdesk.Campaign, error) {
	return s.SetCampaignStatusFunc(ctx, id, status)
}

// CampaignDeliveries calls CampaignDeliveriesFunc.
func (s *CampaignService) CampaignDeliveries(ctx context.Context, id int64, step time.Duration) ([]breachdesk.DeliveryPoint, error) {
	return s.CampaignDeliveriesFunc(ctx, id, step)
}

// CampaignProgress calls CampaignProgressFunc.
func (s *CampaignService) CampaignProgress(ctx context.Context, id int64) (*breachdesk.CampaignProgress, error) {
	return s.CampaignProgressFunc(ctx, id)
}

// FindNotices calls FindNoticesFunc.
func (s *CampaignService) FindNotices(ctx context.Context, filter breachdesk.NoticeFilter) ([]*breachdesk.Notice, int, error) {
	return s.FindNoticesFunc(ctx, filter)
}

// RegisterWorker calls RegisterWorkerFunc.
func (s *CampaignService) RegisterWorker(ctx context.Context, w *breachdesk.Worker) error {
	return s.RegisterWorkerFunc(ctx, w)
}

// FindWorkers calls FindWorkersFunc.
func (s *CampaignService) FindWorkers(ctx context.Context) ([]*breachdesk.Worker, error) {
	return s.FindWorkersFunc(ctx)
}

// ReleaseWorker calls ReleaseWorkerFunc.
func (s *CampaignService) ReleaseWorker(ctx context.Context, workerID string) (int, error) {
	return s.ReleaseWorkerFunc(ctx, workerID)
}

// ClaimNotices calls ClaimNoticesFunc.
func (s *CampaignService) ClaimNotices(ctx context.Context, req breachdesk.ClaimRequest) ([]*breachdesk.ClaimedNotice, error) {
	return s.ClaimNoticesFunc(ctx, req)
}

// RecordNoticeOutcomes calls RecordNoticeOutcomesFunc.
func (s *CampaignService) RecordNoticeOutcomes(ctx context.Context, workerID string, outcomes []breachdesk.NoticeOutcome) (int, error) {
	return s.RecordNoticeOutcomesFunc(ctx, workerID, outcomes)
}

var _ breachdesk.VerificationService = (*VerificationService)(nil)

// VerificationService is a breachdesk.VerificationService made of funcs.
type VerificationService struct {
	VerifyNoticeFunc func(ctx context.Context, req breachdesk.VerifyRequest) (*breachdesk.Verification, error)
}

// VerifyNotice calls VerifyNoticeFunc.
func (s *VerificationService) VerifyNotice(ctx context.Context, req breachdesk.VerifyRequest) (*breachdesk.Verification, error) {
	return s.VerifyNoticeFunc(ctx, req)
}

var _ breachdesk.IncidentPageService = (*IncidentPageService)(nil)

// IncidentPageService is a breachdesk.IncidentPageService made of funcs.
type IncidentPageService struct {
	SetIncidentPageFunc  func(ctx context.Context, page *breachdesk.IncidentPage) error
	FindIncidentPageFunc func(ctx context.Context, filter breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error)
}

// SetIncidentPage calls SetIncidentPageFunc.
func (s *IncidentPageService) SetIncidentPage(ctx context.Context, page *breachdesk.IncidentPage) error {
	return s.SetIncidentPageFunc(ctx, page)
}

// FindIncidentPage calls FindIncidentPageFunc.
func (s *IncidentPageService) FindIncidentPage(ctx context.Context, filter breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error) {
	return s.FindIncidentPageFunc(ctx, filter)
}

var _ breachdesk.InquiryService = (*InquiryService)(nil)

// InquiryService is a breachdesk.InquiryService made of funcs.
type InquiryService struct {
	CreateInquiriesFunc        func(ctx context.Context, inquiries []*breachdesk.SealedInquiry) error
	FindInquiriesFunc          func(ctx context.Context, filter breachdesk.InquiryFilter) ([]*breachdesk.SealedInquiry, int, error)
	FindInquiryByReferenceFunc func(ctx context.Context, reference string) (*breachdesk.SealedInquiry, error)
	InquiryBacklogFunc         func(ctx context.Context, limit int) (*breachdesk.InquiryBacklog, error)
	MarkInquiryReceiptsFunc    func(ctx context.Context, ids []int64, at time.Time) error
	UpdateInquiryFunc          func(ctx context.Context, reference string, upd breachdesk.InquiryUpdate) (*breachdesk.SealedInquiry, error)
}

// CreateInquiries calls CreateInquiriesFunc.
func (s *InquiryService) CreateInquiries(ctx context.Context, inquiries []*breachdesk.SealedInquiry) error {
	return s.CreateInquiriesFunc(ctx, inquiries)
}

// FindInquiries calls FindInquiriesFunc.
func (s *InquiryService) FindInquiries(ctx context.Context, filter breachdesk.InquiryFilter) ([]*breachdesk.SealedInquiry, int, error) {
	return s.FindInquiriesFunc(ctx, filter)
}

// FindInquiryByReference calls FindInquiryByReferenceFunc.
func (s *InquiryService) FindInquiryByReference(ctx context.Context, reference string) (*breachdesk.SealedInquiry, error) {
	return s.FindInquiryByReferenceFunc(ctx, reference)
}

// InquiryBacklog calls InquiryBacklogFunc.
func (s *InquiryService) InquiryBacklog(ctx context.Context, limit int) (*breachdesk.InquiryBacklog, error) {
	return s.InquiryBacklogFunc(ctx, limit)
}

// MarkInquiryReceipts calls MarkInquiryReceiptsFunc.
func (s *InquiryService) MarkInquiryReceipts(ctx context.Context, ids []int64, at time.Time) error {
	return s.MarkInquiryReceiptsFunc(ctx, ids, at)
}

// UpdateInquiry calls UpdateInquiryFunc.
func (s *InquiryService) UpdateInquiry(ctx context.Context, reference string, upd breachdesk.InquiryUpdate) (*breachdesk.SealedInquiry, error) {
	return s.UpdateInquiryFunc(ctx, reference, upd)
}

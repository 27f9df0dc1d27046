package http

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/mock"
)

func TestPublicOrganizationCache(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	calls, fail := 0, false
	s := NewServer()
	s.Now = func() time.Time { return now }
	s.OrganizationService = &mock.OrganizationService{FindOrganizationFunc: func(ctx context.Context) (*breachdesk.Organization, error) {
		calls++
		if fail {
			return nil, errors.New("database is locked")
		}
		return &breachdesk.Organization{Name: "Shop SpA", Language: "it"}, nil
	}}
	if err := s.preparePublic(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		after     time.Duration
		fail      bool
		wantName  string
		wantCalls int
	}{
		{"FirstRead", 0, false, "Shop SpA", 1},
		{"Reused", 29 * time.Second, false, "Shop SpA", 1},
		{"ReadAgain", 2 * time.Second, false, "Shop SpA", 2},
		{"FailureKeepsName", organizationTTL, true, "Shop SpA", 3},
		{"RetriedSoon", 2 * time.Second, true, "Shop SpA", 4},
	} {
		now, fail = now.Add(tt.after), tt.fail
		org := s.organization(ctx)
		if org.name != tt.wantName || calls != tt.wantCalls {
			t.Errorf("%s: organization() = %q after %d reads, want %q after %d", tt.name, org.name, calls, tt.wantName, tt.wantCalls)
		}
	}
}

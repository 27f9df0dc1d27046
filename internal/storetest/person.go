package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

func sealed(id, country, region, lang string, categories ...string) *breachdesk.SealedPerson {
	return &breachdesk.SealedPerson{ExternalID: id, Name: []byte("sealed-name-" + id), Email: []byte("sealed-email-" + id),
		EmailIndex: []byte("index-" + id), Country: country, Region: region, Language: lang, DataCategories: categories}
}

func testAffectedPeople(t *testing.T, open OpenFunc) {
	ctx := Context()
	s := open(t, time.Now)
	inc := &breachdesk.Incident{Title: "Theft", DataCategories: []string{"name", "email"}}
	if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	first := []*breachdesk.SealedPerson{
		sealed("P1", "FR", "", "fr"),
		sealed("P2", "US", "US-CA", "en-US", "email", "password_hash_weak"),
		sealed("P3", "US", "US-NY", "es-US"),
	}
	n, err := s.People.InsertSealedPeople(ctx, inc.ID, first)
	if err != nil || n != 3 {
		t.Fatalf("InsertSealedPeople() = %d, %v; want 3", n, err)
	}
	again := []*breachdesk.SealedPerson{sealed("P3", "GB", "", "en"), sealed("P4", "GB", "", "en"), sealed("P4", "IT", "", "it")}
	if n, err := s.People.InsertSealedPeople(ctx, inc.ID, again); err != nil || n != 1 {
		t.Fatalf("InsertSealedPeople(overlapping) = %d, %v; want only P4 new", n, err)
	}

	found, err := s.People.FindSealedPeople(ctx, breachdesk.SealedPersonFilter{EmailIndex: []byte("index-P3")})
	if err != nil || len(found) != 1 {
		t.Fatalf("FindSealedPeople(index-P3) = %v, %v", found, err)
	}
	if found[0].Country != "US" || !bytes.Equal(found[0].Name, []byte("sealed-name-P3")) || found[0].IncidentID != inc.ID {
		t.Fatalf("P3 = %+v: the first stored version must stay", found[0])
	}
	p4 := "P4"
	found, err = s.People.FindSealedPeople(ctx, breachdesk.SealedPersonFilter{IncidentID: &inc.ID, ExternalID: &p4})
	if err != nil || len(found) != 1 || found[0].Country != "GB" {
		t.Fatalf("FindSealedPeople(P4) = %+v, %v; want the first P4 of the batch", found, err)
	}
	if found, _ := s.People.FindSealedPeople(ctx, breachdesk.SealedPersonFilter{EmailIndex: []byte("nobody")}); len(found) != 0 {
		t.Fatalf("FindSealedPeople(nobody) = %v", found)
	}

	for _, tt := range []struct {
		by   string
		want map[string]int64
	}{
		{"", nil},
		{breachdesk.CountByCountry, map[string]int64{"FR": 1, "US": 2, "GB": 1}},
		{breachdesk.CountByRegion, map[string]int64{"": 2, "US-CA": 1, "US-NY": 1}},
		{breachdesk.CountByLanguage, map[string]int64{"fr": 1, "en-US": 1, "es-US": 1, "en": 1}},
		// P2 has its own list; the others have the incident's.
		{breachdesk.CountByCategory, map[string]int64{"name": 3, "email": 4, "password_hash_weak": 1}},
	} {
		t.Run("CountBy"+tt.by, func(t *testing.T) {
			got, err := s.People.CountAffectedPeople(ctx, inc.ID, tt.by)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != 4 {
				t.Errorf("Total = %d, want 4", got.Total)
			}
			if diff := cmp.Diff(tt.want, got.Counts); diff != "" {
				t.Errorf("counts by %q (-want +got):\n%s", tt.by, diff)
			}
		})
	}
	if _, err := s.People.CountAffectedPeople(ctx, inc.ID, "shoe_size"); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
		t.Errorf("CountAffectedPeople(by shoe_size) = %v, want invalid", err)
	}
	if _, err := s.People.CountAffectedPeople(ctx, 999, ""); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		t.Errorf("CountAffectedPeople(999) = %v, want not_found", err)
	}
	if _, err := s.People.InsertSealedPeople(ctx, 999, first); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		t.Errorf("InsertSealedPeople(999) = %v, want not_found", err)
	}
	entity, id := "incident", "1"
	entries, _, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{Entity: &entity, EntityID: &id})
	if err != nil || len(entries) != 3 || entries[1].Action != breachdesk.AuditPeopleImport {
		t.Errorf("audit of the incident = %d entries, %v; want create and two imports", len(entries), err)
	}
}

func testDataKeys(t *testing.T, open OpenFunc) {
	ctx := Context()
	s := open(t, time.Now)
	keys := []*breachdesk.DataKey{
		{Purpose: breachdesk.DataKeyEncrypt, Wrapped: []byte("wrapped-1"), MasterKeyID: "mk-1", CreatedAt: time.Now()},
		{Purpose: breachdesk.DataKeyIndex, Wrapped: []byte("wrapped-2"), MasterKeyID: "mk-1", CreatedAt: time.Now()},
	}
	if err := s.DataKeys.CreateDataKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	if keys[0].ID == 0 || keys[1].ID == 0 {
		t.Fatal("CreateDataKeys() set no ids")
	}
	second := []*breachdesk.DataKey{{Purpose: breachdesk.DataKeyIndex, Wrapped: []byte("x"), MasterKeyID: "mk-1", CreatedAt: time.Now()}}
	if err := s.DataKeys.CreateDataKeys(ctx, second); breachdesk.ErrorCode(err) != breachdesk.EConflict {
		t.Fatalf("a second index key: CreateDataKeys() = %v, want conflict", err)
	}
	next := []*breachdesk.DataKey{{Purpose: breachdesk.DataKeyEncrypt, Wrapped: []byte("wrapped-3"), MasterKeyID: "mk-1", CreatedAt: time.Now()}}
	if err := s.DataKeys.CreateDataKeys(ctx, next); err != nil {
		t.Fatal(err)
	}
	stored, err := s.DataKeys.FindDataKeys(ctx)
	if err != nil || len(stored) != 3 {
		t.Fatalf("FindDataKeys() = %d keys, %v", len(stored), err)
	}
	if stored[0].RetiredAt == nil || stored[2].RetiredAt != nil || stored[1].RetiredAt != nil {
		t.Fatal("a new encryption key did not retire the old one, or retired another")
	}
	for _, k := range stored {
		k.Wrapped, k.MasterKeyID = append([]byte("re-"), k.Wrapped...), "mk-2"
	}
	if err := s.DataKeys.RewrapDataKeys(ctx, stored); err != nil {
		t.Fatal(err)
	}
	if err := s.DataKeys.RewrapDataKeys(ctx, stored[:2]); breachdesk.ErrorCode(err) != breachdesk.EConflict {
		t.Fatalf("RewrapDataKeys(missing a key) = %v, want conflict", err)
	}
	after, _ := s.DataKeys.FindDataKeys(ctx)
	for _, k := range after {
		if k.MasterKeyID != "mk-2" || !bytes.HasPrefix(k.Wrapped, []byte("re-wrapped-")) {
			t.Fatalf("key %d after rewrap = %s %q", k.ID, k.MasterKeyID, k.Wrapped)
		}
	}
}

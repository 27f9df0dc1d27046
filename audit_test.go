package breachdesk_test

import (
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
)

// chain returns n valid entries.
func chain(n int) []*breachdesk.AuditEntry {
	var entries []*breachdesk.AuditEntry
	var prevID int64
	prevHash := ""
	for i := range n {
		e := breachdesk.NewAuditEntry(time.Date(2026, 11, 20, 10, i, 0, 0, time.UTC), "cli:dana", breachdesk.AuditIncidentUpdate,
			"incident", 1, map[string]int{"v": i}, map[string]int{"v": i + 1})
		e.Chain(prevID, prevHash)
		prevID, prevHash = e.ID, e.Hash
		entries = append(entries, &e)
	}
	return entries
}

func verify(entries []*breachdesk.AuditEntry) breachdesk.AuditVerification {
	var c breachdesk.AuditChecker
	for _, e := range entries {
		if !c.Check(e) {
			break
		}
	}
	return c.Result()
}

func TestAuditChain(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		entries := chain(4)
		v := verify(entries)
		if !v.OK() || v.Entries != 4 || v.Head != entries[3].Hash {
			t.Fatalf("verify(intact) = %+v", v)
		}
		if entries[0].PrevHash != "" || entries[1].PrevHash != entries[0].Hash || entries[0].Before == entries[0].After {
			t.Fatalf("entries not chained: %+v", entries[:2])
		}
	})
	for _, tt := range []struct {
		name   string
		tamper func([]*breachdesk.AuditEntry) []*breachdesk.AuditEntry
		broken int64
		intact int
		reason string
	}{
		{"ErrFieldChanged", func(es []*breachdesk.AuditEntry) []*breachdesk.AuditEntry { es[2].Actor = "cli:mallory"; return es }, 3, 2, "does not match its hash"},
		{"ErrTimeChanged", func(es []*breachdesk.AuditEntry) []*breachdesk.AuditEntry {
			es[1].At = es[1].At.Add(time.Microsecond)
			return es
		}, 2, 1, "does not match its hash"},
		{"ErrRehashedButUnlinked", func(es []*breachdesk.AuditEntry) []*breachdesk.AuditEntry {
			es[1].Actor = "cli:mallory"
			es[1].Hash = es[1].ComputeHash()
			return es
		}, 3, 2, "does not follow"},
		{"ErrRemoved", func(es []*breachdesk.AuditEntry) []*breachdesk.AuditEntry { return append(es[:1], es[2:]...) }, 3, 1, "missing or reordered"},
		{"ErrSwapped", func(es []*breachdesk.AuditEntry) []*breachdesk.AuditEntry { es[1], es[2] = es[2], es[1]; return es }, 3, 1, "missing or reordered"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := verify(tt.tamper(chain(4)))
			if v.OK() || *v.FirstBroken != tt.broken || !strings.Contains(v.Problem, tt.reason) || v.Entries != tt.intact {
				t.Fatalf("verify() = %+v, want entry %d broken: %s", v, tt.broken, tt.reason)
			}
		})
	}
}

func TestDigestIsStable(t *testing.T) {
	inc := &breachdesk.Incident{ID: 1, Title: "x"}
	if breachdesk.Digest(inc) != breachdesk.Digest(&breachdesk.Incident{ID: 1, Title: "x"}) {
		t.Fatal("equal incidents have different digests")
	}
	if breachdesk.Digest(inc) == breachdesk.Digest(&breachdesk.Incident{ID: 1, Title: "y"}) {
		t.Fatal("different incidents share a digest")
	}
}

package breachdesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry records one write: who made it, when, to what, and digests of
// the thing before and after. Entries form a hash chain: each carries the
// hash of the one before it, so changing, removing or reordering any entry
// breaks every hash after it. Entries hold digests, never content, so the
// log holds no personal data.
type AuditEntry struct {
	// ID numbers entries 1, 2, 3, ... without gaps.
	ID    int64     `json:"id"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	// Action is what was done, such as incident.create.
	Action string `json:"action"`
	// Entity and EntityID name what was changed, such as incident 12.
	Entity   string `json:"entity"`
	EntityID string `json:"entity_id"`
	// Before and After are Digest values; "" when there was nothing.
	Before string `json:"before"`
	After  string `json:"after"`

	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Audit actions.
const (
	AuditOrganizationSet = "organization.set"
	AuditIncidentCreate  = "incident.create"
	AuditIncidentUpdate  = "incident.update"
	AuditEventCreate     = "incident_event.create"
	AuditTokenCreate     = "api_token.create"
	AuditTokenRevoke     = "api_token.revoke"
)

// NewAuditEntry returns the entry for a change, with the digests of what
// was changed before and after it (nil for nothing). The store fills in
// ID, PrevHash and Hash when it appends the entry to the chain.
func NewAuditEntry(at time.Time, actor, action, entity string, entityID any, before, after any) AuditEntry {
	e := AuditEntry{At: at, Actor: actor, Action: action, Entity: entity, EntityID: fmt.Sprint(entityID)}
	if before != nil {
		e.Before = Digest(before)
	}
	if after != nil {
		e.After = Digest(after)
	}
	return e
}

// Chain links e after the entry whose ID and hash are given (0 and "" for
// the first entry) and computes its hash.
func (e *AuditEntry) Chain(prevID int64, prevHash string) {
	e.ID, e.PrevHash = prevID+1, prevHash
	e.Hash = e.ComputeHash()
}

// Digest returns the SHA-256 of v's JSON encoding, in hex: a fingerprint
// that proves what a record was without keeping it.
func Digest(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("digest: %v", err)) // only domain types are digested, and they marshal
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ComputeHash returns the entry's hash: the SHA-256 of every field but
// Hash, PrevHash included. At must already be at the precision stored.
func (e *AuditEntry) ComputeHash() string {
	data, _ := json.Marshal([]any{ // strings, a number and a time always marshal
		e.ID, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Entity, e.EntityID, e.Before, e.After, e.PrevHash,
	})
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// AuditChecker verifies a chain entry by entry, in ID order, so that a
// store can stream a log of any length through it.
type AuditChecker struct {
	result AuditVerification
}

// Check takes the next entry and reports false once the chain is broken;
// the result then names the first broken entry.
func (c *AuditChecker) Check(e *AuditEntry) bool {
	r := &c.result
	if r.FirstBroken != nil {
		return false
	}
	want := int64(r.Entries + 1)
	switch {
	case e.ID != want:
		r.Problem = fmt.Sprintf("expected entry %d but found %d: entries are missing or reordered", want, e.ID)
	case e.PrevHash != r.Head:
		r.Problem = fmt.Sprintf("entry %d does not follow the hash of entry %d: an entry before it was changed or removed", e.ID, e.ID-1)
	case e.ComputeHash() != e.Hash:
		r.Problem = fmt.Sprintf("entry %d does not match its hash: it was changed after it was written", e.ID)
	default:
		r.Entries++
		r.Head = e.Hash
		return true
	}
	id := e.ID
	r.FirstBroken = &id
	return false
}

// Result returns the verification so far.
func (c *AuditChecker) Result() AuditVerification {
	return c.result
}

// AuditVerification is the outcome of checking the whole audit chain.
type AuditVerification struct {
	// Entries is how many entries were checked and found intact.
	Entries int `json:"entries"`
	// Head is the hash of the last intact entry. Recording it outside
	// breachdesk lets a later check prove that no entry was cut off the end.
	Head string `json:"head"`
	// FirstBroken is the ID of the first entry that fails, nil when the
	// whole chain holds.
	FirstBroken *int64 `json:"first_broken,omitempty"`
	Problem     string `json:"problem,omitempty"`
}

// OK reports whether the whole chain holds.
func (v AuditVerification) OK() bool { return v.FirstBroken == nil }

// AuditService reads and checks the audit log. Entries are written by the
// other services, in the same transaction as the change they record.
type AuditService interface {
	// FindAuditEntries returns entries in ID order, and the total that match.
	FindAuditEntries(ctx context.Context, filter AuditFilter) ([]*AuditEntry, int, error)

	// VerifyAuditLog checks the whole chain and names the first broken entry.
	VerifyAuditLog(ctx context.Context) (AuditVerification, error)

	// RecordAccess appends an entry for an action that changed nothing but
	// must be on record, such as showing personal data in plaintext.
	RecordAccess(ctx context.Context, action, entity, entityID string) error
}

// AuditFilter selects audit entries. Nil fields do not filter.
type AuditFilter struct {
	Entity   *string `json:"entity,omitempty"`
	EntityID *string `json:"entity_id,omitempty"`

	Offset int `json:"offset,omitempty"`
	Limit  int `json:"limit,omitempty"`
}

// Audit actions for affected people and keys.
const (
	AuditPeopleImport = "affected_people.import"
	AuditPeopleReveal = "affected_people.reveal"
	// AuditPeopleLookup is a look-up of a person by customer service:
	// who looked whom up, masked data only.
	AuditPeopleLookup   = "affected_people.lookup"
	AuditDataKeyCreate  = "data_key.create"
	AuditDataKeysRewrap = "data_key.rewrap"
)

package keyring_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/google/go-cmp/cmp"
)

// dataKeys is an in-memory breachdesk.DataKeyService.
type dataKeys struct {
	keys []*breachdesk.DataKey
}

func (s *dataKeys) FindDataKeys(ctx context.Context) ([]*breachdesk.DataKey, error) {
	out := make([]*breachdesk.DataKey, len(s.keys))
	for i, k := range s.keys {
		c := *k
		out[i] = &c
	}
	return out, nil
}

func (s *dataKeys) CreateDataKeys(ctx context.Context, keys []*breachdesk.DataKey) error {
	for _, k := range keys {
		for _, old := range s.keys {
			if k.Purpose == breachdesk.DataKeyIndex && old.Purpose == breachdesk.DataKeyIndex {
				return breachdesk.Errorf(breachdesk.EConflict, "index key exists")
			}
			if k.Purpose == breachdesk.DataKeyEncrypt && old.Purpose == breachdesk.DataKeyEncrypt && old.RetiredAt == nil {
				now := time.Now()
				old.RetiredAt = &now
			}
		}
		c := *k
		c.ID = int64(len(s.keys) + 1)
		k.ID = c.ID
		s.keys = append(s.keys, &c)
	}
	return nil
}

func (s *dataKeys) RewrapDataKeys(ctx context.Context, keys []*breachdesk.DataKey) error {
	for _, k := range keys {
		c := *k
		s.keys[k.ID-1] = &c
	}
	return nil
}

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// setup returns a key file path holding a new master key, and a keyring
// opened with it on a fresh store.
func setup(t testing.TB) (string, *dataKeys, *keyring.Keyring) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "breachdesk.key")
	mk, err := keyring.NewMasterKey(now)
	if err != nil {
		t.Fatal(err)
	}
	if err := mk.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	store := &dataKeys{}
	k, err := keyring.Open(context.Background(), mk, store, now)
	if err != nil {
		t.Fatal(err)
	}
	return path, store, k
}

func TestSealOpen(t *testing.T) {
	_, store, k := setup(t)
	if len(store.keys) != 2 {
		t.Fatalf("Open() created %d data keys, want an encryption key and an index key", len(store.keys))
	}
	sealed := k.Seal("email", "incident 1 person A", "dana@example.com")
	if bytes.Contains(sealed, []byte("dana")) {
		t.Fatal("sealed value contains the plaintext")
	}
	if again := k.Seal("email", "incident 1 person A", "dana@example.com"); bytes.Equal(sealed, again) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	got, err := k.Open("email", "incident 1 person A", sealed)
	if err != nil || got != "dana@example.com" {
		t.Fatalf("Open() = %q, %v", got, err)
	}
	for name, open := range map[string]func() (string, error){
		"ErrOtherPerson": func() (string, error) { return k.Open("email", "incident 1 person B", sealed) },
		"ErrOtherField":  func() (string, error) { return k.Open("name", "incident 1 person A", sealed) },
		"ErrTampered": func() (string, error) {
			bad := slices.Clone(sealed)
			bad[len(bad)-1] ^= 1
			return k.Open("email", "incident 1 person A", bad)
		},
		"ErrTruncated": func() (string, error) { return k.Open("email", "incident 1 person A", sealed[:10]) },
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := open(); err == nil {
				t.Fatalf("Open() = %q, want an error", got)
			}
		})
	}
	if k.Seal("name", "x", "") != nil {
		t.Error("an empty value was sealed; it should stay empty")
	}
}

func TestIndex(t *testing.T) {
	_, _, k := setup(t)
	a := k.Index("email", "dana@example.com")
	if !bytes.Equal(a, k.Index("email", "dana@example.com")) {
		t.Fatal("Index() is not deterministic")
	}
	if bytes.Equal(a, k.Index("phone", "dana@example.com")) || bytes.Equal(a, k.Index("email", "dan@example.com")) {
		t.Fatal("different kinds or values share an index")
	}
	_, _, other := setup(t)
	if bytes.Equal(a, other.Index("email", "dana@example.com")) {
		t.Fatal("two deployments compute the same index: it is not keyed")
	}
}

func TestSealPersonRoundTrip(t *testing.T) {
	_, _, k := setup(t)
	p := &breachdesk.AffectedPerson{IncidentID: 3, ExternalID: "C-1", Name: "Dana Prot", Email: "Dana@Example.com",
		Phone: "+33612345678", PostalAddress: "1 rue de la Paix, Paris", Country: "FR", Language: "fr"}
	sealed := k.SealPerson(p)
	if !bytes.Equal(sealed.EmailIndex, k.Index("email", "dana@example.com")) {
		t.Error("the e-mail index is not computed on the lower-cased address")
	}
	got, err := k.OpenPerson(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Fatalf("OpenPerson() mismatch (-sealed +opened):\n%s", diff)
	}
	sealed.ExternalID = "C-2" // a row whose sealed fields were copied from another
	if _, err := k.OpenPerson(sealed); err == nil {
		t.Fatal("OpenPerson() opened fields sealed for another person")
	}
}

func TestKeyFile(t *testing.T) {
	path, _, _ := setup(t)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %o, want 600", info.Mode().Perm())
	}
	mk, _ := keyring.NewMasterKey(now)
	if err := mk.WriteFile(path); breachdesk.ErrorCode(err) != breachdesk.EConflict {
		t.Fatalf("WriteFile() over an existing key file = %v, want conflict", err)
	}
	os.Chmod(path, 0o644)
	if _, err := keyring.LoadMasterKey(path); breachdesk.ErrorCode(err) != breachdesk.EInvalid || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("LoadMasterKey(world-readable) = %v, want invalid with advice", err)
	}
	if _, err := keyring.LoadMasterKey(path + ".missing"); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		t.Fatalf("LoadMasterKey(missing) = %v, want not_found", err)
	}
	os.WriteFile(path+".bad", []byte("{not json"), 0o600)
	if _, err := keyring.LoadMasterKey(path + ".bad"); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
		t.Fatalf("LoadMasterKey(damaged) = %v, want invalid", err)
	}
}

func TestOpenWithWrongMasterKey(t *testing.T) {
	_, store, _ := setup(t)
	other, _ := keyring.NewMasterKey(now)
	_, err := keyring.Open(context.Background(), other, store, now)
	if breachdesk.ErrorCode(err) != breachdesk.EInvalid || !strings.Contains(breachdesk.ErrorMessage(err), "key file holds") {
		t.Fatalf("Open() with another master key = %v, want invalid naming both keys", err)
	}
}

func TestRotate(t *testing.T) {
	ctx := context.Background()
	path, store, k := setup(t)
	old, err := keyring.LoadMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	sealed := k.Seal("email", "p", "dana@example.com")
	index := k.Index("email", "dana@example.com")

	next, err := keyring.Rotate(ctx, path, store, true, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if next.ID == old.ID {
		t.Fatal("Rotate() kept the master key id")
	}
	loaded, err := keyring.LoadMasterKey(path)
	if err != nil || loaded.ID != next.ID {
		t.Fatalf("key file after rotation = %v, %v; want %s", loaded, err, next.ID)
	}
	if _, err := keyring.LoadMasterKey(path + ".old-" + old.ID); err != nil {
		t.Fatalf("the old key file was not kept: %v", err)
	}
	if _, err := os.Stat(path + ".new"); !os.IsNotExist(err) {
		t.Fatalf("the .new file was left behind: %v", err)
	}
	if _, err := keyring.Open(ctx, old, store, now); err == nil {
		t.Fatal("the old master key still opens the data keys")
	}
	k2, err := keyring.Open(ctx, loaded, store, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Open("email", "p", sealed); err != nil || got != "dana@example.com" {
		t.Fatalf("data sealed before the rotation: Open() = %q, %v", got, err)
	}
	if !bytes.Equal(index, k2.Index("email", "dana@example.com")) {
		t.Fatal("the blind index changed with the rotation: look-ups of stored people would fail")
	}
	fresh := k2.Seal("email", "p", "x@example.com")
	if bytes.Equal(fresh[1:5], sealed[1:5]) {
		t.Fatal("--new-data-key: new data is still sealed with the old data key")
	}
	if len(store.keys) != 3 {
		t.Fatalf("%d data keys after rotation with a new data key, want 3", len(store.keys))
	}
}

func TestNoticeCode(t *testing.T) {
	_, _, k := setup(t)
	code := k.NoticeCode(42)
	if got := k.NoticeCode(42); got != code {
		t.Errorf("NoticeCode(42) = %s then %s, want the same code every time", code, got)
	}
	if k.NoticeCode(43) == code {
		t.Errorf("NoticeCode(43) = NoticeCode(42) = %s, want different codes", code)
	}
	if _, _, other := setup(t); other.NoticeCode(42) == code {
		t.Errorf("another keyring gives the same code %s, want a code that depends on the key", code)
	}
	if parsed, err := breachdesk.ParseNoticeCode(strings.ToLower(code)); err != nil || parsed != code {
		t.Errorf("ParseNoticeCode(%q) = %q, %v; want %q", strings.ToLower(code), parsed, err, code)
	}
}

func TestNoticeIDInvertsNoticeCode(t *testing.T) {
	_, _, k := setup(t)
	codes := map[string]int64{}
	// Small ids, ids around the halves' boundary, and the largest.
	ids := []int64{1, 2, 3, 1<<30 - 1, 1 << 30, 1<<30 + 1, 24_000_000, 1<<60 - 1}
	for i := int64(1); i <= 5000; i++ {
		ids = append(ids, i*7919)
	}
	for _, id := range ids {
		code := k.NoticeCode(id)
		if other, ok := codes[code]; ok && other != id {
			t.Fatalf("NoticeCode(%d) = NoticeCode(%d) = %s", id, other, code)
		}
		codes[code] = id
		if got, ok := k.NoticeID(code); !ok || got != id {
			t.Fatalf("NoticeID(NoticeCode(%d) = %s) = %d, %v", id, code, got, ok)
		}
	}
	// A code of another deployment designates some other notice.
	_, _, other := setup(t)
	if got, _ := other.NoticeID(k.NoticeCode(42)); got == 42 {
		t.Error("another keyring decodes the code of notice 42 to 42: the permutation is not keyed")
	}
	for _, bad := range []string{"", "BD-0000", "BD-UUUU-UUUU-UUUU"} {
		if id, ok := k.NoticeID(bad); ok {
			t.Errorf("NoticeID(%q) = %d, true; want false", bad, id)
		}
	}
}

func BenchmarkNoticeCode(b *testing.B) {
	_, _, k := setup(b)
	for i := int64(1); b.Loop(); i++ {
		if _, ok := k.NoticeID(k.NoticeCode(i)); !ok {
			b.Fatal("no id")
		}
	}
}

func TestDerive(t *testing.T) {
	_, _, k := setup(t)
	if a, b := k.Derive("verp"), k.Derive("verp"); !bytes.Equal(a, b) || len(a) != 32 {
		t.Errorf("Derive(verp) = %x then %x, want the same 32 bytes", a, b)
	}
	if bytes.Equal(k.Derive("verp"), k.Derive("message-id")) {
		t.Error("Derive gives the same key for two purposes")
	}
}

func TestSealInquiryRoundTrip(t *testing.T) {
	_, _, k := setup(t)
	q := &breachdesk.Inquiry{Category: breachdesk.InquiryClaim, Name: "Dana Prot", Email: "dana@example.com",
		Phone: "+33612345678", Message: "My card was used in Lyon.", Code: "BD-0000-0000-0001", Language: "fr"}
	sealed := k.SealInquiry(q)
	if !strings.HasPrefix(q.Reference, "Q-") || sealed.Reference != q.Reference {
		t.Fatalf("reference %q / %q, want one Q- reference given to both", q.Reference, sealed.Reference)
	}
	for _, field := range [][]byte{sealed.Name, sealed.Email, sealed.Message} {
		if bytes.Contains(field, []byte("Dana")) || bytes.Contains(field, []byte("Lyon")) || bytes.Contains(field, []byte("example.com")) {
			t.Fatalf("a sealed field holds plaintext: %q", field)
		}
	}
	got, err := k.OpenInquiry(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(q, got); diff != "" {
		t.Fatalf("OpenInquiry() mismatch (-sealed +opened):\n%s", diff)
	}
	sealed.Reference = "Q-AAAA-BBBB" // fields copied from another inquiry
	if _, err := k.OpenInquiry(sealed); err == nil {
		t.Fatal("OpenInquiry() opened fields sealed for another inquiry")
	}
}

func TestSealInquiryReplyRoundTrip(t *testing.T) {
	_, _, k := setup(t)
	sent := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	r := &breachdesk.InquiryReply{ID: 7, InquiryID: 3, Reference: "Q-7KQ4-M2XP", Template: "affected", Language: "fr",
		Body: "Vos données, Dana Prot, faisaient partie des données touchées.", Author: "agent@example.com",
		CreatedAt: sent.Add(-time.Hour), SentAt: &sent}
	sealed := k.SealInquiryReply(r)
	if bytes.Contains(sealed.Body, []byte("Dana")) || bytes.Contains(sealed.Body, []byte("données")) {
		t.Fatalf("the sealed body holds plaintext: %q", sealed.Body)
	}
	got, err := k.OpenInquiryReply(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Fatalf("OpenInquiryReply() mismatch (-sealed +opened):\n%s", diff)
	}
	sealed.Reference = "Q-AAAA-BBBB" // a body copied from another inquiry's reply
	if _, err := k.OpenInquiryReply(sealed); err == nil {
		t.Fatal("OpenInquiryReply() opened a body sealed for another inquiry")
	}
	// A reply's body is not an inquiry's message of the same reference.
	q := k.SealInquiry(&breachdesk.Inquiry{Reference: r.Reference, Category: breachdesk.InquiryQuestion, Name: "x", Email: "x@example.com", Message: "m"})
	if _, err := k.OpenInquiryReply(&breachdesk.SealedInquiryReply{Reference: r.Reference, Body: q.Message}); err == nil {
		t.Fatal("OpenInquiryReply() opened an inquiry's sealed message as a reply")
	}
}

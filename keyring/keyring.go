// Package keyring encrypts affected people's personal data at rest with an
// envelope design: a master key in a file outside the database wraps the
// data keys stored in it; the data keys seal each field with AES-256-GCM and
// compute blind indexes with HMAC-SHA-256. Rotating the master key re-wraps
// a handful of data keys, not millions of rows.
package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/safefile"
)

// keySize is 256 bits for every key.
const keySize = 32

// MasterKey is the deployment's key-encryption key, kept in the key file.
type MasterKey struct {
	ID   string
	aead cipher.AEAD
	raw  []byte
}

// keyFile is the key file's JSON form.
type keyFile struct {
	Note string `json:"note"`
	ID   string `json:"id"`
	Key  string `json:"key"`
}

const keyFileNote = "breachdesk master key: it unlocks the personal data in the database. Keep it secret, back it up apart from the database, never commit it."

// LoadMasterKey reads the key file at path. A missing file is not_found.
func LoadMasterKey(path string) (*MasterKey, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "The key file %s does not exist.", path)
	} else if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "The key file %s can be read by other users (mode %o): run chmod 600 %s.", path, info.Mode().Perm(), path)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "The key file %s is not a breachdesk key file.", path)
	}
	raw, err := base64.StdEncoding.DecodeString(kf.Key)
	if err != nil || len(raw) != keySize || kf.ID == "" {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "The key file %s is damaged: it must hold an id and a 256-bit key.", path)
	}
	return newMasterKey(kf.ID, raw)
}

// NewMasterKey returns a new random master key; WriteFile stores it.
func NewMasterKey(now time.Time) (*MasterKey, error) {
	raw := make([]byte, keySize)
	rand.Read(raw)
	id := "mk-" + now.UTC().Format("20060102T150405Z") + "-" + strings.ToLower(rand.Text()[:6])
	return newMasterKey(id, raw)
}

func newMasterKey(id string, raw []byte) (*MasterKey, error) {
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, err
	}
	return &MasterKey{ID: id, aead: aead, raw: raw}, nil
}

// WriteFile stores the key at path, readable by its owner only. It refuses
// to replace an existing file, and writes through a temporary file so that
// a crash never leaves half a key.
func (mk *MasterKey) WriteFile(path string) error {
	data, err := json.MarshalIndent(keyFile{Note: keyFileNote, ID: mk.ID, Key: base64.StdEncoding.EncodeToString(mk.raw)}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := safefile.WriteTemp(path, append(data, '\n'), 0o600)
	if err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	defer os.Remove(tmp)
	// A hard link fails if path exists, unlike rename: no key is ever overwritten.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return breachdesk.Errorf(breachdesk.EConflict, "The key file %s exists already; it will not be replaced.", path)
		}
		return fmt.Errorf("write key file: %w", err)
	}
	return nil
}

func (mk *MasterKey) wrap(purpose string, key []byte) []byte {
	return seal(mk.aead, 0, []byte("data-key:"+purpose), key)
}

func (mk *MasterKey) unwrap(dk *breachdesk.DataKey) ([]byte, error) {
	if dk.MasterKeyID != mk.ID {
		return nil, breachdesk.Errorf(breachdesk.EInvalid,
			"Data key %d is wrapped by master key %s, but the key file holds %s. Use the key file this database was set up with (after an interrupted `breachdesk key rotate`, it may be the .new file beside it).",
			dk.ID, dk.MasterKeyID, mk.ID)
	}
	_, key, err := open(mk.aead, []byte("data-key:"+dk.Purpose), dk.Wrapped)
	if err != nil || len(key) != keySize {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "Data key %d cannot be unwrapped with master key %s: the key file or the database was altered.", dk.ID, mk.ID)
	}
	return key, nil
}

// Keyring holds the unwrapped data keys. It is safe for concurrent use.
type Keyring struct {
	encrypt  map[uint32]cipher.AEAD
	activeID uint32
	index    []byte
	// codes is the round function of the notice codes' permutation.
	codes cipher.Block
}

// Open unwraps the database's data keys with mk, creating them on first
// use.
func Open(ctx context.Context, mk *MasterKey, keys breachdesk.DataKeyService, now time.Time) (*Keyring, error) {
	stored, err := keys.FindDataKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		stored = []*breachdesk.DataKey{mk.newDataKey(breachdesk.DataKeyEncrypt, now), mk.newDataKey(breachdesk.DataKeyIndex, now)}
		if err := keys.CreateDataKeys(ctx, stored); err != nil {
			if breachdesk.ErrorCode(err) != breachdesk.EConflict {
				return nil, err
			}
			// Another process created them first: use theirs.
			if stored, err = keys.FindDataKeys(ctx); err != nil {
				return nil, err
			}
		}
	}
	k := &Keyring{encrypt: map[uint32]cipher.AEAD{}}
	for _, dk := range stored {
		raw, err := mk.unwrap(dk)
		if err != nil {
			return nil, err
		}
		switch dk.Purpose {
		case breachdesk.DataKeyIndex:
			k.index = raw
		case breachdesk.DataKeyEncrypt:
			aead, err := newAEAD(raw)
			if err != nil {
				return nil, err
			}
			k.encrypt[uint32(dk.ID)] = aead
			if dk.RetiredAt == nil {
				k.activeID = uint32(dk.ID)
			}
		}
	}
	if k.index == nil || k.activeID == 0 {
		return nil, fmt.Errorf("keyring: the database lacks an active encryption key or the index key")
	}
	if k.codes, err = aes.NewCipher(k.Derive("notice-code-permutation")); err != nil {
		return nil, err
	}
	return k, nil
}

func (mk *MasterKey) newDataKey(purpose string, now time.Time) *breachdesk.DataKey {
	raw := make([]byte, keySize)
	rand.Read(raw)
	return &breachdesk.DataKey{Purpose: purpose, Wrapped: mk.wrap(purpose, raw), MasterKeyID: mk.ID, CreatedAt: now}
}

// Seal encrypts value for the field of the person identified by aad (such
// as "incident 12 person C-981"), so that a sealed value copied to another
// field or person no longer opens. An empty value stays empty.
func (k *Keyring) Seal(field, aad, value string) []byte {
	if value == "" {
		return nil
	}
	return seal(k.encrypt[k.activeID], k.activeID, []byte(field+"\x00"+aad), []byte(value))
}

// Open decrypts what Seal returned for the same field and aad.
func (k *Keyring) Open(field, aad string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	if len(sealed) < headerSize {
		return "", errors.New("keyring: sealed value too short")
	}
	aead, ok := k.encrypt[binary.BigEndian.Uint32(sealed[1:5])]
	if !ok {
		return "", fmt.Errorf("keyring: sealed with unknown data key %d", binary.BigEndian.Uint32(sealed[1:5]))
	}
	_, plain, err := open(aead, []byte(field+"\x00"+aad), sealed)
	if err != nil {
		return "", fmt.Errorf("keyring: %s does not open: it was altered or moved", field)
	}
	return string(plain), nil
}

// Index returns the blind index of a normalised value of a kind ("email",
// "phone"): equal values give equal indexes, and without the index key
// nobody can tell which value an index stands for. 16 bytes keep the
// index small; collisions are negligible at any breach's size.
func (k *Keyring) Index(kind, value string) []byte {
	if value == "" {
		return nil
	}
	mac := hmac.New(sha256.New, k.index)
	mac.Write([]byte(kind + "\x00" + value))
	return mac.Sum(nil)[:16]
}

// Rotate replaces the master key: it writes a new key file at path+".new",
// re-wraps every data key with it in one transaction, then moves the old
// file to path+".old-ID" and the new one to path. The personal data itself
// is not re-encrypted; with newDataKey, a new encryption key also takes
// over for data written from now on.
func Rotate(ctx context.Context, path string, keys breachdesk.DataKeyService, newDataKey bool, now time.Time) (*MasterKey, error) {
	old, err := LoadMasterKey(path)
	if err != nil {
		return nil, err
	}
	stored, err := keys.FindDataKeys(ctx)
	if err != nil {
		return nil, err
	}
	next, err := NewMasterKey(now)
	if err != nil {
		return nil, err
	}
	rewrapped := make([]*breachdesk.DataKey, len(stored))
	for i, dk := range stored {
		raw, err := old.unwrap(dk)
		if err != nil {
			return nil, err
		}
		c := *dk
		c.Wrapped, c.MasterKeyID = next.wrap(dk.Purpose, raw), next.ID
		rewrapped[i] = &c
	}
	newPath := path + ".new"
	os.Remove(newPath) // left by an earlier rotation that failed before its commit
	if err := next.WriteFile(newPath); err != nil {
		return nil, err
	}
	if err := keys.RewrapDataKeys(ctx, rewrapped); err != nil {
		os.Remove(newPath)
		return nil, err
	}
	if newDataKey {
		if err := keys.CreateDataKeys(ctx, []*breachdesk.DataKey{next.newDataKey(breachdesk.DataKeyEncrypt, now)}); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(path, path+".old-"+old.ID); err != nil {
		return nil, fmt.Errorf("the data keys now use %s, but %s could not be moved aside: %w", newPath, path, err)
	}
	if err := os.Rename(newPath, path); err != nil {
		return nil, fmt.Errorf("the data keys now use %s, but it could not be moved to %s: %w", newPath, path, err)
	}
	return next, nil
}

// Sealed values are: version (1 byte), data key ID (4 bytes, big-endian),
// nonce (12 bytes), ciphertext and tag.
const (
	version    = 1
	headerSize = 1 + 4 + 12
)

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func seal(aead cipher.AEAD, keyID uint32, aad, plain []byte) []byte {
	out := make([]byte, headerSize, headerSize+len(plain)+aead.Overhead())
	out[0] = version
	binary.BigEndian.PutUint32(out[1:5], keyID)
	rand.Read(out[5:headerSize])
	return aead.Seal(out, out[5:headerSize], plain, append(aad, out[:5]...))
}

func open(aead cipher.AEAD, aad, sealed []byte) (uint32, []byte, error) {
	if len(sealed) < headerSize || sealed[0] != version {
		return 0, nil, errors.New("keyring: not a sealed value")
	}
	plain, err := aead.Open(nil, sealed[5:headerSize], sealed[headerSize:], append(aad, sealed[:5]...))
	return binary.BigEndian.Uint32(sealed[1:5]), plain, err
}

// personAAD binds a person's sealed fields to the person, so that a sealed
// value moved to another row does not open.
func personAAD(incidentID int64, externalID string) string {
	return fmt.Sprintf("incident %d person %s", incidentID, externalID)
}

// SealPerson returns p as stored: its personal data sealed and its e-mail
// and phone also as blind indexes.
func (k *Keyring) SealPerson(p *breachdesk.AffectedPerson) *breachdesk.SealedPerson {
	aad := personAAD(p.IncidentID, p.ExternalID)
	return &breachdesk.SealedPerson{
		ID: p.ID, IncidentID: p.IncidentID, ExternalID: p.ExternalID,
		Name:          k.Seal("name", aad, p.Name),
		Email:         k.Seal("email", aad, p.Email),
		Phone:         k.Seal("phone", aad, p.Phone),
		PostalAddress: k.Seal("postal_address", aad, p.PostalAddress),
		EmailIndex:    k.Index("email", breachdesk.EmailIndexKey(p.Email)),
		PhoneIndex:    k.Index("phone", p.Phone),
		Country:       p.Country, Region: p.Region, Language: p.Language,
		DataCategories: p.DataCategories, CreatedAt: p.CreatedAt,
	}
}

// OpenPerson returns the person a SealPerson result stands for.
func (k *Keyring) OpenPerson(s *breachdesk.SealedPerson) (*breachdesk.AffectedPerson, error) {
	aad := personAAD(s.IncidentID, s.ExternalID)
	p := &breachdesk.AffectedPerson{
		ID: s.ID, IncidentID: s.IncidentID, ExternalID: s.ExternalID,
		Country: s.Country, Region: s.Region, Language: s.Language,
		DataCategories: s.DataCategories, CreatedAt: s.CreatedAt,
	}
	for _, f := range []struct {
		name   string
		sealed []byte
		dst    *string
	}{{"name", s.Name, &p.Name}, {"email", s.Email, &p.Email}, {"phone", s.Phone, &p.Phone}, {"postal_address", s.PostalAddress, &p.PostalAddress}} {
		var err error
		if *f.dst, err = k.Open(f.name, aad, f.sealed); err != nil {
			return nil, fmt.Errorf("person %s of incident %d: %w", s.ExternalID, s.IncidentID, err)
		}
	}
	return p, nil
}

// Derive returns a 32-byte key for purpose, derived from the index key, for
// secrets that must stay the same across processes, such as the key of the
// tags in bounce addresses.
func (k *Keyring) Derive(purpose string) []byte {
	mac := hmac.New(sha256.New, k.index)
	mac.Write([]byte("derive\x00" + purpose))
	return mac.Sum(nil)
}

// inquiryAAD binds an inquiry's sealed fields to its reference.
func inquiryAAD(reference string) string {
	return "inquiry " + reference
}

// SealInquiry returns q as stored: the person's name, contact and message
// sealed, the address also as a blind index. It gives q a reference first
// when it has none, since the sealed fields are bound to it.
func (k *Keyring) SealInquiry(q *breachdesk.Inquiry) *breachdesk.SealedInquiry {
	if q.Reference == "" {
		q.Reference = breachdesk.NewInquiryReference()
	}
	aad := inquiryAAD(q.Reference)
	return &breachdesk.SealedInquiry{
		ID: q.ID, Reference: q.Reference, IncidentID: q.IncidentID,
		Category: q.Category, RequestKind: q.RequestKind,
		Name:       k.Seal("name", aad, q.Name),
		Email:      k.Seal("email", aad, q.Email),
		Phone:      k.Seal("phone", aad, q.Phone),
		Message:    k.Seal("message", aad, q.Message),
		EmailIndex: k.Index("email", breachdesk.EmailIndexKey(q.Email)),
		Code:       q.Code, NoticeID: q.NoticeID, Language: q.Language,
		Status: q.Status, AssignedTo: q.AssignedTo, DueAt: q.DueAt, ReceiptSentAt: q.ReceiptSentAt,
		CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt,
	}
}

// OpenInquiry returns the inquiry a SealInquiry result stands for.
func (k *Keyring) OpenInquiry(s *breachdesk.SealedInquiry) (*breachdesk.Inquiry, error) {
	aad := inquiryAAD(s.Reference)
	q := &breachdesk.Inquiry{
		ID: s.ID, Reference: s.Reference, IncidentID: s.IncidentID,
		Category: s.Category, RequestKind: s.RequestKind,
		Code: s.Code, NoticeID: s.NoticeID, Language: s.Language,
		Status: s.Status, AssignedTo: s.AssignedTo, DueAt: s.DueAt, ReceiptSentAt: s.ReceiptSentAt,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}
	for _, f := range []struct {
		name   string
		sealed []byte
		dst    *string
	}{{"name", s.Name, &q.Name}, {"email", s.Email, &q.Email}, {"phone", s.Phone, &q.Phone}, {"message", s.Message, &q.Message}} {
		var err error
		if *f.dst, err = k.Open(f.name, aad, f.sealed); err != nil {
			return nil, fmt.Errorf("inquiry %s: %w", s.Reference, err)
		}
	}
	return q, nil
}

// replyAAD binds a reply's sealed body to its inquiry's reference.
func replyAAD(reference string) string {
	return "inquiry reply " + reference
}

// SealInquiryReply returns r as stored: its body sealed, bound to the
// reference of the inquiry it answers.
func (k *Keyring) SealInquiryReply(r *breachdesk.InquiryReply) *breachdesk.SealedInquiryReply {
	return &breachdesk.SealedInquiryReply{
		ID: r.ID, InquiryID: r.InquiryID, Reference: r.Reference, Template: r.Template, Language: r.Language,
		Body:   k.Seal("body", replyAAD(r.Reference), r.Body),
		Author: r.Author, CreatedAt: r.CreatedAt, SentAt: r.SentAt, Refusal: r.Refusal,
	}
}

// OpenInquiryReply returns the reply a SealInquiryReply result stands for.
func (k *Keyring) OpenInquiryReply(s *breachdesk.SealedInquiryReply) (*breachdesk.InquiryReply, error) {
	body, err := k.Open("body", replyAAD(s.Reference), s.Body)
	if err != nil {
		return nil, fmt.Errorf("reply %d to inquiry %s: %w", s.ID, s.Reference, err)
	}
	return &breachdesk.InquiryReply{
		ID: s.ID, InquiryID: s.InquiryID, Reference: s.Reference, Template: s.Template, Language: s.Language,
		Body: body, Author: s.Author, CreatedAt: s.CreatedAt, SentAt: s.SentAt, Refusal: s.Refusal,
	}, nil
}

package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The parameters of new hashes: RFC 9106's second recommended option.
const (
	memory      = 64 * 1024 // KiB
	passes      = 3
	parallelism = 4
	saltLength  = 16
	keyLength   = 32
)

// The bounds on the parameters of a stored hash. A row with m=4294967295
// would otherwise make Check allocate 4 TiB; these allow every sensible
// hash and cap one Check at 1 GiB and 20 passes.
const (
	maxMemory      = 1 << 20 // KiB
	maxPasses      = 20
	maxParallelism = 255
	minSaltLength  = 8
	minKeyLength   = 16
	maxKeyLength   = 64
)

// nothingHash is the hash that CheckAgainstNothing checks against: a hash
// with the current parameters of 32 random bytes that were thrown away,
// so no password matches it. It was made with the reference
// implementation's command-line tool:
//
//	head -c 32 /dev/urandom | argon2 hgr8IGZ6PY4Zfxsz -id -t 3 -m 16 -p 4 -l 32 -e
const nothingHash = "$argon2id$v=19$m=65536,t=3,p=4$aGdyOElHWjZQWTRaZnhzeg$vbemCbJtyMX2jr40JGEZ4b4LjwgUJwygL8F5HndVkBQ"

// hash is a decoded PHC string.
type hash struct {
	memory      uint32 // KiB
	passes      uint32
	parallelism uint8
	salt        []byte
	key         []byte
}

// Hash returns the Argon2id hash of password with a fresh random salt and
// the current parameters, as a PHC string.
func Hash(password string) (string, error) {
	salt := make([]byte, saltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	h := hash{
		memory:      memory,
		passes:      passes,
		parallelism: parallelism,
		salt:        salt,
		key:         argon2.IDKey([]byte(password), salt, passes, memory, parallelism, keyLength),
	}
	return h.String(), nil
}

// Check reports whether password matches the PHC string encoded, using
// the parameters written in it. Returns an error if encoded is malformed,
// is not Argon2id version 19, or has parameters out of bounds; such a
// string comes from a damaged or tampered row, not from a wrong password.
func Check(encoded, password string) (bool, error) {
	h, err := parse(encoded)
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	key := argon2.IDKey([]byte(password), h.salt, h.passes, h.memory, h.parallelism, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// NeedsRehash reports whether encoded was made with other parameters than
// Hash now uses, or cannot be read at all: the caller replaces such a hash
// with a new one after the next successful sign-in.
func NeedsRehash(encoded string) bool {
	h, err := parse(encoded)
	return err != nil ||
		h.memory != memory ||
		h.passes != passes ||
		h.parallelism != parallelism ||
		len(h.salt) != saltLength ||
		len(h.key) != keyLength
}

// CheckAgainstNothing takes as long as Check on a hash with the current
// parameters, and does nothing else. A sign-in with an unknown login calls
// it, so that the response time does not tell which logins exist.
func CheckAgainstNothing(password string) {
	_, _ = Check(nothingHash, password)
}

// String returns h as a PHC string.
func (h hash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.memory, h.passes, h.parallelism,
		base64.RawStdEncoding.EncodeToString(h.salt), base64.RawStdEncoding.EncodeToString(h.key))
}

// parse decodes the PHC string encoded, as the reference implementation
// writes it, and checks its parameters against the bounds.
func parse(encoded string) (hash, error) {
	// The base64 decoder skips line breaks; a hash has none.
	if strings.ContainsAny(encoded, "\r\n") {
		return hash{}, errors.New("malformed hash: line break")
	}
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" {
		return hash{}, errors.New("malformed hash: want $argon2id$v=19$m=…,t=…,p=…$salt$key")
	}
	if fields[1] != "argon2id" {
		return hash{}, fmt.Errorf("hash algorithm %.20q is not argon2id", fields[1])
	}
	if fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return hash{}, fmt.Errorf("hash version %.20q is not v=%d", fields[2], argon2.Version)
	}
	params := strings.Split(fields[3], ",")
	if len(params) != 3 {
		return hash{}, errors.New("malformed hash: want parameters m=…,t=…,p=…")
	}
	m, err := parseParam(params[0], "m=")
	if err != nil {
		return hash{}, err
	}
	t, err := parseParam(params[1], "t=")
	if err != nil {
		return hash{}, err
	}
	p, err := parseParam(params[2], "p=")
	if err != nil {
		return hash{}, err
	}
	switch {
	case p < 1 || p > maxParallelism:
		return hash{}, fmt.Errorf("hash parallelism %d is not between 1 and %d", p, maxParallelism)
	case t < 1 || t > maxPasses:
		return hash{}, fmt.Errorf("hash passes %d is not between 1 and %d", t, maxPasses)
	// Argon2 needs 8 KiB per lane; x/crypto would silently raise a lower
	// figure, and compute another hash than the one the string describes.
	case m < 8*p || m > maxMemory:
		return hash{}, fmt.Errorf("hash memory %d KiB is not between 8 KiB per lane and %d KiB", m, maxMemory)
	}
	// The PHC string format's base64 has no padding; Strict also refuses
	// stray bits, so that each hash has a single spelling.
	salt, err := base64.RawStdEncoding.Strict().DecodeString(fields[4])
	if err != nil {
		return hash{}, fmt.Errorf("malformed hash salt: %w", err)
	}
	if len(salt) < minSaltLength {
		return hash{}, fmt.Errorf("hash salt has %d bytes, fewer than %d", len(salt), minSaltLength)
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(fields[5])
	if err != nil {
		return hash{}, fmt.Errorf("malformed hash key: %w", err)
	}
	if len(key) < minKeyLength || len(key) > maxKeyLength {
		return hash{}, fmt.Errorf("hash key has %d bytes, not between %d and %d", len(key), minKeyLength, maxKeyLength)
	}
	return hash{memory: uint32(m), passes: uint32(t), parallelism: uint8(p), salt: salt, key: key}, nil
}

// parseParam returns the decimal number after name in param, such as 65536
// in "m=65536".
func parseParam(param, name string) (uint64, error) {
	digits, ok := strings.CutPrefix(param, name)
	if !ok {
		return 0, fmt.Errorf("malformed hash: parameter %.20q does not start with %s", param, name)
	}
	n, err := strconv.ParseUint(digits, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("malformed hash parameter %s: %w", name, err)
	}
	return n, nil
}

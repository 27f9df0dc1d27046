package password

import (
	"encoding/base64"
	"strings"
	"testing"
)

// Known answers, made by the reference implementation's command-line tool
// (Debian package argon2), independent of golang.org/x/crypto/argon2.
const (
	// echo -n "correct horse battery staple" | argon2 breachdesksalt16 -id -t 3 -m 16 -p 4 -l 32 -e
	vectorDefault = "$argon2id$v=19$m=65536,t=3,p=4$YnJlYWNoZGVza3NhbHQxNg$oSDrIecBWalm8lZ2BUCW27fv2Eqfs1yH9tpuhE4Y/3I"

	// echo -n "hunter2hunter2" | argon2 saltysaltysalt -id -t 2 -m 12 -p 1 -l 32 -e
	vectorSmall = "$argon2id$v=19$m=4096,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$V4XJqDeerrlBJl/dA7bc5xmponaME5zV56KXnaexM0Q"

	// echo -n "hunter2hunter2" | argon2 saltsalt -id -t 1 -m 3 -p 1 -l 16 -e
	vectorLowerBounds = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$xOuRgT0mh2Y8Dxwt9RfuPw"

	// echo -n "hunter2hunter2" | argon2 saltsalt -id -t 20 -k 2040 -p 255 -l 64 -e
	vectorUpperBounds = "$argon2id$v=19$m=2040,t=20,p=255$c2FsdHNhbHQ$PzYmpH0he38SJjOBXTqz9BOFQkTtlQ+8KYHJIe2bzGUsDoSWbd0b7+qbg5EB+V1KSnr2WyG9BOicbAy3wbHsZQ"

	// echo -n "hunter2hunter2" | argon2 saltysaltysalt -i -t 2 -m 12 -p 1 -l 32 -e
	vectorArgon2i = "$argon2i$v=19$m=4096,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$2ZXf2oEe2Tflnorac5f2d42iOe13jgTJcbvTR9Fl6i0"

	// echo -n "hunter2hunter2" | argon2 saltysaltysalt -d -t 2 -m 12 -p 1 -l 32 -e
	vectorArgon2d = "$argon2d$v=19$m=4096,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$TBUV0lxfgtHLJ0htwa7SYYna9rejB7xLo04P5xHRUvA"

	// echo -n "hunter2hunter2" | argon2 saltysaltysalt -id -t 2 -m 12 -p 1 -l 32 -v 10 -e
	vectorVersion16 = "$argon2id$v=16$m=4096,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$jMUiiK83BiV87VWjvBKN2W48khh98LLDkBan79TQyVk"
)

func TestHash(t *testing.T) {
	t.Parallel()

	const pw = "correct horse battery staple"
	h1, err := Hash(pw)
	if err != nil {
		t.Fatalf("Hash() error = %v", err)
	}
	h2, err := Hash(pw)
	if err != nil {
		t.Fatalf("Hash() error = %v", err)
	}

	t.Run("OK", func(t *testing.T) {
		if ok, err := Check(h1, pw); !ok || err != nil {
			t.Errorf("Check(Hash(pw), pw) = %v, %v, want true, nil", ok, err)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		if ok, err := Check(h1, pw+"!"); ok || err != nil {
			t.Errorf("Check(Hash(pw), other) = %v, %v, want false, nil", ok, err)
		}
	})
	t.Run("Format", func(t *testing.T) {
		const prefix = "$argon2id$v=19$m=65536,t=3,p=4$"
		rest, ok := strings.CutPrefix(h1, prefix)
		if !ok {
			t.Fatalf("Hash() = %q, want prefix %q", h1, prefix)
		}
		salt, key, ok := strings.Cut(rest, "$")
		if !ok {
			t.Fatalf("Hash() = %q, want salt$key after the parameters", h1)
		}
		if b, err := base64.RawStdEncoding.DecodeString(salt); err != nil || len(b) != 16 {
			t.Errorf("Hash() salt %q decodes to %d bytes, %v, want 16 bytes", salt, len(b), err)
		}
		if b, err := base64.RawStdEncoding.DecodeString(key); err != nil || len(b) != 32 {
			t.Errorf("Hash() key %q decodes to %d bytes, %v, want 32 bytes", key, len(b), err)
		}
		if NeedsRehash(h1) {
			t.Errorf("NeedsRehash(Hash()) = true, want false")
		}
	})
	t.Run("SaltDiffers", func(t *testing.T) {
		if h1 == h2 {
			t.Fatalf("Hash() twice = %q both times, want different salts", h1)
		}
		if salt1, salt2 := strings.Split(h1, "$")[4], strings.Split(h2, "$")[4]; salt1 == salt2 {
			t.Errorf("Hash() twice has salt %q both times", salt1)
		}
		if ok, err := Check(h2, pw); !ok || err != nil {
			t.Errorf("Check(second Hash(pw), pw) = %v, %v, want true, nil", ok, err)
		}
	})
}

func TestCheck(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name        string
		encoded     string
		password    string
		want        bool
		needsRehash bool
	}{
		{"OK", vectorDefault, "correct horse battery staple", true, false},
		{"WrongPassword", vectorDefault, "correct horse battery stapl", false, false},
		{"OKOtherParameters", vectorSmall, "hunter2hunter2", true, true},
		{"WrongPasswordOtherParameters", vectorSmall, "hunter2hunter3", false, true},
		{"OKLowerBounds", vectorLowerBounds, "hunter2hunter2", true, true},
		{"OKUpperBounds", vectorUpperBounds, "hunter2hunter2", true, true},
		{"EmptyPassword", vectorSmall, "", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := Check(tt.encoded, tt.password)
			if err != nil {
				t.Fatalf("Check(%q) error = %v", tt.encoded, err)
			}
			if ok != tt.want {
				t.Errorf("Check(%q, %q) = %v, want %v", tt.encoded, tt.password, ok, tt.want)
			}
			if got := NeedsRehash(tt.encoded); got != tt.needsRehash {
				t.Errorf("NeedsRehash(%q) = %v, want %v", tt.encoded, got, tt.needsRehash)
			}
		})
	}
}

// TestCheckMalformed feeds Check strings that differ from vectorSmall in
// one defect each: a Check that missed the defect would return true, or,
// for the memory bounds, try to allocate gigabytes.
func TestCheckMalformed(t *testing.T) {
	t.Parallel()

	const pw = "hunter2hunter2"
	b64 := base64.RawStdEncoding.EncodeToString
	tamper := func(old, new string) string {
		if !strings.Contains(vectorSmall, old) {
			t.Fatalf("vectorSmall does not contain %q", old)
		}
		return strings.Replace(vectorSmall, old, new, 1)
	}
	const salt, key = "c2FsdHlzYWx0eXNhbHQ", "V4XJqDeerrlBJl/dA7bc5xmponaME5zV56KXnaexM0Q"

	for _, tt := range []struct {
		name    string
		encoded string
	}{
		{"ErrEmpty", ""},
		{"ErrArgon2i", vectorArgon2i},
		{"ErrArgon2d", vectorArgon2d},
		{"ErrArgon2iRelabelled", tamper("$argon2id$", "$argon2i$")},
		{"ErrVersion16", vectorVersion16},
		{"ErrVersion20", tamper("v=19", "v=20")},
		{"ErrVersionMissing", tamper("$v=19", "")},
		{"ErrMemoryMax32Bits", tamper("m=4096", "m=4294967295")},
		{"ErrMemoryOver32Bits", tamper("m=4096", "m=4294967296")},
		{"ErrMemoryOver1GiB", tamper("m=4096", "m=1048577")},
		{"ErrMemoryUnder8KiBPerLane", tamper("m=4096,t=2,p=1", "m=31,t=2,p=4")},
		{"ErrMemoryNegative", tamper("m=4096", "m=-1")},
		{"ErrMemoryPlusSign", tamper("m=4096", "m=+4096")},
		{"ErrPassesZero", tamper("t=2", "t=0")},
		{"ErrPassesOver20", tamper("t=2", "t=21")},
		{"ErrParallelismZero", tamper("p=1", "p=0")},
		{"ErrParallelismOver255", tamper("m=4096,t=2,p=1", "m=4096,t=2,p=256")},
		{"ErrParametersReordered", tamper("m=4096,t=2,p=1", "t=2,m=4096,p=1")},
		{"ErrParameterMissing", tamper("m=4096,t=2,p=1", "m=4096,t=2")},
		{"ErrParameterExtra", tamper("p=1", "p=1,data=Zm9v")},
		{"ErrParametersMissing", tamper("$m=4096,t=2,p=1", "")},
		{"ErrSaltMissing", tamper("$"+salt, "")},
		{"ErrKeyMissing", tamper("$"+key, "")},
		{"ErrSaltEmpty", tamper(salt, "")},
		{"ErrKeyEmpty", tamper(key, "")},
		{"ErrExtraField", vectorSmall + "$"},
		{"ErrLeadingText", "x" + vectorSmall},
		{"ErrLineBreak", tamper(salt, salt[:8]+"\n"+salt[8:])},
		{"ErrSaltBadBase64", tamper(salt, salt[:18]+"!")},
		{"ErrSaltPadded", tamper(salt, salt+"=")},
		{"ErrKeyURLAlphabet", tamper(key, strings.ReplaceAll(key, "/", "_"))},
		{"ErrSaltStrayBits", tamper(salt, salt[:18]+"R")},
		{"ErrKeyBadBase64", tamper(key, key[:42]+"*")},
		{"ErrSaltTooShort", tamper(salt, b64([]byte("7 bytes")))},
		{"ErrKeyTooShort", tamper(key, b64(make([]byte, 15)))},
		{"ErrKeyTooLong", tamper(key, b64(make([]byte, 65)))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := Check(tt.encoded, pw)
			if err == nil {
				t.Errorf("Check(%q) error = nil, want an error", tt.encoded)
			}
			if ok {
				t.Errorf("Check(%q) = true, want false", tt.encoded)
			}
			if !NeedsRehash(tt.encoded) {
				t.Errorf("NeedsRehash(%q) = false, want true", tt.encoded)
			}
		})
	}
}

func TestCheckAgainstNothing(t *testing.T) {
	t.Parallel()

	t.Run("OK", func(t *testing.T) {
		CheckAgainstNothing("correct horse battery staple")
	})
	t.Run("ConstantParses", func(t *testing.T) {
		if ok, err := Check(nothingHash, "correct horse battery staple"); ok || err != nil {
			t.Errorf("Check(nothingHash) = %v, %v, want false, nil", ok, err)
		}
	})
	// The constant must cost what a current hash costs, or the time
	// would tell an unknown login from a known one.
	t.Run("ConstantHasCurrentParameters", func(t *testing.T) {
		if NeedsRehash(nothingHash) {
			t.Errorf("NeedsRehash(nothingHash) = true, want false: remake it with the current parameters")
		}
	})
}

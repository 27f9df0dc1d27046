package keyring

import (
	"encoding/binary"

	"github.com/breachdesk/breachdesk"
)

// Notice codes are 60-bit numbers: a balanced Feistel network of
// codeRounds rounds over two 30-bit halves, whose round function is AES
// under a key derived from the index key, permutes the notice's ID into
// its code. This is the construction of FF1 (NIST SP 800-38G) on binary
// numbers, and the number of rounds is FF1's.
const (
	codeHalfBits = 30
	codeHalfMask = 1<<codeHalfBits - 1
	codeRounds   = 10
)

// NoticeCode returns the verification code of a notice: its ID through the
// keyed permutation. The same notice always carries the same code, two
// notices never share one, and nobody without the index key can compute
// one: with 24 million notices out, a guess hits one in about 48 billion
// tries. NoticeID turns a code back into the ID, so that the public page
// reads the notice by its primary key instead of an index of every code.
func (k *Keyring) NoticeCode(noticeID int64) string {
	left, right := uint64(noticeID)>>codeHalfBits&codeHalfMask, uint64(noticeID)&codeHalfMask
	for round := range codeRounds {
		left, right = right, left^k.codeRound(round, right)
	}
	return breachdesk.FormatNoticeCode(left<<codeHalfBits | right)
}

// NoticeID returns the ID of the notice whose code NoticeCode would make
// code, in the canonical form of ParseNoticeCode; false if code is not in
// that form or designates no possible notice. Every 60-bit number is the
// code of some ID: whether that notice exists and carries code is for the
// store to tell (codes from before the permutation, and forgeries,
// designate notices that carry another code).
func (k *Keyring) NoticeID(code string) (int64, bool) {
	bits, err := breachdesk.NoticeCodeBits(code)
	if err != nil {
		return 0, false
	}
	left, right := bits>>codeHalfBits&codeHalfMask, bits&codeHalfMask
	for round := codeRounds - 1; round >= 0; round-- {
		left, right = right^k.codeRound(round, left), left
	}
	id := int64(left<<codeHalfBits | right)
	return id, id > 0
}

// codeRound is the round function: 30 bits of AES of the round number and
// the half.
func (k *Keyring) codeRound(round int, half uint64) uint64 {
	var block [16]byte
	block[0] = byte(round)
	binary.BigEndian.PutUint64(block[8:], half)
	k.codes.Encrypt(block[:], block[:])
	return binary.BigEndian.Uint64(block[:8]) & codeHalfMask
}
